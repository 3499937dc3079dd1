/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's file formats, parsed and printed in one place:
 *
 *   sizes             "536870912", "512M", "max"  (memory.max syntax)
 *   nested keyed      memory.private_nodes.max and .stat:
 *                     "2 current=8388608 peak=8388608 max=max allocated=2048\n"
 *   flat keyed        memory.private_nodes.events[.local]: "denied 0\n"
 *   fallback          memory.private_nodes.fallback: "sysram" or "none"
 *   per-node limits   privnode's own syntax for several .max writes: "2:512M,3:max"
 *   node meminfo      /sys/devices/system/node/nodeN/meminfo
 *   /proc/PID/cgroup  the cgroup v2 line "0::/path"
 *   cgroupsPath       an OCI config's linux.cgroupsPath, cgroupfs or systemd style
 *
 * Node lists are nodelist.h's.  Parsers return 0 or -EINVAL (malformed),
 * -ERANGE (a number too large), -ENOENT (a looked-for entry is absent);
 * outputs are left untouched on failure unless stated otherwise.
 */
#ifndef PRIVNODE_KFMT_H
#define PRIVNODE_KFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodelist.h"

/* "max" in a size or a keyed value: no limit. */
#define PN_UNLIMITED UINT64_MAX

/*
 * A size as memory.max takes it: decimal digits with an optional K, M, G,
 * T, P or E suffix (either case, powers of 1024), or "max".  Stricter than
 * the kernel's memparse(), which also takes hex and octal.
 */
int pn_size_parse(const char *s, uint64_t *bytes);
/* Exact decimal bytes, or "max". Returns the length or -ENOSPC. */
int pn_size_format(uint64_t bytes, char *buf, size_t len);
/* For people: "512M", "1.5G", "4096" (bytes below 1 KiB), "max". */
int pn_size_human(uint64_t bytes, char *buf, size_t len);

#define PN_KEY_MAX 32		/* longest key + NUL */
#define PN_NESTED_MAX_KEYS 24	/* keys per line */
#define PN_FLAT_MAX_KEYS 32

struct pn_kv {
	char key[PN_KEY_MAX];
	uint64_t val;		/* PN_UNLIMITED for "max" */
};

struct pn_nested_line {
	unsigned int node;
	unsigned int nkv;
	struct pn_kv kv[PN_NESTED_MAX_KEYS];
};

struct pn_nested {
	unsigned int n;
	struct pn_nested_line *lines;	/* malloc()ed; pn_nested_free() */
};

/*
 * Parse nested keyed text: lines "<node>( <key>=<value>)+", a value being
 * decimal or "max".  Keys are [a-z0-9_]; a key twice in a line, a node twice,
 * or an empty line is -EINVAL.  Unknown keys are kept (future kernels).
 * On failure *out is empty.
 */
int pn_nested_parse(const char *text, struct pn_nested *out);
void pn_nested_free(struct pn_nested *n);
/* The line of a node, or NULL. */
const struct pn_nested_line *pn_nested_find(const struct pn_nested *n,
					    unsigned int node);
/* The value of key in a line: 0, or -ENOENT. */
int pn_nested_get(const struct pn_nested_line *line, const char *key,
		  uint64_t *val);
/* Print as the kernel does; malloc()ed string in *out.  0 or -ENOMEM. */
int pn_nested_format(const struct pn_nested *n, char **out);

struct pn_flat {
	unsigned int n;
	struct pn_kv kv[PN_FLAT_MAX_KEYS];
};

/* Flat keyed: lines "<key> <decimal>". Same rules as nested. */
int pn_flat_parse(const char *text, struct pn_flat *out);
int pn_flat_get(const struct pn_flat *f, const char *key, uint64_t *val);
/* Returns the length, or -ENOSPC. */
int pn_flat_format(const struct pn_flat *f, char *buf, size_t len);

enum pn_fallback { PN_FALLBACK_SYSRAM, PN_FALLBACK_NONE };

/* "sysram" or "none", one trailing newline allowed. */
int pn_fallback_parse(const char *s, enum pn_fallback *fb);
const char *pn_fallback_name(enum pn_fallback fb);

/* What one write to memory.private_nodes.max says: "3 max=536870912". */
int pn_max_write_format(unsigned int node, uint64_t bytes, char *buf,
			size_t len);

/* Limits for several nodes: "2:512M,3:max" (each node once). */
struct pn_limit {
	unsigned int node;
	uint64_t bytes;		/* PN_UNLIMITED: "max" */
};

struct pn_limits {
	unsigned int n;
	struct pn_limit l[64];
};

int pn_limits_parse(const char *s, struct pn_limits *out);
int pn_limits_format(const struct pn_limits *l, char *buf, size_t len);

/*
 * nodeN/meminfo: "Node 2 MemTotal:  1048576 kB" and "Node 2 MemFree: ...".
 * Both lines must be there and name node nid.
 */
int pn_meminfo_parse(const char *text, unsigned int nid, uint64_t *total,
		     uint64_t *free);

/*
 * /proc/PID/cgroup: the cgroup v2 path of the "0::" line, without the
 * leading slash ("" for the root cgroup).  -ENOENT if there is no such line
 * (a cgroup v1 only system) or the cgroup was removed ("(deleted)").
 */
int pn_proc_cgroup_parse(const char *text, char *path, size_t len);

/*
 * An OCI linux.cgroupsPath as a path below the cgroup root, without the
 * leading slash.  "/a/b" (cgroupfs) is a/b; "slice:prefix:name" (systemd)
 * is the slice's path then "prefix-name.scope", e.g. "machine-a.slice:libpod:x"
 * is machine.slice/machine-a.slice/libpod-x.scope.  Relative cgroupfs paths
 * (the runtime would put them below its own cgroup) are -EINVAL.
 */
int pn_cgroups_path_parse(const char *s, char *path, size_t len);

/*
 * A cgroup path below the root, checked: no "." or ".." components, no
 * control characters; slashes are squeezed and the leading and trailing
 * ones removed.  "" is the root cgroup.
 */
int pn_cgroup_path_clean(const char *s, char *path, size_t len);

#endif
