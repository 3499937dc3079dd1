/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Swap for the guest tests that need reclaim to take anonymous memory.
 * "make vm-test" gives the guest an empty virtio disk, /dev/vda; the test
 * writes a swap signature on it (what mkswap(8) writes) and turns it on.
 */
#ifndef PRIVNODE_SWAP_H
#define PRIVNODE_SWAP_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/swap.h>
#include <unistd.h>
#include <linux/fs.h>

#include "privnode_test.h"

#define SWAP_DEV "/dev/vda"

/* The version 1 header at byte 1024 of the first page (linux/swap.h). */
struct swap_info_v1 {
	uint32_t version;
	uint32_t last_page;
	uint32_t nr_badpages;
	unsigned char uuid[16];
	char label[16];
};

/* Write a swap signature over all of @dev; 0 or -errno. */
static inline int swap_format(const char *dev)
{
	long ps = sysconf(_SC_PAGESIZE);
	struct swap_info_v1 info = { .version = 1 };
	uint64_t bytes;
	char *page;
	int fd, ret = 0;

	fd = open(dev, O_RDWR);
	if (fd < 0)
		return -errno;
	page = calloc(1, ps);
	if (!page || ioctl(fd, BLKGETSIZE64, &bytes)) {
		ret = page ? -errno : -ENOMEM;
		goto out;
	}
	info.last_page = bytes / ps - 1;
	memcpy(page + 1024, &info, sizeof(info));
	memcpy(page + ps - 10, "SWAPSPACE2", 10);
	if (pwrite(fd, page, ps, 0) != ps || fsync(fd))
		ret = -errno;
out:
	free(page);
	close(fd);
	return ret;
}

/* Swap on @dev, formatted afresh; 0 or -errno. */
static inline int swap_enable(const char *dev)
{
	int ret;

	swapoff(dev);	/* left on by a test that died before its teardown */
	ret = swap_format(dev);
	if (ret)
		return ret;
	return swapon(dev, 0) ? -errno : 0;
}

static inline int swap_disable(const char *dev)
{
	return swapoff(dev) ? -errno : 0;
}

/* Swap in use, in kB (SwapTotal - SwapFree); -1 if unknown. */
static inline long swap_used_kb(void)
{
	char buf[4096], *t, *f;

	if (read_file("/proc/meminfo", buf, sizeof(buf)))
		return -1;
	t = strstr(buf, "SwapTotal:");
	f = strstr(buf, "SwapFree:");
	if (!t || !f)
		return -1;
	return strtol(t + 10, NULL, 10) - strtol(f + 9, NULL, 10);
}

#endif
