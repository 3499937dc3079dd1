/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the guest tests: sysfs reads, the guest's DIMM ranges,
 * loading the project's modules.
 */
#ifndef PRIVNODE_TEST_H
#define PRIVNODE_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NODE_SYSFS "/sys/devices/system/node"
#define MODULE_DIR "/modules"

/* Read a file into buf without trailing newlines or blanks; -errno on error. */
static inline int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

/* Write a string to a file in one write(); -errno on error. */
static inline int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return 0;
}

/* A "Key: value kB" line of a node's meminfo, in kB; -1 if absent. */
static inline long node_meminfo_kb(int nid, const char *key)
{
	char path[128], buf[4096], *p;
	long kb;

	snprintf(path, sizeof(path), NODE_SYSFS "/node%d/meminfo", nid);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	p = strstr(buf, key);
	if (!p || sscanf(p + strlen(key), ": %ld", &kb) != 1)
		return -1;
	return kb;
}

/* The memory blocks of node @nid: first block id and count; 0 on success. */
static inline int node_blocks(int nid, long *first, long *count)
{
	char path[128];
	struct dirent *de;
	long id;
	DIR *d;

	*first = -1;
	*count = 0;
	snprintf(path, sizeof(path), NODE_SYSFS "/node%d", nid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;

		if (strncmp(de->d_name, "memory", 6))
			continue;
		id = strtol(de->d_name + 6, &end, 10);
		if (end == de->d_name + 6 || *end)
			continue;
		if (*first < 0 || id < *first)
			*first = id;
		(*count)++;
	}
	closedir(d);
	return *count ? 0 : -ENOENT;
}

static inline unsigned long long memory_block_bytes(void)
{
	char buf[64];

	if (read_file("/sys/devices/system/memory/block_size_bytes", buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 16);
}

/* Physical range of node @nid's blocks (contiguous in the guest). */
static inline int node_range(int nid, unsigned long long *start,
			     unsigned long long *size)
{
	unsigned long long bs = memory_block_bytes();
	long first, count;
	int ret = node_blocks(nid, &first, &count);

	if (ret)
		return ret;
	*start = first * bs;
	*size = count * bs;
	return 0;
}

/* Load /modules/NAME.ko with PARAMS; -errno on error. */
static inline int load_module(const char *name, const char *params)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), MODULE_DIR "/%s.ko", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * Load the example driver NAME as the owner of node @nid's whole range,
 * plus module parameters @extra (NULL for none).  The guest's node-2 DIMM
 * boots present and offline, so the driver must borrow it (borrow=1) and
 * give it back on unload.  -errno on error.
 */
static inline int load_node_module(const char *name, int nid, const char *extra)
{
	unsigned long long start, size;
	char params[256];
	int ret = node_range(nid, &start, &size);

	if (ret)
		return ret;
	snprintf(params, sizeof(params), "nid=%d start=%llu size=%llu borrow=1%s%s",
		 nid, start, size, extra ? " " : "", extra ? extra : "");
	return load_module(name, params);
}

static inline int unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/*
 * Markers the console scan of run-vm.sh understands: an OOM-killer report
 * printed between a kernel log line containing OOM_EXPECTED_BEGIN and one
 * containing OOM_EXPECTED_END is expected and not a splat.  Anything else
 * in between (a WARNING, a BUG) still is, and so is an OOM report outside.
 * The runner's own "privnode-test: start/end NAME" lines also close the
 * window, so a test that dies before writing the end marker exempts nothing
 * beyond its own program.
 */
#define OOM_EXPECTED_BEGIN "privnode-test: oom-expected begin"
#define OOM_EXPECTED_END "privnode-test: oom-expected end"

/*
 * One line to the kernel log through /dev/kmsg (default level, so it
 * reaches the console like the runner's own markers); 0 or -errno.  Each
 * call opens the device again: /dev/kmsg rate-limits per open file.
 */
static inline int __attribute__((format(printf, 1, 2))) kmsg(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int fd, ret = 0;
	ssize_t n, w;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w = write(fd, line, n);
	if (w < 0)
		ret = -errno;
	else if (w != n)
		ret = -EIO;
	close(fd);
	return ret;
}

#endif
