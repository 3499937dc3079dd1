// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static __thread char errbuf[1024];

int pn_seterr(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return -err;
}

const char *pn_errmsg(void)
{
	return errbuf[0] ? errbuf : "unknown error";
}

const char *pn_strerror(int err)
{
	switch (-err) {
	case PN_ENOTPRIVATE:
		return "not a private node";
	case PN_ENOMEMCG:
		return "memory controller not enabled";
	case PN_ENOSUPPORT:
		return "kernel has no private-node cgroup interface";
	case PN_EROOTCG:
		return "not possible on the root cgroup";
	case PN_EFORMAT:
		return "unexpected kernel file format";
	default:
		return strerror(-err);
	}
}

int pn_exit_code(int err)
{
	switch (-err) {
	case 0:
		return PN_EXIT_OK;
	case ENOENT:
	case ENODEV:
	case ESRCH:
	case ENOTDIR:
		return PN_EXIT_NOTFOUND;
	case EACCES:
	case EPERM:
	case EROFS:
		return PN_EXIT_PERM;
	case EINVAL:
	case ERANGE:
	case PN_ENOTPRIVATE:
	case PN_EROOTCG:
		return PN_EXIT_INVALID;
	case PN_ENOMEMCG:
	case PN_ENOSUPPORT:
		return PN_EXIT_NOSUPPORT;
	default:
		return PN_EXIT_OTHER;
	}
}

static const char *const root_env[PN_NR_ROOTS] = {
	"PRIVNODE_SYSFS", "PRIVNODE_CGROUP_ROOT", "PRIVNODE_PROCFS",
};
static const char *const root_default[PN_NR_ROOTS] = {
	"/sys", "/sys/fs/cgroup", "/proc",
};
static char roots[PN_NR_ROOTS][PATH_MAX];

int pn_set_root(enum pn_root which, const char *path)
{
	size_t len;

	if (which >= PN_NR_ROOTS || !path || !*path)
		return pn_seterr(EINVAL, "invalid root");
	len = strlen(path);
	/* "/" stays "/"; "/x/" becomes "/x" so paths join with one slash. */
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= sizeof(roots[which]))
		return pn_seterr(ENAMETOOLONG, "root path too long: %s", path);
	memcpy(roots[which], path, len);
	roots[which][len] = '\0';
	if (!strcmp(roots[which], "/"))
		roots[which][0] = '\0';
	return 0;
}

const char *pn_root(enum pn_root which)
{
	const char *env;

	if (which >= PN_NR_ROOTS)
		return "";
	if (!roots[which][0]) {
		env = getenv(root_env[which]);
		if (!env || !*env || pn_set_root(which, env))
			pn_set_root(which, root_default[which]);
	}
	return roots[which];
}

long pn_read_file(const char *path, char **out)
{
	size_t cap = 4096, len = 0;
	char *buf, *nbuf;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= (16u << 20)) {	/* no kernel file is this big */
				err = -EFBIG;
				goto fail;
			}
			nbuf = realloc(buf, cap * 2);
			if (!nbuf) {
				err = -ENOMEM;
				goto fail;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return (long)len;
fail:
	close(fd);
	free(buf);
	return err;
}

#ifdef PN_FAULT_INJECT
/*
 * Test builds only: PRIVNODE_FAULT="suffix=ERRNO[;suffix=ERRNO...]" makes a
 * write to a path ending in "/suffix" fail with that errno, and
 * PRIVNODE_WRITE_LOG=file records every attempted write ("path<TAB>data").
 * Host tests run as root, where a read-only file cannot be made.
 */
static const struct { const char *name; int err; } errnames[] = {
	{ "EACCES", EACCES }, { "EPERM", EPERM }, { "EINVAL", EINVAL },
	{ "EBUSY", EBUSY }, { "ENODEV", ENODEV }, { "ENOENT", ENOENT },
	{ "EIO", EIO }, { "ENOSPC", ENOSPC },
};

static int injected_fault(const char *path)
{
	const char *spec = getenv("PRIVNODE_FAULT"), *p, *eq, *end;
	size_t plen = strlen(path), slen, i;

	for (p = spec; p && *p; p = *end ? end + 1 : end) {
		end = strchr(p, ';');
		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (!eq)
			continue;
		slen = (size_t)(eq - p);
		if (slen >= plen || path[plen - slen - 1] != '/' ||
		    strncmp(path + plen - slen, p, slen))
			continue;
		for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
			if (strlen(errnames[i].name) == (size_t)(end - eq - 1) &&
			    !strncmp(eq + 1, errnames[i].name, (size_t)(end - eq - 1)))
				return errnames[i].err;
	}
	return 0;
}

static void log_write(const char *path, const char *data)
{
	const char *log = getenv("PRIVNODE_WRITE_LOG");
	FILE *f;

	if (!log || !(f = fopen(log, "a")))
		return;
	fprintf(f, "%s\t%s\n", path, data);
	fclose(f);
}
#endif

int pn_write_file(const char *path, const char *data)
{
	size_t len = strlen(data);
	ssize_t n;
	int fd, err;

#ifdef PN_FAULT_INJECT
	log_write(path, data);
	err = injected_fault(path);
	if (err)
		return -err;
#endif
	/* O_TRUNC is ignored by kernfs and makes a fake tree behave alike. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (close(fd) && !err)
		err = -errno;
	return err;
}
