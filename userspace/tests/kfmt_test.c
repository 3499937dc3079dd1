// SPDX-License-Identifier: LGPL-2.1-or-later
/* Host unit tests of the kernel-format parsers and printers (lib/kfmt.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "kfmt.h"

TEST(size_parse)
{
	uint64_t v = 7;

	ASSERT_EQ(0, pn_size_parse("0", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, pn_size_parse("536870912", &v));
	EXPECT_EQ(536870912ull, v);
	ASSERT_EQ(0, pn_size_parse("512M", &v));
	EXPECT_EQ(512ull << 20, v);
	ASSERT_EQ(0, pn_size_parse("512m", &v));
	EXPECT_EQ(512ull << 20, v);
	ASSERT_EQ(0, pn_size_parse("4k", &v));
	EXPECT_EQ(4096, v);
	ASSERT_EQ(0, pn_size_parse("2G", &v));
	EXPECT_EQ(2ull << 30, v);
	ASSERT_EQ(0, pn_size_parse("1T", &v));
	EXPECT_EQ(1ull << 40, v);
	ASSERT_EQ(0, pn_size_parse("15E", &v));
	EXPECT_EQ(15ull << 60, v);
	ASSERT_EQ(0, pn_size_parse("max", &v));
	EXPECT_EQ(PN_UNLIMITED, v);
	ASSERT_EQ(0, pn_size_parse("18446744073709551614", &v));
	EXPECT_EQ(UINT64_MAX - 1, v);
}

TEST(size_parse_rejects_garbage)
{
	static const char *const bad[] = {
		"", "M", "-1", "+1", " 1", "1 ", "1MB", "1.5G", "0x10", "1Q",
		"Max", "maxx", "1\n", "1K2", "k",
	};
	uint64_t v = 42;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, pn_size_parse(bad[i], &v)) TH_LOG("\"%s\"", bad[i]);
		EXPECT_EQ(42, v);
	}
	EXPECT_EQ(-ERANGE, pn_size_parse("18446744073709551616", &v));
	EXPECT_EQ(-ERANGE, pn_size_parse("16E", &v));
	EXPECT_EQ(-ERANGE, pn_size_parse("17179869184G", &v));
	EXPECT_EQ(42, v);
}

TEST(size_format_and_human)
{
	char buf[32];

	EXPECT_EQ(3, pn_size_format(PN_UNLIMITED, buf, sizeof(buf)));
	EXPECT_STREQ("max", buf);
	EXPECT_EQ(9, pn_size_format(536870912, buf, sizeof(buf)));
	EXPECT_STREQ("536870912", buf);
	EXPECT_EQ(-ENOSPC, pn_size_format(536870912, buf, 9));

	pn_size_human(512ull << 20, buf, sizeof(buf));
	EXPECT_STREQ("512M", buf);
	pn_size_human(3ull << 29, buf, sizeof(buf));
	EXPECT_STREQ("1.5G", buf);
	pn_size_human(1000, buf, sizeof(buf));
	EXPECT_STREQ("1000", buf);
	pn_size_human(4096, buf, sizeof(buf));
	EXPECT_STREQ("4K", buf);
	pn_size_human(0, buf, sizeof(buf));
	EXPECT_STREQ("0", buf);
	pn_size_human(PN_UNLIMITED, buf, sizeof(buf));
	EXPECT_STREQ("max", buf);
	pn_size_human(UINT64_MAX - 1, buf, sizeof(buf));
	EXPECT_STREQ("15.9E", buf);
}

/* The example of Documentation/cgroup-interface.rst, with CRAM keys. */
static const char stat_text[] =
	"2 current=8388608 peak=8388608 max=8388608 allocated=2048 denied=0 fallback=2048\n"
	"3 current=0 peak=4096 max=max allocated=1 denied=5 fallback=0 demoted=10 throttled=3 promoted=2\n";

