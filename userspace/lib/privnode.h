/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libprivnode: private memory nodes and the memory.private_nodes cgroup
 * files from userspace.  Documentation/userspace.rst describes the API.
 */
#ifndef PRIVNODE_H
#define PRIVNODE_H

#include "cgroup.h"
#include "kfmt.h"
#include "node.h"
#include "nodelist.h"
#include "oci.h"
#include "request.h"
#include "util.h"

#endif
