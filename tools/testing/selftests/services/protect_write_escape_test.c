// SPDX-License-Identifier: GPL-2.0
/*
 * Ways out of NP_OPS_PROTECT_WRITE (issue 13, items 2 and 3).  On such a
 * node every write to a page reaches the owner's handle_fault, whichever
 * path made the mapping; the example owner promotes the folio to ordinary
 * memory there (node_private_promote_fault()).
 *
 * Item 2: UFFDIO_MOVE moves a present page into another range of the
 * same mm and maps it there writable, without asking the node: an
 * unprivileged task (UFFD_USER_MODE_ONLY needs no capability) could write
 * the page behind the owner's back.
 *
 * Item 3: promotion migrates the folio; while something else holds a
 * reference to it (a pipe that vmsplice() filled and nobody reads) the
 * migration fails, and a fault handler that just retries spins forever.
 * Each such write runs in a child with a time limit.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <numaif.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "private_region.h"
#include "privnode_cgroup.h"
#include "privnode_pages.h"

/* UFFDIO_MOVE (Linux 6.8) is newer than the build host's uapi headers. */
#ifndef UFFD_FEATURE_MOVE
#define UFFD_FEATURE_MOVE	(1 << 16)
#endif
#ifndef UFFDIO_MOVE
#define _UFFDIO_MOVE		(0x05)
struct uffdio_move {
	__u64 dst;
	__u64 src;
	__u64 len;
	__u64 mode;
	__s64 move;
};
#define UFFDIO_MOVE		_IOWR(UFFDIO, _UFFDIO_MOVE, struct uffdio_move)
#endif

#define NID REGION_NID
#define CG_TEST CG_ROOT "/privnode-protect-write-escape-test"
#define TESTER 1000		/* the initramfs's unprivileged user */
#define THP_PAGES 512
#define SEED 9
#define REPLY_MS 60000
#define WRITE_TIMEOUT_S 20

FIXTURE(pwe) {
	int unused;
};

FIXTURE_VARIANT(pwe) {
	bool thp;		/* a PMD-mapped THP instead of a small page */
};

FIXTURE_VARIANT_ADD(pwe, small_page)
{
	.thp = false,
};

FIXTURE_VARIANT_ADD(pwe, thp)
{
	.thp = true,
};

FIXTURE_SETUP(pwe)
{
	char params[64];

	pn_page_size();
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, cg_destroy(CG_TEST));
	snprintf(params, sizeof(params), "ops_flags=%d",
		 NP_OPS_MIGRATION | NP_OPS_PROTECT_WRITE);
	region_reload(_metadata, params);
	ASSERT_TRUE(node_is_private(NID));
	region_grant_cg(_metadata, CG_TEST);
}

FIXTURE_TEARDOWN(pwe)
{
	EXPECT_EQ(0, cg_destroy(CG_TEST));
	EXPECT_EQ(0, unload_module(REGION_DRIVER));
	EXPECT_FALSE(node_is_private(NID));
}

static size_t npages(bool thp)
{
	return thp ? THP_PAGES : 1;
}

/*
 * Anonymous memory of one small page or one PMD-aligned THP, filled and
 * moved to node 2 (moving the head page moves the whole THP); NULL if it
 * did not all get there.
 */
static char *page_on_node2(bool thp)
{
	size_t n = npages(thp), len = n * pn_page_size();
	char *raw = pn_anon(thp ? 2 * n : 1), *p;
	int status = -1;

	if (!raw)
		return NULL;
	p = thp ? (char *)(((unsigned long)raw + len - 1) & ~(len - 1)) : raw;
	if (pn_thp(p, n, thp))
		return NULL;
	pn_fill(p, n, SEED);
	if (pn_move_all(p, 1, NID, &status) || status != NID ||
	    pn_count_on(p, n, NID) != n)
		return NULL;
	return p;
}

/* @n pages at @p hold pn_fill()'s data except byte 0 of page 0 == @v. */
static bool data_ok(const char *p, size_t n, char v)
{
	char *copy = malloc(n * pn_page_size());
	bool ok;

	if (!copy)
		return false;
	memcpy(copy, p, n * pn_page_size());
	ok = copy[0] == v;
	copy[0] = pn_pattern(0, SEED);
	ok = ok && pn_check(copy, n, SEED) == -1;
	free(copy);
	return ok;
}

