// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: the OCI state a hook reads on stdin, and a bundle's
 * config.json (json-c underneath, our checks on top).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "oci.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), rel[PN_CG_PATH_MAX], again[PN_CG_PATH_MAX];
	struct pn_oci_state st;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!pn_oci_state_parse(s, &st)) {
		CHECK(st.pid >= 0);
		CHECK(strlen(st.id) < sizeof(st.id));
	}
	if (!pn_oci_config_cgroup(s, rel, sizeof(rel)))
		CHECK(!pn_cgroup_path_clean(rel, again, sizeof(again)) && !strcmp(rel, again));
	free(s);
	return 0;
}