TEST(stat_parse)
{
	const struct pn_nested_line *l;
	struct pn_nested st;
	uint64_t v;

	ASSERT_EQ(0, pn_nested_parse(stat_text, &st));
	ASSERT_EQ(2, st.n);
	l = pn_nested_find(&st, 2);
	ASSERT_NE(NULL, l);
	EXPECT_EQ(6, l->nkv);
	ASSERT_EQ(0, pn_nested_get(l, "current", &v));
	EXPECT_EQ(8388608, v);
	ASSERT_EQ(0, pn_nested_get(l, "fallback", &v));
	EXPECT_EQ(2048, v);
	EXPECT_EQ(-ENOENT, pn_nested_get(l, "demoted", &v));
	l = pn_nested_find(&st, 3);
	ASSERT_NE(NULL, l);
	EXPECT_EQ(9, l->nkv);
	ASSERT_EQ(0, pn_nested_get(l, "max", &v));
	EXPECT_EQ(PN_UNLIMITED, v);
	ASSERT_EQ(0, pn_nested_get(l, "demoted", &v));
	EXPECT_EQ(10, v);
	ASSERT_EQ(0, pn_nested_get(l, "throttled", &v));
	EXPECT_EQ(3, v);
	ASSERT_EQ(0, pn_nested_get(l, "promoted", &v));
	EXPECT_EQ(2, v);
	EXPECT_EQ(NULL, pn_nested_find(&st, 4));
	pn_nested_free(&st);
}

TEST(stat_format_is_the_kernels)
{
	struct pn_nested st;
	char *out;

	ASSERT_EQ(0, pn_nested_parse(stat_text, &st));
	ASSERT_EQ(0, pn_nested_format(&st, &out));
	EXPECT_STREQ(stat_text, out);
	free(out);
	pn_nested_free(&st);

	ASSERT_EQ(0, pn_nested_parse("", &st));
	EXPECT_EQ(0, st.n);
	ASSERT_EQ(0, pn_nested_format(&st, &out));
	EXPECT_STREQ("", out);
	free(out);
	pn_nested_free(&st);
}

TEST(max_file)
{
	struct pn_nested max;
	uint64_t v;
	char buf[64];

	/* Last line without newline is accepted too. */
	ASSERT_EQ(0, pn_nested_parse("2 max=max\n3 max=536870912", &max));
	ASSERT_EQ(2, max.n);
	ASSERT_EQ(0, pn_nested_get(pn_nested_find(&max, 2), "max", &v));
	EXPECT_EQ(PN_UNLIMITED, v);
	ASSERT_EQ(0, pn_nested_get(pn_nested_find(&max, 3), "max", &v));
	EXPECT_EQ(536870912, v);
	pn_nested_free(&max);

	EXPECT_EQ(15, pn_max_write_format(3, 512ull << 20, buf, sizeof(buf)));
	EXPECT_STREQ("3 max=536870912", buf);
	pn_max_write_format(2, PN_UNLIMITED, buf, sizeof(buf));
	EXPECT_STREQ("2 max=max", buf);
	EXPECT_EQ(-ENOSPC, pn_max_write_format(2, PN_UNLIMITED, buf, 9));
}

TEST(nested_rejects_garbage)
{
	static const char *const bad[] = {
		"x", "2", "2\n", "2 ", "2  max=1", "2 max=", "2 max=-1", "2 =1",
		"2 Max=1", "2 max=1 max=2", "2 max=1\n2 max=2\n", "\n", "2 max=1\n\n",
		"2 max=1x", "2 max=0x10", "-2 max=1", " 2 max=1", "2\tmax=1",
		"2 max=1\r\n", "2 max:1", "2 max=1 ",
	};
	struct pn_nested n;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, pn_nested_parse(bad[i], &n)) TH_LOG("\"%s\"", bad[i]);
		EXPECT_EQ(0, n.n);
		EXPECT_EQ(NULL, n.lines);
	}
	EXPECT_EQ(-ERANGE, pn_nested_parse("1024 max=1\n", &n));
	EXPECT_EQ(-ERANGE, pn_nested_parse("2 max=99999999999999999999\n", &n));
	EXPECT_EQ(-ERANGE, pn_nested_parse(
		"2 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1\n", &n));
}

