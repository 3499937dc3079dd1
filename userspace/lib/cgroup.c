// SPDX-License-Identifier: LGPL-2.1-or-later
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "node.h"
#include "util.h"

extern char **environ;

/* root/rel/name; rel may be "", name may be NULL. */
static int cg_path(char *buf, size_t len, const char *rel, const char *name)
{
	int n = snprintf(buf, len, "%s%s%s%s%s", pn_root(PN_ROOT_CGROUP),
			 *rel ? "/" : "", rel, name ? "/" : "", name ? name : "");

	if (n < 0 || (size_t)n >= len)
		return pn_seterr(ENAMETOOLONG, "cgroup path too long: %s", rel);
	return 0;
}

/* "/rel" for messages. */
#define SHOW(rel) "/", (rel)

int pn_cgroup_resolve(const char *arg, char *rel, size_t len)
{
	const char *root = pn_root(PN_ROOT_CGROUP);
	size_t rlen = strlen(root);
	int err;

	/* A path into the mount: strip the mount point. */
	if (rlen && !strncmp(arg, root, rlen) &&
	    (arg[rlen] == '/' || !arg[rlen]))
		arg += rlen;
	err = pn_cgroup_path_clean(arg, rel, len);
	if (err)
		return pn_seterr(-err, "invalid cgroup path \"%s\"", arg);
	return 0;
}

static int dir_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Run systemctl show -p ControlGroup --value UNIT, read one line. */
static int systemctl_cgroup(const char *unit, char *out, size_t len)
{
	const char *prog = getenv("PRIVNODE_SYSTEMCTL");
	char *argv[] = { NULL, "show", "-p", "ControlGroup", "--", NULL, NULL };
	posix_spawn_file_actions_t fa;
	char buf[PN_CG_PATH_MAX + 64], *line;
	size_t used = 0;
	int pfd[2], status, err;
	ssize_t n;
	pid_t pid;

	argv[0] = (char *)(prog && *prog ? prog : "systemctl");
	argv[5] = (char *)unit;
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (err) {
		close(pfd[0]);
		return -ENOENT;	/* no systemctl */
	}
	while (used < sizeof(buf) - 1) {
		n = read(pfd[0], buf + used, sizeof(buf) - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -ENOENT;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, "ControlGroup=", 13)) {
			if (!line[13])
				return -ENOENT;	/* unit not running */
			return pn_cgroup_path_clean(line + 13, out, len);
		}
	return -ENOENT;
}

int pn_unit_cgroup(const char *unit, char *rel, size_t len)
{
	char name[256], path[PATH_MAX], tmp[PN_CG_PATH_MAX];
	int err;

	if (!*unit || strchr(unit, '/') || strlen(unit) > 200 ||
	    !strcmp(unit, ".") || !strcmp(unit, ".."))
		return pn_seterr(EINVAL, "invalid unit name \"%s\"", unit);
	snprintf(name, sizeof(name), "%s%s", unit,
		 strchr(unit, '.') ? "" : ".service");
	snprintf(tmp, sizeof(tmp), "system.slice/%s", name);
	err = cg_path(path, sizeof(path), tmp, NULL);
	if (err)
		return err;
	if (dir_exists(path)) {
		if (strlen(tmp) >= len)
			return pn_seterr(ENAMETOOLONG, "path too long");
		strcpy(rel, tmp);
		return 0;
	}
	err = systemctl_cgroup(name, tmp, sizeof(tmp));
	if (err)
		return pn_seterr(ENOENT, "unit %s has no cgroup (not running, "
				 "or not a system unit)", name);
	if (strlen(tmp) >= len)
		return pn_seterr(ENAMETOOLONG, "path too long");
	strcpy(rel, tmp);
	return 0;
}

