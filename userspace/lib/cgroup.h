/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A cgroup's memory.private_nodes files, below pn_root(PN_ROOT_CGROUP).
 *
 * Cgroups are named by their path below the cgroup root without a leading
 * slash ("kubepods.slice/pod1"; "" is the root cgroup), as returned by
 * pn_cgroup_resolve(), pn_unit_cgroup() and pn_proc_cgroup().
 *
 * Errors: -ENOENT (the cgroup does not exist or was removed), -EACCES or
 * -EPERM, -EINVAL (the kernel refused a value), -PN_ENOTPRIVATE, -PN_ENOMEMCG
 * (the memory controller is not enabled for the cgroup), -PN_ENOSUPPORT (no
 * memory.private_nodes in this kernel), -PN_EROOTCG (the root cgroup has no
 * such file), -PN_EFORMAT (a file did not parse); pn_errmsg() names the file.
 */
#ifndef PRIVNODE_CGROUP_H
#define PRIVNODE_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "kfmt.h"
#include "nodelist.h"
#include "request.h"

#define PN_CG_PATH_MAX 4096

/*
 * A cgroup named on a command line: a path inside the cgroup mount
 * ("/sys/fs/cgroup/a/b") or a path below it ("/a/b", "a/b").
 */
int pn_cgroup_resolve(const char *arg, char *rel, size_t len);

/*
 * The cgroup of a systemd unit ("foo" means "foo.service"):
 * system.slice/UNIT if that directory exists, otherwise what
 * "systemctl show -p ControlGroup UNIT" says (the program is
 * $PRIVNODE_SYSTEMCTL if set).  -ENOENT if the unit has no cgroup.
 */
int pn_unit_cgroup(const char *unit, char *rel, size_t len);

/* The cgroup v2 cgroup of a process (pid 0: this one), from /proc. */
int pn_proc_cgroup(pid_t pid, char *rel, size_t len);

/* The cgroup exists and has the memory.private_nodes files. */
int pn_cg_check(const char *rel);

int pn_cg_read_request(const char *rel, struct pn_nodemask *m);
int pn_cg_read_effective(const char *rel, struct pn_nodemask *m);
int pn_cg_read_max(const char *rel, struct pn_nested *max);
int pn_cg_read_fallback(const char *rel, enum pn_fallback *fb);
int pn_cg_read_stat(const char *rel, struct pn_nested *stat);
int pn_cg_read_events(const char *rel, bool local, struct pn_flat *ev);

/*
 * Apply a request (pn_request_validate()d here): add its nodes to the
 * memory.private_nodes of the cgroup and of every ancestor below the root,
 * top down, so that they become effective (nodes are only ever added, never
 * removed); then write its limits and its fallback setting to the cgroup.
 * Everything is checked before the first write (the cgroups exist, the
 * nodes are private), and a failed write undoes the writes before it.
 * With PN_APPLY_NO_ANCESTORS only the cgroup's own request is changed.
 */
#define PN_APPLY_NO_ANCESTORS 1u
int pn_cg_apply(const char *rel, const struct pn_request *req,
		unsigned int flags);

/* Grant nodes (as pn_cg_apply() with nodes only). */
int pn_cg_grant(const char *rel, const struct pn_nodemask *m,
		unsigned int flags);
/*
 * Drop nodes from the cgroup's own request.  Descendants lose them from
 * their effective grant at once; ancestors are left alone (siblings may
 * use the nodes).
 */
int pn_cg_revoke(const char *rel, const struct pn_nodemask *m);
/* Write limits, one memory.private_nodes.max write per node, all or none. */
int pn_cg_limit(const char *rel, const struct pn_limits *l);
int pn_cg_set_fallback(const char *rel, enum pn_fallback fb);

/* mkdir parent/name: 1 if made, 0 if it existed. */
int pn_cg_create(const char *parent, const char *name, char *rel, size_t len);
/* Write pid to the cgroup's cgroup.procs. */
int pn_cg_move(const char *rel, pid_t pid);
/* Enable the memory controller for the cgroup's children. */
int pn_cg_enable_memory(const char *rel);
int pn_cg_remove(const char *rel);

/*
 * Call fn for rel and every cgroup below it that has
 * memory.private_nodes.stat (depth first, sorted by name); stops at fn's
 * first non-zero return and returns it.
 */
int pn_cg_walk(const char *rel, int (*fn)(const char *rel, void *arg),
	       void *arg);

#endif
