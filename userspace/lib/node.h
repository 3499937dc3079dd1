/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private nodes as sysfs shows them, below pn_root(PN_ROOT_SYSFS). */
#ifndef PRIVNODE_NODE_H
#define PRIVNODE_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "nodelist.h"

struct pn_node_info {
	unsigned int node;
	char owner[128];	/* nodeN/private/owner, "" if absent */
	char services[512];	/* nodeN/private/services: "migration mempolicy" */
	bool has_meminfo;	/* size and free below are known */
	uint64_t total;		/* bytes, nodeN/meminfo MemTotal */
	uint64_t free;		/* bytes, MemFree */
};

/* devices/system/node/has_memory_private; -PN_ENOSUPPORT if absent. */
int pn_nodes_private(struct pn_nodemask *m);

/* What sysfs says about one node; -ENOENT if it has no nodeN directory. */
int pn_node_info(unsigned int node, struct pn_node_info *info);

/*
 * Every node of m must be private now: -ENOENT for a node that does not
 * exist, -PN_ENOTPRIVATE for one that is not private.
 */
int pn_nodes_check_private(const struct pn_nodemask *m);

#endif