TEST(nested_many_lines_and_keys)
{
	char text[65536], *out;
	struct pn_nested n;
	size_t used = 0;
	unsigned int i, k;

	for (i = 0; i < 300; i++) {
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%u", i);
		for (k = 0; k < 3; k++)
			used += (size_t)snprintf(text + used, sizeof(text) - used,
						 " k%u=%u", k, i * k);
		used += (size_t)snprintf(text + used, sizeof(text) - used, "\n");
	}
	ASSERT_EQ(0, pn_nested_parse(text, &n));
	EXPECT_EQ(300, n.n);
	ASSERT_EQ(0, pn_nested_format(&n, &out));
	EXPECT_STREQ(text, out);
	free(out);
	pn_nested_free(&n);

	/* 24 keys fit, 25 do not. */
	used = (size_t)snprintf(text, sizeof(text), "2");
	for (k = 0; k < PN_NESTED_MAX_KEYS; k++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, " k%u=1", k);
	ASSERT_EQ(0, pn_nested_parse(text, &n));
	pn_nested_free(&n);
	snprintf(text + used, sizeof(text) - used, " extra=1");
	EXPECT_EQ(-ERANGE, pn_nested_parse(text, &n));
}

TEST(events_flat)
{
	struct pn_flat ev;
	uint64_t v;
	char buf[256];
	const char *text = "denied 3\nmax 0\nfallback 12\ncram_throttled 7\n";

	ASSERT_EQ(0, pn_flat_parse(text, &ev));
	EXPECT_EQ(4, ev.n);
	ASSERT_EQ(0, pn_flat_get(&ev, "denied", &v));
	EXPECT_EQ(3, v);
	ASSERT_EQ(0, pn_flat_get(&ev, "cram_throttled", &v));
	EXPECT_EQ(7, v);
	EXPECT_EQ(-ENOENT, pn_flat_get(&ev, "promoted", &v));
	EXPECT_EQ((int)strlen(text), pn_flat_format(&ev, buf, sizeof(buf)));
	EXPECT_STREQ(text, buf);
	EXPECT_EQ(-ENOSPC, pn_flat_format(&ev, buf, 10));

	EXPECT_EQ(-EINVAL, pn_flat_parse("denied\n", &ev));
	EXPECT_EQ(-EINVAL, pn_flat_parse("denied 1\ndenied 2\n", &ev));
	EXPECT_EQ(-EINVAL, pn_flat_parse("denied max\n", &ev));
	EXPECT_EQ(-EINVAL, pn_flat_parse("denied  1\n", &ev));
	EXPECT_EQ(-EINVAL, pn_flat_parse("Denied 1\n", &ev));
	EXPECT_EQ(-EINVAL, pn_flat_parse("denied 1\n\n", &ev));
	EXPECT_EQ(-ERANGE, pn_flat_parse("denied 18446744073709551616\n", &ev));
	ASSERT_EQ(0, pn_flat_parse("", &ev));
	EXPECT_EQ(0, ev.n);
}

TEST(fallback)
{
	enum pn_fallback fb = PN_FALLBACK_NONE;

	ASSERT_EQ(0, pn_fallback_parse("sysram\n", &fb));
	EXPECT_EQ(PN_FALLBACK_SYSRAM, fb);
	ASSERT_EQ(0, pn_fallback_parse("none", &fb));
	EXPECT_EQ(PN_FALLBACK_NONE, fb);
	EXPECT_EQ(-EINVAL, pn_fallback_parse("None", &fb));
	EXPECT_EQ(-EINVAL, pn_fallback_parse("sysram\n\n", &fb));
	EXPECT_EQ(-EINVAL, pn_fallback_parse(" none", &fb));
	EXPECT_EQ(-EINVAL, pn_fallback_parse("", &fb));
	EXPECT_EQ(-EINVAL, pn_fallback_parse("nonesuch", &fb));
	EXPECT_EQ(PN_FALLBACK_NONE, fb);
	EXPECT_STREQ("none", pn_fallback_name(PN_FALLBACK_NONE));
	EXPECT_STREQ("sysram", pn_fallback_name(PN_FALLBACK_SYSRAM));
}