int pn_proc_cgroup(pid_t pid, char *rel, size_t len)
{
	char path[PATH_MAX], *text;
	long n;
	int err;

	if (pid)
		snprintf(path, sizeof(path), "%s/%d/cgroup", pn_root(PN_ROOT_PROC), (int)pid);
	else
		snprintf(path, sizeof(path), "%s/self/cgroup", pn_root(PN_ROOT_PROC));
	n = pn_read_file(path, &text);
	if (n == -ENOENT)
		return pn_seterr(ESRCH, "process %d does not exist", (int)pid);
	if (n < 0)
		return pn_seterr((int)-n, "%s: %s", path, strerror((int)-n));
	err = pn_proc_cgroup_parse(text, rel, len);
	free(text);
	if (err == -ENOENT)
		return pn_seterr(ENOENT, "%s: no cgroup v2 entry (process in a "
				 "removed cgroup, or no cgroup v2)", path);
	if (err)
		return pn_seterr(-err, "%s: unexpected contents", path);
	return 0;
}

int pn_cg_check(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	int err;

	err = cg_path(path, sizeof(path), rel, NULL);
	if (err)
		return err;
	if (!dir_exists(path))
		return pn_seterr(ENOENT, "cgroup %s%s does not exist", SHOW(rel));
	if (!*rel)
		return pn_seterr(PN_EROOTCG, "the root cgroup has no memory.private_nodes "
				 "(every private node is open to it)");
	cg_path(path, sizeof(path), rel, "memory.private_nodes");
	if (!stat(path, &st))
		return 0;
	cg_path(path, sizeof(path), rel, "memory.current");
	if (!stat(path, &st))
		return pn_seterr(PN_ENOSUPPORT, "cgroup %s%s has no memory.private_nodes: "
				 "the kernel has no private-node support", SHOW(rel));
	return pn_seterr(PN_ENOMEMCG, "the memory controller is not enabled for "
			 "cgroup %s%s (add +memory to its parent's "
			 "cgroup.subtree_control)", SHOW(rel));
}

/* Explain a failed read or write of a cgroup file. */
static int file_error(int err, const char *rel, const char *file,
		      const char *data)
{
	switch (-err) {
	case ENOENT:
	case ENODEV: {
		char path[PATH_MAX];

		cg_path(path, sizeof(path), rel, NULL);
		if (!dir_exists(path) || err == -ENODEV)
			return pn_seterr(ENOENT, "cgroup %s%s does not exist (removed?)",
					  SHOW(rel));
		if (!strncmp(file, "memory.", 7)) {
			int e = pn_cg_check(rel);

			if (e)
				return e;
		}
		return pn_seterr(ENOENT, "cgroup %s%s: %s does not exist", SHOW(rel), file);
	}
	case EACCES:
	case EPERM:
	case EROFS:
		return pn_seterr(-err, "cgroup %s%s: %s: permission denied",
				 SHOW(rel), file);
	case EINVAL:
		if (data)
			return pn_seterr(EINVAL, "cgroup %s%s: the kernel refused \"%s\" in %s",
					 SHOW(rel), data, file);
		/* fall through */
	default:
		return pn_seterr(-err, "cgroup %s%s: %s: %s", SHOW(rel), file,
				 strerror(-err));
	}
}

static int cg_read(const char *rel, const char *file, char **text)
{
	char path[PATH_MAX];
	long n;
	int err;

	err = cg_path(path, sizeof(path), rel, file);
	if (err)
		return err;
	n = pn_read_file(path, text);
	if (n < 0) {
		if (n == -ENOENT && !*rel)
			return pn_cg_check(rel);
		return file_error((int)n, rel, file, NULL);
	}
	return 0;
}

static int cg_write(const char *rel, const char *file, const char *data)
{
	char path[PATH_MAX];
	int err;

	err = cg_path(path, sizeof(path), rel, file);
	if (err)
		return err;
	err = pn_write_file(path, data);
	if (err)
		return file_error(err, rel, file, data);
	return 0;
}

static int format_error(const char *rel, const char *file)
{
	return pn_seterr(PN_EFORMAT, "cgroup %s%s: %s: unexpected contents",
			 SHOW(rel), file);
}

