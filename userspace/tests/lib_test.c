// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of libprivnode's node discovery and cgroup operations against
 * a fake sysfs/cgroupfs tree (tests/fake.h says what it cannot imitate).
 */
#include "fake.h"

#include "kselftest_harness.h"

FIXTURE(tree) {
	struct fake f;
};

FIXTURE_SETUP(tree)
{
	ASSERT_EQ(0, fake_setup(&self->f));
}

FIXTURE_TEARDOWN(tree)
{
	fake_cleanup(&self->f);
}

TEST_F(tree, discover_nodes)
{
	struct pn_node_info info;
	struct pn_nodemask m;
	char buf[32];

	ASSERT_EQ(0, pn_nodes_private(&m));
	pn_nodelist_format(&m, buf, sizeof(buf));
	EXPECT_STREQ("2-3", buf);
	ASSERT_EQ(0, pn_node_info(2, &info));
	EXPECT_STREQ("accel_mem", info.owner);
	EXPECT_STREQ("migration mempolicy", info.services);
	EXPECT_TRUE(info.has_meminfo);
	EXPECT_EQ(2ull << 30, info.total);
	EXPECT_EQ(1536ull << 20, info.free);
	ASSERT_EQ(0, pn_node_info(3, &info));
	EXPECT_STREQ("cram", info.owner);
	EXPECT_FALSE(info.has_meminfo);
	EXPECT_EQ(-ENOENT, pn_node_info(9, &info));
}

TEST_F(tree, no_private_node_support)
{
	struct pn_nodemask m;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/devices/system/node/has_memory_private", self->f.sys);
	ASSERT_EQ(0, unlink(path));
	EXPECT_EQ(-PN_ENOSUPPORT, pn_nodes_private(&m));
	EXPECT_EQ(PN_EXIT_NOSUPPORT, pn_exit_code(-PN_ENOSUPPORT));
}

TEST_F(tree, check_private)
{
	struct pn_nodemask m;

	ASSERT_EQ(0, pn_nodelist_parse("2-3", &m));
	EXPECT_EQ(0, pn_nodes_check_private(&m));
	ASSERT_EQ(0, pn_nodelist_parse("1-2", &m));
	EXPECT_EQ(-PN_ENOTPRIVATE, pn_nodes_check_private(&m));
	EXPECT_STREQ("node 1 is not a private node (private nodes: 2-3)", pn_errmsg());
	ASSERT_EQ(0, pn_nodelist_parse("2,7", &m));
	EXPECT_EQ(-ENOENT, pn_nodes_check_private(&m));
	EXPECT_STREQ("node 7 does not exist", pn_errmsg());
}

TEST_F(tree, cgroup_checks)
{
	EXPECT_EQ(0, pn_cg_check("a/b"));
	EXPECT_EQ(-ENOENT, pn_cg_check("a/gone"));
	EXPECT_NE(NULL, strstr(pn_errmsg(), "/a/gone does not exist"));
	EXPECT_EQ(-PN_ENOMEMCG, pn_cg_check("nomem"));
	EXPECT_NE(NULL, strstr(pn_errmsg(), "memory controller is not enabled"));
	EXPECT_EQ(-PN_ENOSUPPORT, pn_cg_check("oldkernel"));
	EXPECT_EQ(-PN_EROOTCG, pn_cg_check(""));
}

TEST_F(tree, resolve)
{
	char rel[PN_CG_PATH_MAX], arg[PATH_MAX + 16];

	snprintf(arg, sizeof(arg), "%s/a/b/", self->f.cg);
	ASSERT_EQ(0, pn_cgroup_resolve(arg, rel, sizeof(rel)));
	EXPECT_STREQ("a/b", rel);
	ASSERT_EQ(0, pn_cgroup_resolve("/a/b", rel, sizeof(rel)));
	EXPECT_STREQ("a/b", rel);
	ASSERT_EQ(0, pn_cgroup_resolve("a", rel, sizeof(rel)));
	EXPECT_STREQ("a", rel);
	EXPECT_EQ(-EINVAL, pn_cgroup_resolve("/a/../../etc", rel, sizeof(rel)));
}

