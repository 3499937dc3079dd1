/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A request: the nodes to grant a cgroup, limits per node and the fallback
 * setting.  It comes from privnode's options or from OCI annotations:
 *
 *   privnode.io/nodes=2-3          node list (cpuset syntax, not empty)
 *   privnode.io/max=2:512M,3:max   limits, nodes of the request only
 *   privnode.io/fallback=none      sysram or none
 *
 * Any other annotation beginning with "privnode.io/" is an error, so a
 * typo does not go unnoticed; annotations of other namespaces are ignored.
 */
#ifndef PRIVNODE_REQUEST_H
#define PRIVNODE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "kfmt.h"
#include "nodelist.h"

#define PN_ANNOT_PREFIX "privnode.io/"
#define PN_ANNOT_NODES PN_ANNOT_PREFIX "nodes"
#define PN_ANNOT_MAX PN_ANNOT_PREFIX "max"
#define PN_ANNOT_FALLBACK PN_ANNOT_PREFIX "fallback"

struct pn_request {
	struct pn_nodemask nodes;
	struct pn_limits limits;
	bool has_fallback;
	enum pn_fallback fallback;
};

void pn_request_init(struct pn_request *req);

/*
 * Take one annotation into req.  Returns 1 if it was one of ours, 0 if it
 * belongs to another namespace, or an error (-EINVAL, -ERANGE) with
 * pn_errmsg() naming the annotation; req is then unchanged.
 */
int pn_request_annotation(struct pn_request *req, const char *key,
			  const char *value);

/*
 * Check a complete request: it names at least one node and limits only
 * nodes it names.  0 or -EINVAL (pn_errmsg() says why).
 */
int pn_request_validate(const struct pn_request *req);

#endif