static int read_list(const char *rel, const char *file, struct pn_nodemask *m)
{
	char *text;
	int err;

	err = cg_read(rel, file, &text);
	if (err)
		return err;
	err = pn_nodelist_parse(text, m);
	free(text);
	return err ? format_error(rel, file) : 0;
}

int pn_cg_read_request(const char *rel, struct pn_nodemask *m)
{
	return read_list(rel, "memory.private_nodes", m);
}

int pn_cg_read_effective(const char *rel, struct pn_nodemask *m)
{
	return read_list(rel, "memory.private_nodes.effective", m);
}

static int read_nested(const char *rel, const char *file, struct pn_nested *n)
{
	char *text;
	int err;

	err = cg_read(rel, file, &text);
	if (err)
		return err;
	err = pn_nested_parse(text, n);
	free(text);
	return err ? format_error(rel, file) : 0;
}

int pn_cg_read_max(const char *rel, struct pn_nested *max)
{
	return read_nested(rel, "memory.private_nodes.max", max);
}

int pn_cg_read_stat(const char *rel, struct pn_nested *stat)
{
	return read_nested(rel, "memory.private_nodes.stat", stat);
}

int pn_cg_read_fallback(const char *rel, enum pn_fallback *fb)
{
	char *text;
	int err;

	err = cg_read(rel, "memory.private_nodes.fallback", &text);
	if (err)
		return err;
	err = pn_fallback_parse(text, fb);
	free(text);
	return err ? format_error(rel, "memory.private_nodes.fallback") : 0;
}

int pn_cg_read_events(const char *rel, bool local, struct pn_flat *ev)
{
	const char *file = local ? "memory.private_nodes.events.local"
				 : "memory.private_nodes.events";
	char *text;
	int err;

	err = cg_read(rel, file, &text);
	if (err)
		return err;
	err = pn_flat_parse(text, ev);
	free(text);
	return err ? format_error(rel, file) : 0;
}

/* Writes done so far, with what undoes each. */
struct txn {
	unsigned int n;
	struct {
		char rel[PN_CG_PATH_MAX];
		const char *file;
		char data[256];
	} op[64];
};

static int txn_write(struct txn *t, const char *rel, const char *file,
		     const char *data, const char *undo)
{
	int err;

	if (t->n == sizeof(t->op) / sizeof(t->op[0]))
		return pn_seterr(E2BIG, "too many changes at once");
	err = cg_write(rel, file, data);
	if (err)
		return err;
	snprintf(t->op[t->n].rel, sizeof(t->op[t->n].rel), "%s", rel);
	t->op[t->n].file = file;
	snprintf(t->op[t->n].data, sizeof(t->op[t->n].data), "%s", undo);
	t->n++;
	return 0;
}

/* Undo in reverse order; keeps the first error's message. */
static void txn_rollback(struct txn *t)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", pn_errmsg());
	while (t->n--)
		cg_write(t->op[t->n].rel, t->op[t->n].file, t->op[t->n].data);
	pn_seterr(0, "%s", msg);
}

static const char *list_data(const struct pn_nodemask *m, char *buf, size_t len)
{
	if (pn_nodelist_format(m, buf, len) <= 0)
		snprintf(buf, len, "\n");	/* a blank write clears the list */
	return buf;
}

/* Add nodes to the request of rel and (unless told not to) its ancestors. */
static int grant_walk(struct txn *t, const char *rel,
		      const struct pn_nodemask *m, unsigned int flags)
{
	char level[PN_CG_PATH_MAX], newl[1024], oldl[1024];
	struct pn_nodemask cur, want;
	const char *p = rel;
	unsigned int i;
	int err;

	for (;;) {
		p = strchr(p, '/');
		if (p && (flags & PN_APPLY_NO_ANCESTORS)) {
			p++;
			continue;
		}
		if (p) {
			memcpy(level, rel, (size_t)(p - rel));
			level[p - rel] = '\0';
		} else {
			snprintf(level, sizeof(level), "%s", rel);
		}
		err = pn_cg_read_request(level, &cur);
		if (err)
			return err;
		want = cur;
		for (i = 0; i < PN_MAX_NODES; i++)
			if (pn_nodemask_test(m, i))
				pn_nodemask_set(&want, i);
		if (memcmp(&want, &cur, sizeof(want))) {
			err = txn_write(t, level, "memory.private_nodes",
					list_data(&want, newl, sizeof(newl)),
					list_data(&cur, oldl, sizeof(oldl)));
			if (err)
				return err;
		}
		if (!p)
			return 0;
		p++;
	}
}

