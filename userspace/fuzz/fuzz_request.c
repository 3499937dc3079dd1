// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: the OCI annotation parser.  Input: lines "key=value".
 * A refused annotation must leave the request as it was; an accepted
 * request that validates names only nodes it limits within.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_request req, before;
	char *s = malloc(size + 1), *line, *next, *eq;
	unsigned int i;
	int err;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	pn_request_init(&req);
	for (line = s; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		before = req;
		err = pn_request_annotation(&req, line, eq + 1);
		CHECK(err == 0 || err == 1 || err == -EINVAL || err == -ERANGE);
		if (err <= 0)
			CHECK(!memcmp(&before, &req, sizeof(req)));
		if (err == 0)
			CHECK(strncmp(line, PN_ANNOT_PREFIX, strlen(PN_ANNOT_PREFIX)));
	}
	if (!pn_request_validate(&req)) {
		CHECK(pn_nodemask_weight(&req.nodes) > 0);
		for (i = 0; i < req.limits.n; i++)
			CHECK(pn_nodemask_test(&req.nodes, req.limits.l[i].node));
	}
	free(s);
	return 0;
}