/* Give up root for good: the unprivileged user of the initramfs. */
static int drop_root(void)
{
	if (setgroups(0, NULL) || setresgid(TESTER, TESTER, TESTER) ||
	    setresuid(TESTER, TESTER, TESTER))
		return -1;
	return getuid() == TESTER && geteuid() == TESTER ? 0 : -1;
}

/*
 * Worker (CG_TEST, then uid TESTER): a page (or THP) on node 2, moved by
 * UFFDIO_MOVE into a range registered with a UFFD_USER_MODE_ONLY
 * userfaultfd; sends how many of its pages are on node 2 at the new
 * address, waits, writes one byte of it, sends how many are on node 2
 * then, and 1 if the data is right.
 */
static int wk_uffd_move(struct cg_worker *w, void *arg)
{
	bool thp = *(bool *)arg;
	size_t n = npages(thp), len = n * pn_page_size();
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_MOVE };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_move mv = { 0 };
	char *src, *raw, *dst;
	long on2, ok;
	int uffd;

	WORKER_CHECK(!drop_root(), "cannot become uid %d: %s", TESTER, strerror(errno));
	src = page_on_node2(thp);
	WORKER_CHECK(src, "no %s on node 2: %s", thp ? "THP" : "page", strerror(errno));
	if (thp)
		WORKER_CHECK(node_meminfo_kb(NID, "AnonHugePages") >= 2048,
			     "THP split on the way to node 2");

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	WORKER_CHECK(uffd >= 0, "userfaultfd(UFFD_USER_MODE_ONLY): %s", strerror(errno));
	WORKER_CHECK(!ioctl(uffd, UFFDIO_API, &api), "UFFDIO_API (MOVE): %s",
		     strerror(errno));
	/* Fresh, never touched: no page table below the PMD (THP move). */
	raw = pn_anon(thp ? 2 * n : 1);
	WORKER_CHECK(raw, "mmap: %s", strerror(errno));
	dst = thp ? (char *)(((unsigned long)raw + len - 1) & ~(len - 1)) : raw;
	reg.range.start = (unsigned long)dst;
	reg.range.len = len;
	WORKER_CHECK(!ioctl(uffd, UFFDIO_REGISTER, &reg), "UFFDIO_REGISTER: %s",
		     strerror(errno));
	mv.dst = (unsigned long)dst;
	mv.src = (unsigned long)src;
	mv.len = len;
	WORKER_CHECK(!ioctl(uffd, UFFDIO_MOVE, &mv), "UFFDIO_MOVE: %s (moved %lld)",
		     strerror(errno), (long long)mv.move);
	WORKER_CHECK(mv.move == (long long)len, "UFFDIO_MOVE moved %lld", (long long)mv.move);

	on2 = pn_count_on(dst, n, NID);
	WORKER_CHECK(!cgw_send(w, &on2, sizeof(on2)), "send");
	WORKER_CHECK(!cgw_wait(w, -1), "wait");
	((volatile char *)dst)[0] = 'u';
	on2 = pn_count_on(dst, n, NID);
	WORKER_CHECK(!cgw_send(w, &on2, sizeof(on2)), "send");
	ok = data_ok(dst, n, 'u');
	WORKER_CHECK(!cgw_send(w, &ok, sizeof(ok)), "send");
	return 0;
}

/*
 * Item 2 (UFFDIO_MOVE makes PROTECT_WRITE pages writable).  Trigger: node
 * 2 with MIGRATION|PROTECT_WRITE; an unprivileged task moves a page (a
 * PMD-mapped THP: move_pages_huge_pmd()) of node 2 with UFFDIO_MOVE into
 * a range registered with a UFFD_USER_MODE_ONLY userfaultfd, then writes
 * it.  Wanted: the write faults to the owner (its write_faults count
 * rises) and the folio is promoted off node 2, as after any other path.
 */