/* Every level from the top to rel has the files. */
static int check_levels(const char *rel, unsigned int flags)
{
	char level[PN_CG_PATH_MAX];
	const char *p = rel;
	int err;

	err = pn_cg_check(rel);
	if (err || (flags & PN_APPLY_NO_ANCESTORS))
		return err;
	while ((p = strchr(p, '/'))) {
		memcpy(level, rel, (size_t)(p - rel));
		level[p - rel] = '\0';
		err = pn_cg_check(level);
		if (err)
			return err;
		p++;
	}
	return 0;
}

static int check_limit_nodes(const struct pn_limits *l)
{
	struct pn_nodemask m;
	unsigned int i;

	pn_nodemask_clear(&m);
	for (i = 0; i < l->n; i++)
		pn_nodemask_set(&m, l->l[i].node);
	return pn_nodes_check_private(&m);
}

static int write_limits(struct txn *t, const char *rel, const struct pn_limits *l)
{
	const struct pn_nested_line *line;
	char data[64], undo[64];
	struct pn_nested max;
	uint64_t old;
	unsigned int i;
	int err;

	err = pn_cg_read_max(rel, &max);
	if (err)
		return err;
	for (i = 0; i < l->n && !err; i++) {
		line = pn_nested_find(&max, l->l[i].node);
		if (!line || pn_nested_get(line, "max", &old))
			old = PN_UNLIMITED;
		pn_max_write_format(l->l[i].node, l->l[i].bytes, data, sizeof(data));
		pn_max_write_format(l->l[i].node, old, undo, sizeof(undo));
		err = txn_write(t, rel, "memory.private_nodes.max", data, undo);
	}
	pn_nested_free(&max);
	return err;
}

static int write_fallback(struct txn *t, const char *rel, enum pn_fallback fb)
{
	enum pn_fallback old;
	int err;

	err = pn_cg_read_fallback(rel, &old);
	if (err)
		return err;
	return txn_write(t, rel, "memory.private_nodes.fallback",
			 pn_fallback_name(fb), pn_fallback_name(old));
}

int pn_cg_apply(const char *rel, const struct pn_request *req,
		unsigned int flags)
{
	struct txn *t;
	int err;

	err = pn_request_validate(req);
	if (!err)
		err = pn_nodes_check_private(&req->nodes);
	if (!err)
		err = check_levels(rel, flags);
	if (err)
		return err;
	t = calloc(1, sizeof(*t));
	if (!t)
		return pn_seterr(ENOMEM, "out of memory");
	err = grant_walk(t, rel, &req->nodes, flags);
	if (!err && req->limits.n)
		err = write_limits(t, rel, &req->limits);
	if (!err && req->has_fallback)
		err = write_fallback(t, rel, req->fallback);
	if (err)
		txn_rollback(t);
	free(t);
	return err;
}

int pn_cg_grant(const char *rel, const struct pn_nodemask *m,
		unsigned int flags)
{
	struct pn_request req;

	pn_request_init(&req);
	req.nodes = *m;
	return pn_cg_apply(rel, &req, flags);
}

int pn_cg_revoke(const char *rel, const struct pn_nodemask *m)
{
	struct pn_nodemask cur, want;
	char buf[1024];
	unsigned int i;
	int err;

	err = pn_cg_check(rel);
	if (!err)
		err = pn_cg_read_request(rel, &cur);
	if (err)
		return err;
	pn_nodemask_clear(&want);
	for (i = 0; i < PN_MAX_NODES; i++)
		if (pn_nodemask_test(&cur, i) && !pn_nodemask_test(m, i))
			pn_nodemask_set(&want, i);
	if (!memcmp(&want, &cur, sizeof(want)))
		return 0;
	return cg_write(rel, "memory.private_nodes", list_data(&want, buf, sizeof(buf)));
}

