// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kfmt.h"
#include "node.h"
#include "util.h"

static void node_path(char *buf, size_t len, const char *rest)
{
	snprintf(buf, len, "%s/devices/system/node/%s", pn_root(PN_ROOT_SYSFS),
		 rest);
}

int pn_nodes_private(struct pn_nodemask *m)
{
	char path[PATH_MAX], *text;
	long len;
	int err;

	node_path(path, sizeof(path), "has_memory_private");
	len = pn_read_file(path, &text);
	if (len == -ENOENT)
		return pn_seterr(PN_ENOSUPPORT,
				 "%s does not exist: this kernel has no private nodes",
				 path);
	if (len < 0)
		return pn_seterr((int)-len, "%s: %s", path, strerror((int)-len));
	err = pn_nodelist_parse(text, m);
	free(text);
	if (err)
		return pn_seterr(PN_EFORMAT, "%s: not a node list", path);
	return 0;
}

/* Read a one-line sysfs file without its newline; "" if absent. */
static int read_line(const char *path, char *buf, size_t len)
{
	char *text;
	long n = pn_read_file(path, &text);

	buf[0] = '\0';
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return pn_seterr((int)-n, "%s: %s", path, strerror((int)-n));
	if (n && text[n - 1] == '\n')
		text[--n] = '\0';
	snprintf(buf, len, "%s", text);
	free(text);
	return 0;
}

int pn_node_info(unsigned int node, struct pn_node_info *info)
{
	char path[PATH_MAX], rel[64], *text;
	struct stat st;
	long n;
	int err;

	memset(info, 0, sizeof(*info));
	info->node = node;
	snprintf(rel, sizeof(rel), "node%u", node);
	node_path(path, sizeof(path), rel);
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return pn_seterr(ENOENT, "node %u does not exist", node);
	snprintf(rel, sizeof(rel), "node%u/private/owner", node);
	node_path(path, sizeof(path), rel);
	err = read_line(path, info->owner, sizeof(info->owner));
	if (err)
		return err;
	snprintf(rel, sizeof(rel), "node%u/private/services", node);
	node_path(path, sizeof(path), rel);
	err = read_line(path, info->services, sizeof(info->services));
	if (err)
		return err;
	snprintf(rel, sizeof(rel), "node%u/meminfo", node);
	node_path(path, sizeof(path), rel);
	n = pn_read_file(path, &text);
	if (n >= 0) {
		/* An unreadable meminfo leaves size and free unknown. */
		info->has_meminfo = !pn_meminfo_parse(text, node, &info->total,
						      &info->free);
		free(text);
	}
	return 0;
}

int pn_nodes_check_private(const struct pn_nodemask *m)
{
	struct pn_nodemask priv;
	char path[PATH_MAX], rel[32], list[256];
	struct stat st;
	unsigned int i;
	int err;

	err = pn_nodes_private(&priv);
	if (err)
		return err;
	for (i = 0; i < PN_MAX_NODES; i++) {
		if (!pn_nodemask_test(m, i) || pn_nodemask_test(&priv, i))
			continue;
		snprintf(rel, sizeof(rel), "node%u", i);
		node_path(path, sizeof(path), rel);
		if (stat(path, &st))
			return pn_seterr(ENOENT, "node %u does not exist", i);
		if (pn_nodelist_format(&priv, list, sizeof(list)) < 0)
			strcpy(list, "...");
		return pn_seterr(PN_ENOTPRIVATE,
				 "node %u is not a private node (private nodes: %s)",
				 i, *list ? list : "none");
	}
	return 0;
}