TEST_F(pwe, uffd_move_keeps_write_protection)
{
	bool thp = variant->thp;
	long n = npages(thp), on2, ok, faults0;
	struct cg_worker w;

	ASSERT_EQ(0, cg_worker_start(&w, CG_TEST, wk_uffd_move, &thp));
	ASSERT_EQ(0, cgw_recv(&w, &on2, sizeof(on2), REPLY_MS))
		TH_LOG("worker failed before the move (status %d)", cg_worker_finish(&w));
	ASSERT_EQ(n, on2) TH_LOG("the moved page left node 2 before the write");
	faults0 = region_stat("write_faults");
	EXPECT_EQ(0, faults0) TH_LOG("writes faulted before the test wrote");

	ASSERT_EQ(0, cgw_signal(&w));
	ASSERT_EQ(0, cgw_recv(&w, &on2, sizeof(on2), REPLY_MS));
	ASSERT_EQ(0, cgw_recv(&w, &ok, sizeof(ok), REPLY_MS));
	EXPECT_EQ(1, ok) TH_LOG("data wrong after the write");
	EXPECT_EQ(faults0 + 1, region_stat("write_faults"))
		TH_LOG("the write did not reach the owner: the moved page was mapped writable");
	EXPECT_EQ(0, on2) TH_LOG("%ld pages still on node 2 after the write", on2);
	if (thp)
		EXPECT_EQ(n, region_stat("migrated_out"));
	EXPECT_EQ(0, cg_worker_finish(&w));
}

/* What the child of a write with a time limit reports as its exit status. */
enum {
	WR_DONE = 0,	/* the write completed, the data is right */
	WR_SETUP = 10,	/* the page could not be put on node 2 */
	WR_PIN = 11,	/* the extra reference could not be taken */
	WR_DATA = 12,	/* the write completed, the data is wrong */
	WR_ON_NODE2 = 13,	/* the write completed on node 2 */
	WR_WRITE = 14		/* the write through /proc/self/mem failed */
};

typedef int (*hold_fn)(char *p, size_t len);

/* How the child writes byte 0 of the page: a store, or through GUP. */
enum how_write { STORE, PROC_MEM };

/* Write @v at @p through /proc/self/mem (GUP, FOLL_FORCE | FOLL_WRITE). */
static int proc_mem_write(char *p, char v)
{
	int fd = open("/proc/self/mem", O_RDWR);
	int ret;

	if (fd < 0)
		return -1;
	ret = pwrite(fd, &v, 1, (off_t)(unsigned long)p) == 1 ? 0 : -1;
	close(fd);
	return ret;
}

/*
 * Fork a child that puts a page (THP) on node 2, lets @hold take an extra
 * reference to it, then writes it; its exit status (128 + signal if
 * killed), or -1 if it had not finished after WRITE_TIMEOUT_S seconds
 * (then it is killed).
 */