TEST(limits)
{
	struct pn_limits l;
	char buf[128];

	ASSERT_EQ(0, pn_limits_parse("2:512M,3:max,5:4096", &l));
	ASSERT_EQ(3, l.n);
	EXPECT_EQ(2, l.l[0].node);
	EXPECT_EQ(512ull << 20, l.l[0].bytes);
	EXPECT_EQ(3, l.l[1].node);
	EXPECT_EQ(PN_UNLIMITED, l.l[1].bytes);
	EXPECT_EQ(4096, l.l[2].bytes);
	ASSERT_LT(0, pn_limits_format(&l, buf, sizeof(buf)));
	EXPECT_STREQ("2:536870912,3:max,5:4096", buf);

	EXPECT_EQ(-EINVAL, pn_limits_parse("", &l));
	EXPECT_EQ(-EINVAL, pn_limits_parse("2", &l));
	EXPECT_EQ(-EINVAL, pn_limits_parse("2:", &l));
	EXPECT_EQ(-EINVAL, pn_limits_parse(":1G", &l));
	EXPECT_EQ(-EINVAL, pn_limits_parse("2:1G,", &l));
	EXPECT_EQ(-EINVAL, pn_limits_parse("2:1G,,3:1G", &l));
	EXPECT_EQ(-EINVAL, pn_limits_parse("2:1G,2:2G", &l));
	EXPECT_EQ(-EINVAL, pn_limits_parse("2-3:1G", &l));
	EXPECT_EQ(-EINVAL, pn_limits_parse("2=1G", &l));
	EXPECT_EQ(-EINVAL, pn_limits_parse("2:1GB", &l));
	EXPECT_EQ(-ERANGE, pn_limits_parse("4096:1G", &l));
	EXPECT_EQ(-ERANGE, pn_limits_parse("2:99999999999999999999", &l));
}

TEST(meminfo)
{
	uint64_t total = 0, free = 0;

	ASSERT_EQ(0, pn_meminfo_parse("Node 2 MemTotal:        2097152 kB\n"
				      "Node 2 MemFree:         1572864 kB\n"
				      "Node 2 HugePages_Total:     0 kB\n", 2, &total, &free));
	EXPECT_EQ(2097152ull * 1024, total);
	EXPECT_EQ(1572864ull * 1024, free);
	EXPECT_EQ(-ENOENT, pn_meminfo_parse("Node 2 MemTotal: 1 kB\n", 2, &total, &free));
	EXPECT_EQ(-EINVAL, pn_meminfo_parse("Node 3 MemTotal: 1 kB\nNode 3 MemFree: 1 kB\n",
					    2, &total, &free));
	EXPECT_EQ(-EINVAL, pn_meminfo_parse("Node 2 MemTotal: 1 MB\n", 2, &total, &free));
	EXPECT_EQ(-EINVAL, pn_meminfo_parse("garbage\n", 2, &total, &free));
	EXPECT_EQ(-ERANGE, pn_meminfo_parse("Node 2 MemTotal: 18446744073709551615 kB\n"
					    "Node 2 MemFree: 1 kB\n", 2, &total, &free));
	EXPECT_EQ(2097152ull * 1024, total);
}

TEST(proc_cgroup)
{
	char path[256];

	ASSERT_EQ(0, pn_proc_cgroup_parse("0::/system.slice/foo.service\n", path, sizeof(path)));
	EXPECT_STREQ("system.slice/foo.service", path);
	/* A hybrid system: v1 lines first. */
	ASSERT_EQ(0, pn_proc_cgroup_parse("12:memory:/x\n1:name=systemd:/y\n0::/a/b\n",
					  path, sizeof(path)));
	EXPECT_STREQ("a/b", path);
	ASSERT_EQ(0, pn_proc_cgroup_parse("0::/\n", path, sizeof(path)));
	EXPECT_STREQ("", path);
	ASSERT_EQ(0, pn_proc_cgroup_parse("0::/a", path, sizeof(path)));
	EXPECT_STREQ("a", path);
	EXPECT_EQ(-ENOENT, pn_proc_cgroup_parse("12:memory:/x\n", path, sizeof(path)));
	EXPECT_EQ(-ENOENT, pn_proc_cgroup_parse("", path, sizeof(path)));
	EXPECT_EQ(-ENOENT, pn_proc_cgroup_parse("0::/a/b (deleted)\n", path, sizeof(path)));
	EXPECT_EQ(-EINVAL, pn_proc_cgroup_parse("0::a/b\n", path, sizeof(path)));
	EXPECT_EQ(-EINVAL, pn_proc_cgroup_parse("0::\n", path, sizeof(path)));
	/* Outside our cgroup namespace: not resolvable from here. */
	EXPECT_EQ(-EINVAL, pn_proc_cgroup_parse("0::/../../x\n", path, sizeof(path)));
	EXPECT_EQ(-ENAMETOOLONG, pn_proc_cgroup_parse("0::/abcdef\n", path, 4));
}

