// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * privnode-oci-hook: an OCI runtime hook (createRuntime stage) that grants
 * private memory nodes to the container's cgroup.
 *
 * The runtime hands the container's state on stdin: pid, bundle and
 * annotations.  The nodes come from the annotation privnode.io/nodes and
 * from --node options (a CDI device adds "--node N"); privnode.io/max and
 * privnode.io/fallback add limits and the fallback setting.  Everything is
 * checked before the first write, and a failed write undoes the earlier
 * ones: a container is never left half configured.  Messages go to stderr,
 * which runtimes copy to their log.  The man page is
 * man/privnode-oci-hook.1.scd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privnode.h"

#define STATE_MAX (1u << 20)

static const char usage_text[] =
"Usage: privnode-oci-hook [--node NODES]... < STATE\n"
"\n"
"OCI createRuntime hook: reads the container state (JSON) on stdin and\n"
"grants the nodes of --node and of the annotation privnode.io/nodes to the\n"
"container's cgroup and its ancestors, then applies privnode.io/max and\n"
"privnode.io/fallback.  Without any node to grant it does nothing.\n"
"\n"
"Exit status: 0 ok, 1 bad option, annotation or state, 2 cgroup or node\n"
"not found, 3 permission denied, 4 node not private or value refused,\n"
"5 no memory controller or no private-node kernel, 6 other error.\n";

static const char *container = "?";

static int fail(int err, int code)
{
	fprintf(stderr, "privnode-oci-hook: container %s: %s\n", container, pn_errmsg());
	return code ? code : pn_exit_code(err);
}

static char *read_stdin(void)
{
	size_t len = 0;
	ssize_t n;
	char *buf = malloc(STATE_MAX + 1);

	if (!buf)
		return NULL;
	for (;;) {
		n = read(STDIN_FILENO, buf + len, STATE_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == STATE_MAX) {
			free(buf);
			pn_seterr(EFBIG, "state on stdin is larger than %u bytes", STATE_MAX);
			return NULL;
		}
	}
	if (n < 0) {
		pn_seterr(errno, "reading stdin: %s", strerror(errno));
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		pn_seterr(EINVAL, "state on stdin contains a NUL byte");
		free(buf);
		return NULL;
	}
	return buf;
}

static int add_nodes(struct pn_nodemask *m, const char *s, const char *what)
{
	struct pn_nodemask add;
	unsigned int i;

	if (pn_nodelist_parse(s, &add) || !pn_nodemask_weight(&add) || strchr(s, '\n'))
		return pn_seterr(EINVAL, "%s: not a node list: \"%s\"", what, s);
	for (i = 0; i < PN_MAX_NODES; i++)
		if (pn_nodemask_test(&add, i))
			pn_nodemask_set(m, i);
	return 0;
}

int main(int argc, char **argv)
{
	struct pn_nodemask extra;
	struct pn_oci_state st;
	char rel[PN_CG_PATH_MAX], *text;
	const char *env;
	unsigned int i;
	int a, err;

	pn_nodemask_clear(&extra);
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (!strcmp(argv[a], "--node") && a + 1 < argc) {
			if (add_nodes(&extra, argv[++a], "--node"))
				return fail(-EINVAL, PN_EXIT_USAGE);
			continue;
		}
		if (!strncmp(argv[a], "--node=", 7)) {
			if (add_nodes(&extra, argv[a] + 7, "--node"))
				return fail(-EINVAL, PN_EXIT_USAGE);
			continue;
		}
		fprintf(stderr, "privnode-oci-hook: bad argument '%s' (see --help)\n", argv[a]);
		return PN_EXIT_USAGE;
	}
	env = getenv("PRIVNODE_NODES");
	if (env && *env && add_nodes(&extra, env, "PRIVNODE_NODES"))
		return fail(-EINVAL, PN_EXIT_USAGE);

	text = read_stdin();
	if (!text)
		return fail(-EIO, PN_EXIT_USAGE);
	err = pn_oci_state_parse(text, &st);
	free(text);
	if (st.id[0])
		container = st.id;
	if (err)
		return fail(err, PN_EXIT_USAGE);
	for (i = 0; i < PN_MAX_NODES; i++)
		if (pn_nodemask_test(&extra, i))
			pn_nodemask_set(&st.req.nodes, i);
	if (!pn_nodemask_weight(&st.req.nodes) && !st.nannotations)
		return 0;	/* not for us */
	if (pn_request_validate(&st.req))
		return fail(-EINVAL, PN_EXIT_USAGE);

	err = pn_oci_container_cgroup(&st, rel, sizeof(rel));
	if (!err)
		err = pn_cg_apply(rel, &st.req, 0);
	if (err)
		return fail(err, 0);
	return 0;
}
