// SPDX-License-Identifier: GPL-2.0
/*
 * NP_OPS_LONGTERM_PIN: a long-term pin (FOLL_LONGTERM, here io_uring's
 * fixed buffers, as RDMA and VFIO take them) of pages on a private node
 * stays there only if the node's owner opted in.  Without the flag the
 * pin migrates the pages to ordinary memory first, so no driver memory is
 * held by a pin it never agreed to; the data must survive the move.
 */
#include <linux/io_uring.h>
#include <numaif.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_pages.h"

#define NID REGION_NID
#define PAGES 64

static int uring_setup(void)
{
	struct io_uring_params p = { 0 };

	return syscall(__NR_io_uring_setup, 4, &p);
}

static int uring_register_buffer(int fd, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return syscall(__NR_io_uring_register, fd, IORING_REGISTER_BUFFERS,
		       &iov, 1);
}

static int uring_unregister_buffers(int fd)
{
	return syscall(__NR_io_uring_register, fd, IORING_UNREGISTER_BUFFERS,
		       NULL, 0);
}

FIXTURE(pin) {
	char *p;
	int ring;
};

FIXTURE_VARIANT(pin) {
	bool longterm_pin;	/* the owner sets NP_OPS_LONGTERM_PIN */
};

FIXTURE_VARIANT_ADD(pin, opted_in)
{
	.longterm_pin = true,
};

FIXTURE_VARIANT_ADD(pin, not_opted_in)
{
	.longterm_pin = false,
};

/* PAGES pages of private anonymous memory faulted on node 2. */
FIXTURE_SETUP(pin)
{
	unsigned long mask = pn_node_bit(NID);
	char params[64];

	self->p = NULL;
	self->ring = -1;
	snprintf(params, sizeof(params), "ops_flags=%d",
		 NP_OPS_MIGRATION | NP_OPS_MEMPOLICY |
		 (variant->longterm_pin ? NP_OPS_LONGTERM_PIN : 0));
	region_reload(_metadata, params);

	self->p = pn_anon(PAGES);
	ASSERT_NE(NULL, self->p);
	ASSERT_EQ(0, madvise(self->p, PAGES * pn_page_size(), MADV_NOHUGEPAGE));
	ASSERT_EQ(0, mbind(self->p, PAGES * pn_page_size(), MPOL_BIND, &mask,
			   PN_MAXNODE, 0));
	pn_fill(self->p, PAGES, 9);
	ASSERT_EQ(PAGES, pn_count_on(self->p, PAGES, NID));
	self->ring = uring_setup();
	ASSERT_LE(0, self->ring) TH_LOG("io_uring_setup: %s", strerror(errno));
}

FIXTURE_TEARDOWN(pin)
{
	if (self->ring >= 0)
		close(self->ring);
	if (self->p)
		munmap(self->p, PAGES * pn_page_size());
	EXPECT_EQ(0, unload_module(REGION_DRIVER));
}

/*
 * Registering the buffer pins it long-term.  Opted in: the pages stay on
 * node 2.  Not opted in: they are on ordinary nodes by the time the pin
 * is taken.  Either way the data is intact, before and after unpinning.
 */
TEST_F(pin, register_buffer_places_pages)
{
	long on_node;

	ASSERT_EQ(0, uring_register_buffer(self->ring, self->p,
					   PAGES * pn_page_size()))
		TH_LOG("IORING_REGISTER_BUFFERS: %s", strerror(errno));
	on_node = pn_count_on(self->p, PAGES, NID);
	if (variant->longterm_pin) {
		EXPECT_EQ(PAGES, on_node) TH_LOG("the pin moved pages off an opted-in node");
	} else {
		EXPECT_EQ(0, on_node) TH_LOG("%ld pages pinned on node %d", on_node, NID);
	}
	EXPECT_TRUE(pn_all_on_mask(self->p, PAGES, variant->longterm_pin ?
				   pn_node_bit(NID) :
				   pn_node_bit(0) | pn_node_bit(1)));
	EXPECT_EQ(-1, pn_check(self->p, PAGES, 9));

	ASSERT_EQ(0, uring_unregister_buffers(self->ring));
	EXPECT_EQ(-1, pn_check(self->p, PAGES, 9));
}

/*
 * A short-term pin (no FOLL_LONGTERM: O_DIRECT-like users, here the GUP
 * behind /proc/self/mem) leaves the pages where they are, with or without
 * the flag.
 */
TEST_F(pin, short_term_access_leaves_pages)
{
	size_t len = PAGES * pn_page_size();
	char *copy = malloc(len);
	int fd = open("/proc/self/mem", O_RDONLY);

	ASSERT_NE(NULL, copy);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)len, pread(fd, copy, len, (off_t)(uintptr_t)self->p))
		TH_LOG("read /proc/self/mem: %s", strerror(errno));
	close(fd);
	EXPECT_EQ(PAGES, pn_count_on(self->p, PAGES, NID));
	EXPECT_EQ(-1, pn_check(copy, PAGES, 9));
	free(copy);
}

TEST_HARNESS_MAIN
