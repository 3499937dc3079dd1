// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <string.h>

#include "request.h"
#include "util.h"

void pn_request_init(struct pn_request *req)
{
	memset(req, 0, sizeof(*req));
	req->fallback = PN_FALLBACK_SYSRAM;
}

static int bad(int err, const char *key, const char *value, const char *why)
{
	return pn_seterr(-err, "annotation %s=\"%.64s%s\": %s", key, value,
			 strlen(value) > 64 ? "..." : "", why);
}

int pn_request_annotation(struct pn_request *req, const char *key,
			  const char *value)
{
	struct pn_nodemask nodes;
	struct pn_limits limits;
	enum pn_fallback fb;
	int err;

	if (strncmp(key, PN_ANNOT_PREFIX, strlen(PN_ANNOT_PREFIX)))
		return 0;
	if (!strcmp(key, PN_ANNOT_NODES)) {
		err = pn_nodelist_parse(value, &nodes);
		if (!err && strchr(value, '\n'))
			err = -EINVAL;
		if (err == -ERANGE)
			return bad(err, key, value, "node number out of range");
		if (err)
			return bad(err, key, value,
				   "not a node list (expected e.g. 2 or 2-3,5)");
		if (!pn_nodemask_weight(&nodes))
			return bad(-EINVAL, key, value, "names no node");
		req->nodes = nodes;
		return 1;
	}
	if (!strcmp(key, PN_ANNOT_MAX)) {
		err = pn_limits_parse(value, &limits);
		if (err)
			return bad(err, key, value,
				   "expected NODE:SIZE[,NODE:SIZE...], SIZE like 512M or max");
		req->limits = limits;
		return 1;
	}
	if (!strcmp(key, PN_ANNOT_FALLBACK)) {
		err = pn_fallback_parse(value, &fb);
		if (err || strchr(value, '\n'))
			return bad(-EINVAL, key, value, "expected sysram or none");
		req->fallback = fb;
		req->has_fallback = true;
		return 1;
	}
	return bad(-EINVAL, key, value, "unknown privnode.io annotation");
}

int pn_request_validate(const struct pn_request *req)
{
	unsigned int i;

	if (!pn_nodemask_weight(&req->nodes))
		return pn_seterr(EINVAL, "no node requested");
	for (i = 0; i < req->limits.n; i++)
		if (!pn_nodemask_test(&req->nodes, req->limits.l[i].node))
			return pn_seterr(EINVAL,
					 "a limit names node %u, which is not requested",
					 req->limits.l[i].node);
	return 0;
}
