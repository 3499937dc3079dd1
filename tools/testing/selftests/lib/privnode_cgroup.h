/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 helpers for the guest tests of the memory.private_nodes files:
 * create and remove cgroups, read and write their files, and run a worker
 * process inside a cgroup while the test itself stays where it is (in the
 * guest, the root cgroup).
 *
 * A worker talks to the test over two pipes (cgw_send()/cgw_recv() work the
 * same way on both sides) and reports failures on stderr with a "# " prefix,
 * so that its messages stay TAP comments, and through its exit status.
 */
#ifndef PRIVNODE_CGROUP_H
#define PRIVNODE_CGROUP_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "privnode_test.h"

#define CG_ROOT "/sys/fs/cgroup"

#define PN_NODES	"memory.private_nodes"
#define PN_EFFECTIVE	"memory.private_nodes.effective"
#define PN_EVENTS	"memory.private_nodes.events"
#define PN_EVENTS_LOCAL	"memory.private_nodes.events.local"
#define PN_MAX		"memory.private_nodes.max"
#define PN_FALLBACK	"memory.private_nodes.fallback"
#define PN_STAT		"memory.private_nodes.stat"

/* What cg_node_key() returns for the value "max" (no limit). */
#define PN_UNLIMITED	LLONG_MAX

/* @cg/@file in @buf; an empty string (which no open() finds) if too long. */
static inline void cg_path(char *buf, size_t len, const char *cg, const char *file)
{
	if (snprintf(buf, len, "%s/%s", cg, file) >= (int)len)
		buf[0] = '\0';
}

/*
 * Read @file of cgroup @cg into @buf exactly as the kernel prints it,
 * trailing newline included; the length read, or -errno.
 */
static inline ssize_t cg_read(const char *cg, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	size_t got = 0;
	ssize_t n;
	int fd;

	cg_path(path, sizeof(path), cg, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while (got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0) {
			n = -errno;
			close(fd);
			buf[got] = '\0';
			return n;
		}
		if (!n)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

/* Write @s (strlen(s) bytes, so "" is a zero-length write) in one write(). */
static inline int cg_write(const char *cg, const char *file, const char *s)
{
	char path[PATH_MAX];

	cg_path(path, sizeof(path), cg, file);
	return write_file(path, s);
}

/* The value of "@key N" in a flat keyed file; -1 if absent or unreadable. */
static inline long cg_key(const char *cg, const char *file, const char *key)
{
	char buf[4096], *line, *save = NULL;
	size_t klen = strlen(key);
	long v;

	if (cg_read(cg, file, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, key, klen) && line[klen] == ' ' &&
		    sscanf(line + klen, " %ld", &v) == 1)
			return v;
	return -1;
}

/* The "denied" counter of memory.private_nodes.events (hierarchical). */
static inline long cg_denied(const char *cg)
{
	return cg_key(cg, PN_EVENTS, "denied");
}

/* The "denied" counter of memory.private_nodes.events.local. */
static inline long cg_denied_local(const char *cg)
{
	return cg_key(cg, PN_EVENTS_LOCAL, "denied");
}

/*
 * Nested keyed files (memory.private_nodes.max, .stat): one line per node,
 * "NID key=value key=value ...".  The line of node @nid, without its
 * newline, in @buf; 0, -ENOENT if there is none, or -errno.
 */
static inline int cg_node_line(const char *cg, const char *file, int nid,
			       char *buf, size_t len)
{
	char all[8192], *line, *save = NULL, *end;
	ssize_t got = cg_read(cg, file, all, sizeof(all));

	if (got < 0)
		return got;
	for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strtol(line, &end, 10) != nid || end == line || *end != ' ')
			continue;
		if (snprintf(buf, len, "%s", line) >= (int)len)
			return -ENOSPC;
		return 0;
	}
	return -ENOENT;
}

/* The number of lines of @file of @cg, or -errno. */
static inline int cg_lines(const char *cg, const char *file)
{
	char all[8192];
	ssize_t got = cg_read(cg, file, all, sizeof(all));
	int n = 0;
	ssize_t i;

	if (got < 0)
		return got;
	for (i = 0; i < got; i++)
		n += all[i] == '\n';
	return n + (got > 0 && all[got - 1] != '\n');
}