TEST_F(tree, read_files)
{
	struct pn_nodemask m;
	struct pn_nested n;
	struct pn_flat ev;
	enum pn_fallback fb;
	uint64_t v;
	char buf[32];

	ASSERT_EQ(0, fake_write(self->f.cg, "a/memory.private_nodes", "2-3\n"));
	ASSERT_EQ(0, fake_write(self->f.cg, "a/memory.private_nodes.effective", "2\n"));
	ASSERT_EQ(0, fake_write(self->f.cg, "a/memory.private_nodes.max",
				"2 max=max\n3 max=1073741824\n"));
	ASSERT_EQ(0, fake_write(self->f.cg, "a/memory.private_nodes.fallback", "none\n"));
	ASSERT_EQ(0, fake_write(self->f.cg, "a/memory.private_nodes.events.local",
				"denied 4\nmax 0\nfallback 1\ncram_throttled 0\n"));
	ASSERT_EQ(0, pn_cg_read_request("a", &m));
	pn_nodelist_format(&m, buf, sizeof(buf));
	EXPECT_STREQ("2-3", buf);
	ASSERT_EQ(0, pn_cg_read_effective("a", &m));
	pn_nodelist_format(&m, buf, sizeof(buf));
	EXPECT_STREQ("2", buf);
	ASSERT_EQ(0, pn_cg_read_max("a", &n));
	ASSERT_EQ(0, pn_nested_get(pn_nested_find(&n, 3), "max", &v));
	EXPECT_EQ(1ull << 30, v);
	pn_nested_free(&n);
	ASSERT_EQ(0, pn_cg_read_fallback("a", &fb));
	EXPECT_EQ(PN_FALLBACK_NONE, fb);
	ASSERT_EQ(0, pn_cg_read_events("a", true, &ev));
	ASSERT_EQ(0, pn_flat_get(&ev, "denied", &v));
	EXPECT_EQ(4, v);

	/* A file the kernel would never write like that. */
	ASSERT_EQ(0, fake_write(self->f.cg, "a/memory.private_nodes.stat", "2 current\n"));
	EXPECT_EQ(-PN_EFORMAT, pn_cg_read_stat("a", &n));
	EXPECT_EQ(-ENOENT, pn_cg_read_stat("a/gone", &n));
	EXPECT_EQ(-PN_ENOMEMCG, pn_cg_read_stat("nomem", &n));
}

TEST_F(tree, grant_walks_the_ancestors_top_down)
{
	struct pn_nodemask m;

	ASSERT_EQ(0, fake_write(self->f.cg, "a/memory.private_nodes", "3\n"));
	ASSERT_EQ(0, pn_nodelist_parse("2", &m));
	ASSERT_EQ(0, pn_cg_grant("a/b/c", &m, 0));
	EXPECT_STREQ("a/memory.private_nodes\t2-3\n"
		     "a/b/memory.private_nodes\t2\n"
		     "a/b/c/memory.private_nodes\t2\n", fake_writes_rel(&self->f));
	EXPECT_STREQ("2-3", fake_read(self->f.cg, "a/memory.private_nodes"));
	EXPECT_STREQ("2", fake_read(self->f.cg, "a/b/c/memory.private_nodes"));
	EXPECT_STREQ("\n", fake_read(self->f.cg, "a/d/memory.private_nodes"));

	/* Granting again writes nothing. */
	fake_clear_writes(&self->f);
	ASSERT_EQ(0, pn_cg_grant("a/b/c", &m, 0));
	EXPECT_STREQ("", fake_writes(&self->f));
}

TEST_F(tree, grant_no_ancestors)
{
	struct pn_nodemask m;

	ASSERT_EQ(0, pn_nodelist_parse("2-3", &m));
	ASSERT_EQ(0, pn_cg_grant("a/b", &m, PN_APPLY_NO_ANCESTORS));
	EXPECT_STREQ("a/b/memory.private_nodes\t2-3\n", fake_writes_rel(&self->f));
}