TEST(cgroups_path)
{
	char p[256];

	ASSERT_EQ(0, pn_cgroups_path_parse("/kubepods/pod1/ctr", p, sizeof(p)));
	EXPECT_STREQ("kubepods/pod1/ctr", p);
	ASSERT_EQ(0, pn_cgroups_path_parse("machine.slice:libpod:abc123", p, sizeof(p)));
	EXPECT_STREQ("machine.slice/libpod-abc123.scope", p);
	ASSERT_EQ(0, pn_cgroups_path_parse("kubepods-besteffort-pod1.slice:cri-containerd:ab",
					   p, sizeof(p)));
	EXPECT_STREQ("kubepods.slice/kubepods-besteffort.slice/"
		     "kubepods-besteffort-pod1.slice/cri-containerd-ab.scope", p);
	ASSERT_EQ(0, pn_cgroups_path_parse(":crio:x", p, sizeof(p)));
	EXPECT_STREQ("system.slice/crio-x.scope", p);
	ASSERT_EQ(0, pn_cgroups_path_parse("-.slice:p:x", p, sizeof(p)));
	EXPECT_STREQ("p-x.scope", p);
	ASSERT_EQ(0, pn_cgroups_path_parse("user.slice::x", p, sizeof(p)));
	EXPECT_STREQ("user.slice/x.scope", p);
	ASSERT_EQ(0, pn_cgroups_path_parse("machine.slice:p:sub.slice", p, sizeof(p)));
	EXPECT_STREQ("machine.slice/sub.slice", p);

	EXPECT_EQ(-EINVAL, pn_cgroups_path_parse("relative/path", p, sizeof(p)));
	EXPECT_EQ(-EINVAL, pn_cgroups_path_parse("/a/../b", p, sizeof(p)));
	EXPECT_EQ(-EINVAL, pn_cgroups_path_parse("machine.slice:libpod", p, sizeof(p)));
	EXPECT_EQ(-EINVAL, pn_cgroups_path_parse("a:b:c:d", p, sizeof(p)));
	EXPECT_EQ(-EINVAL, pn_cgroups_path_parse("machine:libpod:x", p, sizeof(p)));
	EXPECT_EQ(-EINVAL, pn_cgroups_path_parse("a--b.slice:p:x", p, sizeof(p)));
	EXPECT_EQ(-EINVAL, pn_cgroups_path_parse("-a.slice:p:x", p, sizeof(p)));
	EXPECT_EQ(-EINVAL, pn_cgroups_path_parse("a/b.slice:p:x", p, sizeof(p)));
	EXPECT_EQ(-EINVAL, pn_cgroups_path_parse("a.slice:p:", p, sizeof(p)));
	EXPECT_EQ(-EINVAL, pn_cgroups_path_parse("a.slice:p:..", p, sizeof(p)));
	EXPECT_EQ(-EINVAL, pn_cgroups_path_parse("a.slice:p:x/y", p, sizeof(p)));
}

TEST(cgroup_path_clean)
{
	char p[64];

	ASSERT_EQ(0, pn_cgroup_path_clean("//a///b/", p, sizeof(p)));
	EXPECT_STREQ("a/b", p);
	ASSERT_EQ(0, pn_cgroup_path_clean("/", p, sizeof(p)));
	EXPECT_STREQ("", p);
	ASSERT_EQ(0, pn_cgroup_path_clean("a..b/.c", p, sizeof(p)));
	EXPECT_STREQ("a..b/.c", p);
	EXPECT_EQ(-EINVAL, pn_cgroup_path_clean("a/./b", p, sizeof(p)));
	EXPECT_EQ(-EINVAL, pn_cgroup_path_clean("a/..", p, sizeof(p)));
	EXPECT_EQ(-EINVAL, pn_cgroup_path_clean("a\nb", p, sizeof(p)));
	EXPECT_EQ(-ENAMETOOLONG, pn_cgroup_path_clean("abc/def", p, 7));
	ASSERT_EQ(0, pn_cgroup_path_clean("abc/de", p, 7));
	EXPECT_STREQ("abc/de", p);
}

TEST_HARNESS_MAIN