/*
 * The value of "@key=" in node @nid's line of a nested keyed file: a
 * decimal number, or PN_UNLIMITED for "max"; -1 if the line or the key is
 * missing or the value is not a plain number.
 */
static inline long long cg_node_key(const char *cg, const char *file, int nid,
				    const char *key)
{
	char line[1024], *tok, *save = NULL, *end;
	size_t klen = strlen(key);
	long long v;

	if (cg_node_line(cg, file, nid, line, sizeof(line)))
		return -1;
	tok = strtok_r(line, " ", &save);	/* the node number */
	while ((tok = strtok_r(NULL, " ", &save))) {
		if (strncmp(tok, key, klen) || tok[klen] != '=')
			continue;
		tok += klen + 1;
		if (!strcmp(tok, "max"))
			return PN_UNLIMITED;
		errno = 0;
		v = strtoll(tok, &end, 10);
		if (end == tok || *end || errno || v < 0)
			return -1;
		return v;
	}
	return -1;
}

static inline bool cg_has(const char *cg, const char *file)
{
	char path[PATH_MAX];

	cg_path(path, sizeof(path), cg, file);
	return access(path, F_OK) == 0;
}

/* mkdir @cg; 0 or -errno. */
static inline int cg_create(const char *cg)
{
	return mkdir(cg, 0755) ? -errno : 0;
}

/* Enable the memory controller for @cg's children. */
static inline int cg_enable_memory(const char *cg)
{
	return cg_write(cg, "cgroup.subtree_control", "+memory");
}

/*
 * Create @parent/@name with the memory controller (enabled in @parent's
 * subtree_control first); its path in @out.
 */
static inline int cg_mkchild(const char *parent, const char *name, char *out, size_t len)
{
	int ret = cg_enable_memory(parent);

	if (ret)
		return ret;
	cg_path(out, len, parent, name);
	return cg_create(out);
}

/* Move process @pid into @cg. */
static inline int cg_enter(const char *cg, pid_t pid)
{
	char s[32];

	snprintf(s, sizeof(s), "%d", (int)pid);
	return cg_write(cg, "cgroup.procs", s);
}

static inline void cg_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static inline long cg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Remove @cg and everything below it, children first.  Processes left in
 * the subtree (a worker of a test that failed half-way) are killed through
 * cgroup.kill.  0 if @cg is gone (or never existed), else -errno.
 */
static inline int cg_destroy(const char *cg)
{
	char sub[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int i, ret = 0;

	d = opendir(cg);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cg_path(sub, sizeof(sub), cg, de->d_name);
		if (de->d_type == DT_DIR ||
		    (de->d_type == DT_UNKNOWN && !lstat(sub, &st) && S_ISDIR(st.st_mode))) {
			int r = cg_destroy(sub);

			if (r && !ret)
				ret = r;
		}
	}
	closedir(d);

	if (cg_key(cg, "cgroup.events", "populated") > 0) {
		cg_write(cg, "cgroup.kill", "1");
		for (i = 0; i < 100 && cg_key(cg, "cgroup.events", "populated") > 0; i++)
			cg_sleep_ms(50);
	}
	/* A dying task may keep the cgroup busy for a moment after it left. */
	for (i = 0; i < 100; i++) {
		if (!rmdir(cg) || errno == ENOENT)
			return ret;
		if (errno != EBUSY)
			return -errno;
		cg_sleep_ms(50);
	}
	return -EBUSY;
}

/* The cgroup v2 path of process @pid ("/" for the root cgroup), or "". */
static inline void cg_of_pid(pid_t pid, char *buf, size_t len)
{
	char path[64], line[PATH_MAX + 8];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (snprintf(buf, len, "%s", line + 3) >= (int)len)
			buf[0] = '\0';
	}
	fclose(f);
}

/* Whether the node list @list ("0-1,3", cpuset syntax) contains @nid. */
static inline bool nodelist_has(const char *list, int nid)
{
	const char *s = list;
	char *end;
	long a, b;

	while (*s) {
		a = strtol(s, &end, 10);
		if (end == s)
			return false;
		b = a;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1)
				return false;
			s = end;
		}
		if (nid >= a && nid <= b)
			return true;
		if (*s != ',')
			break;
		s++;
	}
	return false;
}