TEST_F(tree, grant_checks_before_writing)
{
	struct pn_nodemask m;

	ASSERT_EQ(0, pn_nodelist_parse("1", &m));
	EXPECT_EQ(-PN_ENOTPRIVATE, pn_cg_grant("a/b", &m, 0));
	ASSERT_EQ(0, pn_nodelist_parse("2", &m));
	EXPECT_EQ(-ENOENT, pn_cg_grant("a/gone", &m, 0));
	EXPECT_EQ(-PN_ENOMEMCG, pn_cg_grant("nomem", &m, 0));
	EXPECT_EQ(-PN_EROOTCG, pn_cg_grant("", &m, 0));
	/* An ancestor without the files: nothing is written below it either. */
	ASSERT_EQ(0, fake_cgroup(&self->f, "nomem/x"));
	EXPECT_EQ(-PN_ENOMEMCG, pn_cg_grant("nomem/x", &m, 0));
	EXPECT_STREQ("", fake_writes(&self->f));
}

TEST_F(tree, failed_write_undoes_the_earlier_ones)
{
	struct pn_request req;

	pn_request_init(&req);
	ASSERT_EQ(0, pn_nodelist_parse("2", &req.nodes));
	ASSERT_EQ(0, pn_limits_parse("2:1G", &req.limits));
	req.has_fallback = true;
	req.fallback = PN_FALLBACK_NONE;
	ASSERT_EQ(0, fake_write(self->f.cg, "a/b/memory.private_nodes.max", "2 max=4096\n"));

	/* The fallback write fails: grant and limit are rolled back. */
	setenv("PRIVNODE_FAULT", "a/b/memory.private_nodes.fallback=EACCES", 1);
	EXPECT_EQ(-EACCES, pn_cg_apply("a/b", &req, 0));
	EXPECT_NE(NULL, strstr(pn_errmsg(), "permission denied"));
	EXPECT_STREQ("a/memory.private_nodes\t2\n"
		     "a/b/memory.private_nodes\t2\n"
		     "a/b/memory.private_nodes.max\t2 max=1073741824\n"
		     "a/b/memory.private_nodes.fallback\tnone\n"
		     "a/b/memory.private_nodes.max\t2 max=4096\n"
		     "a/b/memory.private_nodes\t\n\n"
		     "a/memory.private_nodes\t\n\n", fake_writes_rel(&self->f));
	EXPECT_STREQ("\n", fake_read(self->f.cg, "a/memory.private_nodes"));
	EXPECT_STREQ("\n", fake_read(self->f.cg, "a/b/memory.private_nodes"));
	EXPECT_STREQ("2 max=4096", fake_read(self->f.cg, "a/b/memory.private_nodes.max"));
	EXPECT_STREQ("sysram\n", fake_read(self->f.cg, "a/b/memory.private_nodes.fallback"));

	/* The kernel refuses a value: EINVAL, the message names the value. */
	fake_clear_writes(&self->f);
	setenv("PRIVNODE_FAULT", "a/b/memory.private_nodes=EINVAL", 1);
	EXPECT_EQ(-EINVAL, pn_cg_apply("a/b", &req, 0));
	EXPECT_NE(NULL, strstr(pn_errmsg(), "refused \"2\""));
	EXPECT_STREQ("\n", fake_read(self->f.cg, "a/memory.private_nodes"));

	/* Removed under us: ENODEV from the kernel is "not found". */
	setenv("PRIVNODE_FAULT", "a/b/memory.private_nodes=ENODEV", 1);
	EXPECT_EQ(-ENOENT, pn_cg_apply("a/b", &req, 0));
	EXPECT_NE(NULL, strstr(pn_errmsg(), "does not exist"));
}

