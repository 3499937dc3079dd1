/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fake sysfs, cgroupfs and procfs in a temporary directory, for host
 * tests.  The library reads its roots from PRIVNODE_SYSFS,
 * PRIVNODE_CGROUP_ROOT and PRIVNODE_PROCFS, which fake_setup() sets.
 *
 * What a fake tree cannot do: a write replaces a file's contents (the
 * kernel merges .max writes per node and computes .effective), no file
 * appears when a controller is enabled, and as root no file is read-only.
 * Write errors are therefore injected (PRIVNODE_FAULT, lib/util.c), and
 * every write the library attempts is logged to f->log (PRIVNODE_WRITE_LOG).
 *
 * The tree:
 *   nodes 0 and 1 ordinary; 2 (owner accel_mem) and 3 (owner cram) private;
 *   node 3 has no meminfo.
 *   cgroups a, a/b, a/b/c, a/d with every memory.private_nodes file;
 *   nomem/ without the memory controller; oldkernel/ with memory.current
 *   but no memory.private_nodes.
 *   /proc/self/cgroup is /a/b, /proc/4242/cgroup is /a/b/c.
 */
#ifndef PRIVNODE_TEST_FAKE_H
#define PRIVNODE_TEST_FAKE_H

#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privnode.h"

struct fake {
	char root[PATH_MAX];
	char sys[PATH_MAX];
	char cg[PATH_MAX];
	char proc[PATH_MAX];
	char log[PATH_MAX];
};

static inline int fake_mkdirs(const char *path)
{
	char tmp[PATH_MAX * 2], *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

/* Write base/rel (creating its directories) with content. */
static inline int fake_write(const char *base, const char *rel, const char *content)
{
	char path[PATH_MAX * 2], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	if (fake_mkdirs(path))
		return -1;
	*slash = '/';
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(content, f);
	return fclose(f);
}

/* Contents of base/rel in a static buffer ("<missing>" if absent). */
static inline const char *fake_read(const char *base, const char *rel)
{
	static char buf[65536];
	char path[PATH_MAX * 2];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	f = fopen(path, "r");
	if (!f)
		return "<missing>";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char *const fake_cg_files[][2] = {
	{ "memory.current", "0\n" },
	{ "memory.private_nodes", "\n" },
	{ "memory.private_nodes.effective", "\n" },
	{ "memory.private_nodes.max", "" },
	{ "memory.private_nodes.fallback", "sysram\n" },
	{ "memory.private_nodes.stat", "" },
	{ "memory.private_nodes.events", "denied 0\nmax 0\nfallback 0\ncram_throttled 0\n" },
	{ "memory.private_nodes.events.local", "denied 0\nmax 0\nfallback 0\ncram_throttled 0\n" },
	{ "cgroup.procs", "" },
	{ "cgroup.subtree_control", "" },
};

/* A cgroup with every file of the memory controller's private-node interface. */
static inline int fake_cgroup(const struct fake *f, const char *rel)
{
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(fake_cg_files) / sizeof(fake_cg_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", rel, fake_cg_files[i][0]);
		if (fake_write(f->cg, path, fake_cg_files[i][1]))
			return -1;
	}
	return 0;
}

static inline int fake_setup(struct fake *f)
{
	static const char *const cgroups[] = { "a", "a/b", "a/b/c", "a/d" };
	const char *tmp = getenv("TMPDIR");
	unsigned int i;
	int err = 0;

	snprintf(f->root, sizeof(f->root), "%s/privnode-test.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
	snprintf(f->cg, sizeof(f->cg), "%s/cgroup", f->root);
	snprintf(f->proc, sizeof(f->proc), "%s/proc", f->root);
	snprintf(f->log, sizeof(f->log), "%s/writes.log", f->root);

	err |= fake_write(f->sys, "devices/system/node/has_memory_private", "2-3\n");
	err |= fake_write(f->sys, "devices/system/node/has_memory", "0-1\n");
	err |= fake_write(f->sys, "devices/system/node/node0/meminfo",
			  "Node 0 MemTotal:        1048576 kB\nNode 0 MemFree:          524288 kB\n");
	err |= fake_write(f->sys, "devices/system/node/node1/meminfo",
			  "Node 1 MemTotal:        1048576 kB\nNode 1 MemFree:         1000000 kB\n");
	err |= fake_write(f->sys, "devices/system/node/node2/private/owner", "accel_mem\n");
	err |= fake_write(f->sys, "devices/system/node/node2/private/services",
			  "migration mempolicy\n");
	err |= fake_write(f->sys, "devices/system/node/node2/meminfo",
			  "Node 2 MemTotal:        2097152 kB\n"
			  "Node 2 MemFree:         1572864 kB\n"
			  "Node 2 MemUsed:          524288 kB\n"
			  "Node 2 Active:                0 kB\n");
	err |= fake_write(f->sys, "devices/system/node/node3/private/owner", "cram\n");
	err |= fake_write(f->sys, "devices/system/node/node3/private/services",
			  "migration demotion protect_write reclaim\n");

	err |= fake_write(f->cg, "cgroup.procs", "1\n");
	err |= fake_write(f->cg, "cgroup.subtree_control", "memory\n");
	err |= fake_write(f->cg, "memory.stat", "anon 0\n");
	for (i = 0; i < sizeof(cgroups) / sizeof(cgroups[0]); i++)
		err |= fake_cgroup(f, cgroups[i]);
	err |= fake_write(f->cg, "nomem/cgroup.procs", "");
	err |= fake_write(f->cg, "oldkernel/memory.current", "0\n");
	err |= fake_write(f->cg, "oldkernel/cgroup.procs", "");

	err |= fake_write(f->proc, "self/cgroup", "0::/a/b\n");
	err |= fake_write(f->proc, "4242/cgroup", "0::/a/b/c\n");

	setenv("PRIVNODE_SYSFS", f->sys, 1);
	setenv("PRIVNODE_CGROUP_ROOT", f->cg, 1);
	setenv("PRIVNODE_PROCFS", f->proc, 1);
	setenv("PRIVNODE_WRITE_LOG", f->log, 1);
	unsetenv("PRIVNODE_FAULT");
	unsetenv("PRIVNODE_SYSTEMCTL");
	pn_set_root(PN_ROOT_SYSFS, f->sys);
	pn_set_root(PN_ROOT_CGROUP, f->cg);
	pn_set_root(PN_ROOT_PROC, f->proc);
	return err ? -1 : 0;
}

static inline int fake_rm(const char *path, const struct stat *st, int flag,
			  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void fake_cleanup(struct fake *f)
{
	if (f->root[0])
		nftw(f->root, fake_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* The write log, "" if nothing was written. */
static inline const char *fake_writes(const struct fake *f)
{
	const char *s = fake_read(f->root, "writes.log");

	return strcmp(s, "<missing>") ? s : "";
}

/* The write log with the cgroup root removed: "a/memory.private_nodes\t2\n". */
static inline const char *fake_writes_rel(const struct fake *f)
{
	static char out[65536];
	const char *s = fake_writes(f), *hit;
	size_t n = strlen(f->cg), used = 0;

	while ((hit = strstr(s, f->cg)) && hit[n] == '/') {
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%.*s",
					 (int)(hit - s), s);
		s = hit + n + 1;
	}
	snprintf(out + used, sizeof(out) - used, "%s", s);
	return out;
}

static inline void fake_clear_writes(const struct fake *f)
{
	unlink(f->log);
}

#endif