/* Whether node @nid is listed in /sys/devices/system/node/has_memory_private. */
static inline bool node_is_private(int nid)
{
	char buf[256];

	return !read_file(NODE_SYSFS "/has_memory_private", buf, sizeof(buf)) &&
	       nodelist_has(buf, nid);
}

/* Bits of /proc/sys/kernel/tainted; 0 if unreadable. */
static inline unsigned long kernel_tainted(void)
{
	char buf[32];

	if (read_file("/proc/sys/kernel/tainted", buf, sizeof(buf)))
		return 0;
	return strtoul(buf, NULL, 10);
}

/* Taint flags a kernel bug sets: bad page, oops (die), WARN, soft lockup. */
#define TAINT_BUG_MASK ((1UL << 5) | (1UL << 7) | (1UL << 9) | (1UL << 14))

/*
 * A worker process.  In the test, @rd/@wr talk to the worker; in the worker,
 * to the test.
 */
struct cg_worker {
	pid_t pid;
	int rd, wr;
};

typedef int (*cg_worker_fn)(struct cg_worker *w, void *arg);

/* Report from a worker: print a TAP comment and return 1 from the worker. */
#define WORKER_CHECK(cond, fmt, ...) do {					\
	if (!(cond)) {								\
		fprintf(stderr, "# worker %d, %s:%d: " fmt "\n", (int)getpid(),	\
			__FILE__, __LINE__, ##__VA_ARGS__);			\
		return 1;							\
	}									\
} while (0)

/*
 * Fork a worker that moves itself into @cg (NULL: stays where the test
 * is), then runs @fn and exits with its return value.  The worker dies by
 * SIGALRM after 120 s whatever happens, so none outlives its test.
 */
static inline int cg_worker_start(struct cg_worker *w, const char *cg,
				  cg_worker_fn fn, void *arg)
{
	int down[2], up[2], ret;

	w->pid = -1;
	w->rd = w->wr = -1;
	if (pipe(down))
		return -errno;
	if (pipe(up)) {
		ret = -errno;
		close(down[0]);
		close(down[1]);
		return ret;
	}
	fflush(stdout);
	fflush(stderr);
	w->pid = fork();
	if (w->pid < 0) {
		ret = -errno;
		close(down[0]);
		close(down[1]);
		close(up[0]);
		close(up[1]);
		return ret;
	}
	if (w->pid == 0) {
		close(down[1]);
		close(up[0]);
		w->rd = down[0];
		w->wr = up[1];
		alarm(120);
		if (cg) {
			ret = cg_enter(cg, getpid());
			if (ret) {
				fprintf(stderr, "# worker: cannot enter %s: %s\n",
					cg, strerror(-ret));
				_exit(125);
			}
		}
		_exit(fn(w, arg));
	}
	close(down[0]);
	close(up[1]);
	w->rd = up[0];
	w->wr = down[1];
	return 0;
}

/* Send @len bytes to the other side; 0 or -1. */
static inline int cgw_send(struct cg_worker *w, const void *buf, size_t len)
{
	return write(w->wr, buf, len) == (ssize_t)len ? 0 : -1;
}

/*
 * Receive @len bytes from the other side within @timeout_ms (-1: no
 * limit); 0, or -1 on timeout, EOF (the other side exited) or error.
 */
static inline int cgw_recv(struct cg_worker *w, void *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = w->rd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return -1;
		n = read(w->rd, (char *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* One byte: "I am ready" / "go on". */
static inline int cgw_signal(struct cg_worker *w)
{
	char c = 1;

	return cgw_send(w, &c, 1);
}

static inline int cgw_wait(struct cg_worker *w, int timeout_ms)
{
	char c;

	return cgw_recv(w, &c, 1, timeout_ms);
}

/*
 * Reap the worker: its exit status, 128 + the signal that killed it, or
 * -1 if waitpid() failed.
 */
static inline int cg_worker_finish(struct cg_worker *w)
{
	int status;

	close(w->rd);
	close(w->wr);
	if (waitpid(w->pid, &status, 0) != w->pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* Start a worker in @cg, run @fn to its end; the worker's result. */
static inline int cg_run(const char *cg, cg_worker_fn fn, void *arg)
{
	struct cg_worker w;
	int ret = cg_worker_start(&w, cg, fn, arg);

	if (ret)
		return ret;
	return cg_worker_finish(&w);
}

#endif