TEST_F(tree, revoke_touches_only_the_cgroup)
{
	struct pn_nodemask m;

	ASSERT_EQ(0, fake_write(self->f.cg, "a/memory.private_nodes", "2-3\n"));
	ASSERT_EQ(0, fake_write(self->f.cg, "a/b/memory.private_nodes", "2-3\n"));
	ASSERT_EQ(0, pn_nodelist_parse("2", &m));
	ASSERT_EQ(0, pn_cg_revoke("a/b", &m));
	EXPECT_STREQ("a/b/memory.private_nodes\t3\n", fake_writes_rel(&self->f));
	ASSERT_EQ(0, pn_nodelist_parse("3", &m));
	ASSERT_EQ(0, pn_cg_revoke("a/b", &m));
	EXPECT_STREQ("\n", fake_read(self->f.cg, "a/b/memory.private_nodes"));
	EXPECT_STREQ("2-3\n", fake_read(self->f.cg, "a/memory.private_nodes"));
	/* Revoking what is not there writes nothing. */
	fake_clear_writes(&self->f);
	ASSERT_EQ(0, pn_cg_revoke("a/b", &m));
	EXPECT_STREQ("", fake_writes(&self->f));
	/* Revoking a node that is no longer private is fine. */
	ASSERT_EQ(0, pn_nodelist_parse("1", &m));
	EXPECT_EQ(0, pn_cg_revoke("a/b", &m));
}

TEST_F(tree, limit_and_fallback)
{
	struct pn_limits l;

	ASSERT_EQ(0, pn_limits_parse("2:512M,3:max", &l));
	ASSERT_EQ(0, pn_cg_limit("a/b", &l));
	EXPECT_STREQ("a/b/memory.private_nodes.max\t2 max=536870912\n"
		     "a/b/memory.private_nodes.max\t3 max=max\n", fake_writes_rel(&self->f));
	ASSERT_EQ(0, pn_limits_parse("1:1G", &l));
	EXPECT_EQ(-PN_ENOTPRIVATE, pn_cg_limit("a/b", &l));
	ASSERT_EQ(0, pn_cg_set_fallback("a/b", PN_FALLBACK_NONE));
	EXPECT_STREQ("none", fake_read(self->f.cg, "a/b/memory.private_nodes.fallback"));
	EXPECT_EQ(-ENOENT, pn_cg_set_fallback("a/gone", PN_FALLBACK_NONE));
}

TEST_F(tree, unit_cgroup)
{
	char rel[PN_CG_PATH_MAX], script[PATH_MAX];
	FILE *f;

	ASSERT_EQ(0, fake_cgroup(&self->f, "system.slice/foo.service"));
	ASSERT_EQ(0, pn_unit_cgroup("foo", rel, sizeof(rel)));
	EXPECT_STREQ("system.slice/foo.service", rel);
	ASSERT_EQ(0, pn_unit_cgroup("foo.service", rel, sizeof(rel)));
	EXPECT_STREQ("system.slice/foo.service", rel);

	/* Elsewhere: ask systemctl (a stand-in script here). */
	snprintf(script, sizeof(script), "%s/systemctl", self->f.root);
	f = fopen(script, "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "#!/bin/sh\n[ \"$5\" = bar.scope ] || exit 1\n"
		"echo 'ControlGroup=/machine.slice/bar.scope'\n");
	fclose(f);
	ASSERT_EQ(0, chmod(script, 0755));
	setenv("PRIVNODE_SYSTEMCTL", script, 1);
	ASSERT_EQ(0, pn_unit_cgroup("bar.scope", rel, sizeof(rel)));
	EXPECT_STREQ("machine.slice/bar.scope", rel);
	EXPECT_EQ(-ENOENT, pn_unit_cgroup("other.service", rel, sizeof(rel)));
	setenv("PRIVNODE_SYSTEMCTL", "/nonexistent/systemctl", 1);
	EXPECT_EQ(-ENOENT, pn_unit_cgroup("bar.scope", rel, sizeof(rel)));
	EXPECT_EQ(-EINVAL, pn_unit_cgroup("../x", rel, sizeof(rel)));
	EXPECT_EQ(-EINVAL, pn_unit_cgroup("", rel, sizeof(rel)));
}