int pn_cg_limit(const char *rel, const struct pn_limits *l)
{
	struct txn *t;
	int err;

	if (!l->n)
		return pn_seterr(EINVAL, "no limit given");
	err = check_limit_nodes(l);
	if (!err)
		err = pn_cg_check(rel);
	if (err)
		return err;
	t = calloc(1, sizeof(*t));
	if (!t)
		return pn_seterr(ENOMEM, "out of memory");
	err = write_limits(t, rel, l);
	if (err)
		txn_rollback(t);
	free(t);
	return err;
}

int pn_cg_set_fallback(const char *rel, enum pn_fallback fb)
{
	int err = pn_cg_check(rel);

	return err ? err : cg_write(rel, "memory.private_nodes.fallback",
				    pn_fallback_name(fb));
}

int pn_cg_create(const char *parent, const char *name, char *rel, size_t len)
{
	char path[PATH_MAX], tmp[PN_CG_PATH_MAX];
	int n;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return pn_seterr(EINVAL, "invalid cgroup name \"%s\"", name);
	n = snprintf(tmp, sizeof(tmp), "%s%s%s", parent, *parent ? "/" : "", name);
	if (n < 0 || (size_t)n >= sizeof(tmp) || (size_t)n >= len)
		return pn_seterr(ENAMETOOLONG, "cgroup path too long");
	cg_path(path, sizeof(path), parent, NULL);
	if (!dir_exists(path))
		return pn_seterr(ENOENT, "cgroup %s%s does not exist", SHOW(parent));
	cg_path(path, sizeof(path), tmp, NULL);
	strcpy(rel, tmp);
	if (!mkdir(path, 0755))
		return 1;
	if (errno == EEXIST && dir_exists(path))
		return 0;
	return file_error(-errno, parent, name, NULL);
}

int pn_cg_move(const char *rel, pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return cg_write(rel, "cgroup.procs", buf);
}

int pn_cg_enable_memory(const char *rel)
{
	return cg_write(rel, "cgroup.subtree_control", "+memory");
}

int pn_cg_remove(const char *rel)
{
	char path[PATH_MAX];

	cg_path(path, sizeof(path), rel, NULL);
	if (rmdir(path))
		return pn_seterr(errno, "cannot remove cgroup %s%s: %s", SHOW(rel),
				 strerror(errno));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *rel, int (*fn)(const char *, void *), void *arg,
		unsigned int depth)
{
	char path[PATH_MAX], child[PN_CG_PATH_MAX], **names = NULL, **nn;
	unsigned int n = 0, cap = 0, i;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int ret = 0;

	if (depth > 64)
		return 0;
	cg_path(path, sizeof(path), rel, "memory.private_nodes.stat");
	if (!stat(path, &st)) {
		ret = fn(rel, arg);
		if (ret)
			return ret;
	}
	cg_path(path, sizeof(path), rel, NULL);
	d = opendir(path);
	if (!d)
		return 0;	/* removed meanwhile */
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				break;
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if (!ret && snprintf(child, sizeof(child), "%s%s%s", rel,
				     *rel ? "/" : "", names[i]) < (int)sizeof(child)) {
			cg_path(path, sizeof(path), child, NULL);
			if (!lstat(path, &st) && S_ISDIR(st.st_mode))
				ret = walk(child, fn, arg, depth + 1);
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int pn_cg_walk(const char *rel, int (*fn)(const char *rel, void *arg), void *arg)
{
	char path[PATH_MAX];

	cg_path(path, sizeof(path), rel, NULL);
	if (!dir_exists(path))
		return pn_seterr(ENOENT, "cgroup %s%s does not exist", SHOW(rel));
	return walk(rel, fn, arg, 0);
}