static int write_held_page(bool thp, hold_fn hold, enum how_write how)
{
	long deadline = cg_now_ms() + WRITE_TIMEOUT_S * 1000L;
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -2;
	if (pid == 0) {
		size_t n = npages(thp);
		char *p = page_on_node2(thp);
		int st = -1;

		alarm(WRITE_TIMEOUT_S + 30);
		if (!p)
			_exit(WR_SETUP);
		if (hold(p, n * pn_page_size()))
			_exit(WR_PIN);
		/* The reference is there: moving the page fails. */
		if (!pn_move_all(p, 1, 0, &st) || pn_count_on(p, n, NID) != n)
			_exit(WR_PIN);
		if (how == PROC_MEM) {
			if (proc_mem_write(p, 'v'))
				_exit(WR_WRITE);
		} else {
			((volatile char *)p)[0] = 'v';
		}
		if (!data_ok(p, n, 'v'))
			_exit(WR_DATA);
		/*
		 * The page written left node 2.  A THP that could not move
		 * is split, and only the page written is copied out: the
		 * rest stays where it is, read-only.
		 */
		_exit(pn_count_on(p, 1, NID) ? WR_ON_NODE2 : WR_DONE);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (cg_now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		cg_sleep_ms(100);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* One page of @p in a pipe nobody reads (the pipe stays open until exit). */
static int hold_vmsplice(char *p, size_t len)
{
	struct iovec iov = { .iov_base = p, .iov_len = pn_page_size() };
	int fds[2];

	if (pipe(fds))
		return -1;
	return vmsplice(fds[1], &iov, 1, 0) == pn_page_size() ? 0 : -1;
}

/* Bring the loopback interface up; whether it was up before. */
static bool lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	bool was_up = true;

	if (s < 0)
		return true;
	if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
		was_up = ifr.ifr_flags & IFF_UP;
		ifr.ifr_flags |= IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return was_up;
}

static void lo_down(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0)
		return;
	if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags &= ~IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
}

/*
 * One page of @p in a MSG_ZEROCOPY send over loopback TCP that waits
 * behind data the peer never reads (its receive window stays shut): the
 * socket's write queue keeps a reference to the page until the child
 * exits.
 */
static int hold_zerocopy(char *p, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int lst, c, one = 1, small = 4096, big = 4 << 20;
	static char junk[256 << 10];

	lst = socket(AF_INET, SOCK_STREAM, 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (lst < 0 || c < 0 ||
	    setsockopt(lst, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) ||
	    bind(lst, (struct sockaddr *)&a, sizeof(a)) || listen(lst, 1) ||
	    getsockname(lst, (struct sockaddr *)&a, &alen) ||
	    setsockopt(c, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) ||
	    setsockopt(c, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) ||
	    accept(lst, NULL, NULL) < 0)
		return -1;
	/* More than the peer's window: the rest waits in our write queue. */
	memset(junk, 'j', sizeof(junk));
	if (send(c, junk, sizeof(junk), MSG_DONTWAIT) != sizeof(junk))
		return -1;
	return send(c, p, pn_page_size(), MSG_ZEROCOPY | MSG_DONTWAIT) ==
	       pn_page_size() ? 0 : -1;
}

/*
 * Item 3 (promotion livelock).  Trigger: a page (THP) of a PROTECT_WRITE
 * node is vmsplice()d into a pipe that is never read, so its migration
 * fails for the extra reference; then the task writes the page.  Wanted:
 * the write completes within 20 s (promoted by copy, the owner having
 * seen it, data right and off node 2), or fails with a defined error
 * (SIGBUS); never a fault that retries forever.
 */
static void check_held_write(struct __test_metadata *_metadata, bool thp,
			     hold_fn hold, enum how_write how)
{
	long faults0 = region_stat("write_faults");
	int ret = write_held_page(thp, hold, how);

	ASSERT_NE(WR_SETUP, ret) TH_LOG("no page on node 2");
	ASSERT_NE(WR_PIN, ret) TH_LOG("could not take the extra reference");
	EXPECT_NE(-1, ret)
		TH_LOG("the write spun for %d s (%ld write faults reached the owner)",
		       WRITE_TIMEOUT_S, region_stat("write_faults") - faults0);
	if (ret == -1)
		return;
	if (how == PROC_MEM) {	/* GUP may also report the error */
		EXPECT_TRUE(ret == WR_DONE || ret == WR_WRITE)
			TH_LOG("child status %d", ret);
	} else {
		EXPECT_TRUE(ret == WR_DONE || ret == 128 + SIGBUS)
			TH_LOG("child status %d", ret);
	}
	if (ret == WR_DONE)
		EXPECT_GE(region_stat("write_faults") - faults0, 1)
			TH_LOG("the write did not reach the owner");
}

TEST_F_TIMEOUT(pwe, write_to_vmspliced_page_completes, 60)
{
	check_held_write(_metadata, variant->thp, hold_vmsplice, STORE);
}

/*
 * Item 3, the same trigger with the write made through GUP (a pwrite() to
 * /proc/self/mem: FOLL_FORCE | FOLL_WRITE), where a fault that keeps
 * returning 0 loops inside the kernel.  Wanted: the write completes or
 * fails (EFAULT) within 20 s.
 */
TEST_F_TIMEOUT(pwe, proc_mem_write_to_vmspliced_page_completes, 60)
{
	check_held_write(_metadata, variant->thp, hold_vmsplice, PROC_MEM);
}

/*
 * Item 3 with another holder of the extra reference: the page is in a
 * MSG_ZEROCOPY send over loopback TCP that cannot leave the socket's
 * write queue (the peer never reads), then the task writes it.  Wanted:
 * as above.
 */
TEST_F_TIMEOUT(pwe, write_to_page_in_zerocopy_send_completes, 60)
{
	bool was_up = lo_up();

	check_held_write(_metadata, variant->thp, hold_zerocopy, STORE);
	if (!was_up)
		lo_down();
}

TEST_HARNESS_MAIN