TEST_F(tree, container_cgroup)
{
	struct pn_oci_state st;
	char rel[PN_CG_PATH_MAX];

	memset(&st, 0, sizeof(st));
	st.pid = 4242;
	ASSERT_EQ(0, pn_oci_container_cgroup(&st, rel, sizeof(rel)));
	EXPECT_STREQ("a/b/c", rel);
	/* The process is gone: config.json of the bundle. */
	st.pid = 4243;
	snprintf(st.bundle, sizeof(st.bundle), "%s/bundle", self->f.root);
	ASSERT_EQ(0, fake_write(st.bundle, "config.json",
				"{\"linux\": {\"cgroupsPath\": \"/a/d\"}}"));
	ASSERT_EQ(0, pn_oci_container_cgroup(&st, rel, sizeof(rel)));
	EXPECT_STREQ("a/d", rel);
	ASSERT_EQ(0, fake_write(st.bundle, "config.json", "{\"linux\": {}}"));
	EXPECT_EQ(-ENOENT, pn_oci_container_cgroup(&st, rel, sizeof(rel)));
	EXPECT_NE(NULL, strstr(pn_errmsg(), "process 4243 does not exist"));
	EXPECT_NE(NULL, strstr(pn_errmsg(), "no linux.cgroupsPath"));
}

static int count_cb(const char *rel, void *arg)
{
	char *list = arg;

	strcat(list, rel);
	strcat(list, ";");
	return 0;
}

TEST_F(tree, walk)
{
	char list[1024] = "";

	ASSERT_EQ(0, pn_cg_walk("", count_cb, list));
	EXPECT_STREQ("a;a/b;a/b/c;a/d;", list);
	list[0] = '\0';
	ASSERT_EQ(0, pn_cg_walk("a/b", count_cb, list));
	EXPECT_STREQ("a/b;a/b/c;", list);
	EXPECT_EQ(-ENOENT, pn_cg_walk("zz", count_cb, list));
}

TEST_F(tree, create_move_remove)
{
	char rel[PN_CG_PATH_MAX];

	EXPECT_EQ(1, pn_cg_create("a", "new", rel, sizeof(rel)));
	EXPECT_STREQ("a/new", rel);
	EXPECT_EQ(0, pn_cg_create("a", "new", rel, sizeof(rel)));
	EXPECT_EQ(-EINVAL, pn_cg_create("a", "../x", rel, sizeof(rel)));
	EXPECT_EQ(-ENOENT, pn_cg_create("gone", "x", rel, sizeof(rel)));
	EXPECT_EQ(0, pn_cg_move("a/b", 77));
	EXPECT_STREQ("77", fake_read(self->f.cg, "a/b/cgroup.procs"));
	EXPECT_EQ(0, pn_cg_enable_memory("a"));
	EXPECT_STREQ("+memory", fake_read(self->f.cg, "a/cgroup.subtree_control"));
	EXPECT_EQ(0, pn_cg_remove("a/new"));
	EXPECT_EQ(-ENOENT, pn_cg_remove("a/new"));
}

TEST_F(tree, proc_cgroup)
{
	char rel[PN_CG_PATH_MAX];

	ASSERT_EQ(0, pn_proc_cgroup(0, rel, sizeof(rel)));
	EXPECT_STREQ("a/b", rel);
	ASSERT_EQ(0, pn_proc_cgroup(4242, rel, sizeof(rel)));
	EXPECT_STREQ("a/b/c", rel);
	EXPECT_EQ(-ESRCH, pn_proc_cgroup(1234, rel, sizeof(rel)));
	EXPECT_EQ(PN_EXIT_NOTFOUND, pn_exit_code(-ESRCH));
}

TEST_HARNESS_MAIN
