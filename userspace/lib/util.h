/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libprivnode: errors, exit codes, file-system roots and the one place that
 * reads and writes kernel files.
 *
 * Every function of the library returns 0 (or a count) on success and a
 * negative error on failure: -errno, or -PN_E* for the errors below that no
 * errno names.  The failing call also leaves a one-line explanation naming
 * the file or node concerned, pn_errmsg(), for the caller to print.
 */
#ifndef PRIVNODE_UTIL_H
#define PRIVNODE_UTIL_H

#include <stddef.h>

enum {
	PN_EBASE = 4096,
	PN_ENOTPRIVATE = PN_EBASE,	/* the node exists but is not private */
	PN_ENOMEMCG,			/* the cgroup has no memory controller */
	PN_ENOSUPPORT,			/* the kernel has no private-node interface */
	PN_EROOTCG,			/* the root cgroup has no such files */
	PN_EFORMAT,			/* a kernel file did not parse */
};

/* Exit codes of privnode and privnode-oci-hook (documented in the man pages). */
enum {
	PN_EXIT_OK = 0,
	PN_EXIT_USAGE = 1,	/* bad option, argument, annotation or input syntax */
	PN_EXIT_NOTFOUND = 2,	/* cgroup, unit, node or process does not exist */
	PN_EXIT_PERM = 3,	/* permission denied */
	PN_EXIT_INVALID = 4,	/* node not private, value refused by the kernel */
	PN_EXIT_NOSUPPORT = 5,	/* no memory controller / no private-node kernel */
	PN_EXIT_OTHER = 6,	/* any other failure (I/O, memory, ...) */
};

/* Map a library error (negative) to one of the exit codes above. */
int pn_exit_code(int err);

/* Short description of a library error, like strerror(). */
const char *pn_strerror(int err);

/* The explanation left by the last failing call of this thread. */
const char *pn_errmsg(void);

/* Record an explanation (printf format) and return -err (err > 0). */
int pn_seterr(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * File-system roots.  Defaults are /sys, /sys/fs/cgroup and /proc; the
 * environment variables PRIVNODE_SYSFS, PRIVNODE_CGROUP_ROOT and
 * PRIVNODE_PROCFS override them (host tests point them at a fake tree),
 * and pn_set_root() overrides both.
 */
enum pn_root { PN_ROOT_SYSFS, PN_ROOT_CGROUP, PN_ROOT_PROC, PN_NR_ROOTS };

const char *pn_root(enum pn_root which);
int pn_set_root(enum pn_root which, const char *path);

/*
 * Read a whole (small) kernel file into a NUL-terminated malloc()ed buffer.
 * Returns the length or -errno (*out untouched on failure).
 */
long pn_read_file(const char *path, char **out);

/*
 * Write data to an existing file in a single write(), as cgroup and sysfs
 * files want.  Returns 0 or -errno; the file is never created.
 */
int pn_write_file(const char *path, const char *data);

#endif
