// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of privnode and privnode-oci-hook, run as programs (built with
 * ASan+UBSan and fault injection) against a fake tree (tests/fake.h).
 * Permission errors and kernel refusals are injected with PRIVNODE_FAULT:
 * these tests run as root, for whom no file is read-only.
 */
#include "fake.h"

#include <stdarg.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "kselftest_harness.h"

#ifndef BIN_DIR
#error "BIN_DIR must name the directory of the test builds"
#endif

struct run {
	char out[65536];
	char err[65536];
};

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/*
 * Run BIN_DIR/prog with the arguments (NULL-terminated) and input on
 * stdin; stdout and stderr land in r.  Returns the exit status, or 128+sig.
 */
static int run(const struct fake *f, struct run *r, const char *input,
	       const char *prog, ...)
{
	char *argv[32], path[PATH_MAX], in[PATH_MAX], out[PATH_MAX], err[PATH_MAX];
	va_list ap;
	int argc = 0, status;
	pid_t pid;
	FILE *fi;

	snprintf(path, sizeof(path), "%s/%s", BIN_DIR, prog);
	snprintf(in, sizeof(in), "%s/stdin", f->root);
	snprintf(out, sizeof(out), "%s/stdout", f->root);
	snprintf(err, sizeof(err), "%s/stderr", f->root);
	fi = fopen(in, "w");
	if (!fi)
		return -1;
	fputs(input ? input : "", fi);
	fclose(fi);
	argv[argc++] = (char *)prog;
	va_start(ap, prog);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (!freopen(in, "r", stdin) || !freopen(out, "w", stdout) ||
		    !freopen(err, "w", stderr))
			_exit(99);
		execv(path, argv);
		_exit(98);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define PN(...) run(&self->f, &self->r, NULL, "privnode", __VA_ARGS__, NULL)
#define HOOK(input, ...) run(&self->f, &self->r, input, "privnode-oci-hook", ##__VA_ARGS__, NULL)

FIXTURE(cli) {
	struct fake f;
	struct run r;
};

FIXTURE_SETUP(cli)
{
	ASSERT_EQ(0, fake_setup(&self->f));
}

FIXTURE_TEARDOWN(cli)
{
	fake_cleanup(&self->f);
}

TEST_F(cli, help_and_usage_errors)
{
	EXPECT_EQ(0, PN("--help"));
	EXPECT_NE(NULL, strstr(self->r.out, "Exit status"));
	EXPECT_EQ(0, PN("grant", "--help"));
	EXPECT_EQ(1, run(&self->f, &self->r, NULL, "privnode", NULL));
	EXPECT_EQ(1, PN("frobnicate"));
	EXPECT_NE(NULL, strstr(self->r.err, "unknown command 'frobnicate'"));
	EXPECT_EQ(1, PN("list", "--frob"));
	EXPECT_EQ(1, PN("list", "extra"));
	EXPECT_EQ(1, PN("grant", "a/b"));
	EXPECT_EQ(1, PN("grant", "a/b", "2", "3"));
	EXPECT_EQ(1, PN("grant", "--json", "a/b", "2"));
	EXPECT_EQ(1, PN("stat", "--watch", "0"));
	EXPECT_EQ(1, PN("stat", "--count", "2"));
	EXPECT_EQ(1, PN("revoke", "--no-ancestors", "a", "2"));
	EXPECT_STREQ("", fake_writes(&self->f));
}

TEST_F(cli, garbage_arguments_change_nothing)
{
	EXPECT_EQ(1, PN("grant", "a/b", "two"));
	EXPECT_NE(NULL, strstr(self->r.err, "not a node list"));
	EXPECT_EQ(1, PN("grant", "a/b", "2,"));
	EXPECT_EQ(1, PN("grant", "a/b", "99999"));
	EXPECT_EQ(1, PN("grant", "a/b", ""));
	EXPECT_EQ(1, PN("limit", "a/b", "2:lots"));
	EXPECT_EQ(1, PN("limit", "a/b", "2"));
	EXPECT_EQ(1, PN("fallback", "a/b", "maybe"));
	EXPECT_EQ(1, PN("exec", "--parent", "a", "--nodes", "2", "--max", "3:1G", "--", "true"));
	EXPECT_NE(NULL, strstr(self->r.err, "node 3"));
	EXPECT_EQ(1, PN("cdi-spec", "--kind", "nokind"));
	EXPECT_EQ(1, PN("cdi-spec", "--cdi-version", "9.9.9"));
	EXPECT_EQ(4, PN("grant", "/../etc", "2"));
	EXPECT_STREQ("", fake_writes(&self->f));
}

TEST_F(cli, list_table)
{
	ASSERT_EQ(0, PN("list"));
	EXPECT_NE(NULL, strstr(self->r.out, "NODE"));
	EXPECT_NE(NULL, strstr(self->r.out, "accel_mem"));
	EXPECT_NE(NULL, strstr(self->r.out, "migration mempolicy"));
	EXPECT_NE(NULL, strstr(self->r.out, "2G"));
	EXPECT_NE(NULL, strstr(self->r.out, "1.5G"));
	EXPECT_EQ(NULL, strstr(self->r.out, "\n   0 "));	/* ordinary nodes not listed */
	ASSERT_EQ(0, PN("list", "--bytes"));
	EXPECT_NE(NULL, strstr(self->r.out, "2147483648"));
}

TEST_F(cli, list_json)
{
	struct json_object *root, *nodes, *n, *v;

	ASSERT_EQ(0, PN("list", "--json"));
	root = json_tokener_parse(self->r.out);
	ASSERT_NE(NULL, root) TH_LOG("%s", self->r.out);
	ASSERT_TRUE(json_object_object_get_ex(root, "nodes", &nodes));
	ASSERT_EQ(2, json_object_array_length(nodes));
	n = json_object_array_get_idx(nodes, 0);
	ASSERT_TRUE(json_object_object_get_ex(n, "node", &v));
	EXPECT_EQ(2, json_object_get_int(v));
	ASSERT_TRUE(json_object_object_get_ex(n, "owner", &v));
	EXPECT_STREQ("accel_mem", json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(n, "services", &v));
	EXPECT_STREQ("migration mempolicy", json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(n, "size", &v));
	EXPECT_EQ(2147483648ll, json_object_get_int64(v));
	ASSERT_TRUE(json_object_object_get_ex(n, "free", &v));
	EXPECT_EQ(1610612736ll, json_object_get_int64(v));
	n = json_object_array_get_idx(nodes, 1);
	ASSERT_TRUE(json_object_object_get_ex(n, "size", &v));
	EXPECT_TRUE(json_object_is_type(v, json_type_null));	/* no meminfo */
	json_object_put(root);
}

TEST_F(cli, list_without_private_node_support)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/devices/system/node/has_memory_private", self->f.sys);
	ASSERT_EQ(0, unlink(path));
	EXPECT_EQ(5, PN("list"));
	EXPECT_NE(NULL, strstr(self->r.err, "no private nodes"));
}

TEST_F(cli, grant_revoke)
{
	ASSERT_EQ(0, PN("grant", "a/b/c", "2"));
	EXPECT_STREQ("", self->r.out);
	EXPECT_STREQ("a/memory.private_nodes\t2\n"
		     "a/b/memory.private_nodes\t2\n"
		     "a/b/c/memory.private_nodes\t2\n", fake_writes_rel(&self->f));
	fake_clear_writes(&self->f);
	ASSERT_EQ(0, PN("grant", "/a/b/c", "3", "--no-ancestors"));
	EXPECT_STREQ("a/b/c/memory.private_nodes\t2-3\n", fake_writes_rel(&self->f));
	ASSERT_EQ(0, PN("revoke", "a/b/c", "2"));
	EXPECT_STREQ("3", fake_read(self->f.cg, "a/b/c/memory.private_nodes"));
	EXPECT_STREQ("2", fake_read(self->f.cg, "a/memory.private_nodes"));
}

TEST_F(cli, grant_by_mount_path_and_unit)
{
	char arg[PATH_MAX + 8];

	snprintf(arg, sizeof(arg), "%s/a/d", self->f.cg);
	ASSERT_EQ(0, PN("grant", arg, "2"));
	EXPECT_STREQ("2", fake_read(self->f.cg, "a/d/memory.private_nodes"));
	ASSERT_EQ(0, fake_cgroup(&self->f, "system.slice"));
	ASSERT_EQ(0, fake_cgroup(&self->f, "system.slice/web.service"));
	fake_clear_writes(&self->f);
	ASSERT_EQ(0, PN("grant", "--unit", "web", "3"));
	EXPECT_STREQ("system.slice/memory.private_nodes\t3\n"
		     "system.slice/web.service/memory.private_nodes\t3\n",
		     fake_writes_rel(&self->f));
	setenv("PRIVNODE_SYSTEMCTL", "/nonexistent", 1);
	EXPECT_EQ(2, PN("grant", "--unit", "nosuch.service", "3"));
	EXPECT_NE(NULL, strstr(self->r.err, "nosuch.service has no cgroup"));
}

TEST_F(cli, error_exit_codes)
{
	/* cgroup gone */
	EXPECT_EQ(2, PN("grant", "a/gone", "2"));
	EXPECT_NE(NULL, strstr(self->r.err, "/a/gone does not exist"));
	EXPECT_EQ(2, PN("stat", "a/gone"));
	EXPECT_EQ(2, PN("fallback", "a/gone"));
	/* node not private, node missing */
	EXPECT_EQ(4, PN("grant", "a/b", "1"));
	EXPECT_NE(NULL, strstr(self->r.err, "node 1 is not a private node"));
	EXPECT_EQ(4, PN("limit", "a/b", "0:1G"));
	EXPECT_EQ(2, PN("grant", "a/b", "8"));
	EXPECT_NE(NULL, strstr(self->r.err, "node 8 does not exist"));
	/* no memory controller, kernel without the interface, root cgroup */
	EXPECT_EQ(5, PN("grant", "nomem", "2"));
	EXPECT_NE(NULL, strstr(self->r.err, "memory controller is not enabled"));
	EXPECT_EQ(5, PN("show", "oldkernel"));
	EXPECT_EQ(4, PN("grant", "/", "2"));
	EXPECT_STREQ("", fake_writes(&self->f));
}

TEST_F(cli, permission_denied_is_3_and_nothing_stays_half_done)
{
	/* Simulated: a write to a/b's request fails with EACCES. */
	setenv("PRIVNODE_FAULT", "a/b/memory.private_nodes=EACCES", 1);
	EXPECT_EQ(3, PN("grant", "a/b/c", "2"));
	EXPECT_NE(NULL, strstr(self->r.err, "permission denied"));
	EXPECT_STREQ("\n", fake_read(self->f.cg, "a/memory.private_nodes"));
	setenv("PRIVNODE_FAULT", "a/b/memory.private_nodes.max=EPERM", 1);
	EXPECT_EQ(3, PN("limit", "a/b", "2:1G"));
	setenv("PRIVNODE_FAULT", "a/b/memory.private_nodes.fallback=EACCES", 1);
	EXPECT_EQ(3, PN("fallback", "a/b", "none"));
	/* Simulated: the kernel refuses the value (node went private -> not). */
	setenv("PRIVNODE_FAULT", "a/b/memory.private_nodes=EINVAL", 1);
	EXPECT_EQ(4, PN("grant", "a/b", "2"));
	EXPECT_NE(NULL, strstr(self->r.err, "refused"));
	/* Simulated: the cgroup is removed between check and write. */
	setenv("PRIVNODE_FAULT", "a/b/memory.private_nodes=ENODEV", 1);
	EXPECT_EQ(2, PN("grant", "a/b", "2"));
}

TEST_F(cli, limit_fallback_show)
{
	ASSERT_EQ(0, PN("limit", "a/b", "2:512M,3:max"));
	EXPECT_STREQ("a/b/memory.private_nodes.max\t2 max=536870912\n"
		     "a/b/memory.private_nodes.max\t3 max=max\n", fake_writes_rel(&self->f));
	ASSERT_EQ(0, PN("fallback", "a/b"));
	EXPECT_STREQ("sysram\n", self->r.out);
	ASSERT_EQ(0, PN("fallback", "a/b", "none"));
	ASSERT_EQ(0, PN("fallback", "a/b"));
	EXPECT_STREQ("none\n", self->r.out);

	ASSERT_EQ(0, fake_write(self->f.cg, "a/b/memory.private_nodes", "2-3\n"));
	ASSERT_EQ(0, fake_write(self->f.cg, "a/b/memory.private_nodes.effective", "2\n"));
	ASSERT_EQ(0, fake_write(self->f.cg, "a/b/memory.private_nodes.max",
				"2 max=536870912\n3 max=max\n"));
	ASSERT_EQ(0, PN("show", "a/b"));
	EXPECT_STREQ("cgroup:    /a/b\n"
		     "requested: 2-3\n"
		     "effective: 2\n"
		     "max:       2:536870912,3:max\n"
		     "fallback:  none\n", self->r.out);
	ASSERT_EQ(0, PN("show", "a/b", "--json"));
	EXPECT_NE(NULL, strstr(self->r.out, "\"effective\": \"2\""));
}

static const char stat_b[] =
	"2 current=8388608 peak=8388608 max=max allocated=2048 denied=0 fallback=7\n";
static const char stat_c[] =
	"3 current=4096 peak=8192 max=1073741824 allocated=3 denied=1 fallback=0 "
	"demoted=10 throttled=4 promoted=2\n";

TEST_F(cli, stat_table_and_json)
{
	struct json_object *root, *rows, *row, *v;

	ASSERT_EQ(0, fake_write(self->f.cg, "a/b/memory.private_nodes.stat", stat_b));
	ASSERT_EQ(0, fake_write(self->f.cg, "a/b/c/memory.private_nodes.stat", stat_c));
	ASSERT_EQ(0, PN("stat"));
	EXPECT_NE(NULL, strstr(self->r.out, "DEMOTED"));
	EXPECT_NE(NULL, strstr(self->r.out, "PROMOTED"));
	EXPECT_NE(NULL, strstr(self->r.out, "THROTTLED"));
	EXPECT_NE(NULL, strstr(self->r.out, "/a/b/c"));
	EXPECT_NE(NULL, strstr(self->r.out, "8M"));
	EXPECT_NE(NULL, strstr(self->r.out, "1G"));
	ASSERT_EQ(0, PN("stat", "a/b"));
	EXPECT_EQ(NULL, strstr(self->r.out, "/a/b/c"));
	EXPECT_EQ(NULL, strstr(self->r.out, "DEMOTED"));
	ASSERT_EQ(0, PN("stat", "a/b", "-r", "--json"));
	root = json_tokener_parse(self->r.out);
	ASSERT_NE(NULL, root) TH_LOG("%s", self->r.out);
	ASSERT_TRUE(json_object_object_get_ex(root, "stat", &rows));
	ASSERT_EQ(2, json_object_array_length(rows));
	row = json_object_array_get_idx(rows, 0);
	ASSERT_TRUE(json_object_object_get_ex(row, "cgroup", &v));
	EXPECT_STREQ("/a/b", json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(row, "max", &v));
	EXPECT_TRUE(json_object_is_type(v, json_type_null));
	ASSERT_TRUE(json_object_object_get_ex(row, "current", &v));
	EXPECT_EQ(8388608, json_object_get_int64(v));
	ASSERT_TRUE(json_object_object_get_ex(row, "demoted", &v));
	EXPECT_TRUE(json_object_is_type(v, json_type_null));	/* not a CRAM node */
	row = json_object_array_get_idx(rows, 1);
	ASSERT_TRUE(json_object_object_get_ex(row, "node", &v));
	EXPECT_EQ(3, json_object_get_int(v));
	ASSERT_TRUE(json_object_object_get_ex(row, "demoted", &v));
	EXPECT_EQ(10, json_object_get_int(v));
	ASSERT_TRUE(json_object_object_get_ex(row, "throttled", &v));
	EXPECT_EQ(4, json_object_get_int(v));
	json_object_put(root);
}

TEST_F(cli, stat_watch_and_bad_file)
{
	const char *p, *b, *c;
	int frames = 0;

	ASSERT_EQ(0, fake_write(self->f.cg, "a/b/memory.private_nodes.stat", stat_b));
	ASSERT_EQ(0, fake_write(self->f.cg, "a/b/c/memory.private_nodes.stat", stat_c));
	ASSERT_EQ(0, PN("stat", "--watch", "0.01", "--count", "3"));
	/* Three frames, the busiest cgroup first in each. */
	for (p = self->r.out; (p = strstr(p, "privnode stat, every")); p++) {
		b = strstr(p, "/a/b ");
		c = strstr(p, "/a/b/c");
		ASSERT_NE(NULL, b);
		ASSERT_NE(NULL, c);
		EXPECT_LT(b, c);
		frames++;
	}
	EXPECT_EQ(3, frames);
	ASSERT_EQ(0, fake_write(self->f.cg, "a/b/memory.private_nodes.stat", "2 current=x\n"));
	EXPECT_EQ(6, PN("stat", "a/b"));
	EXPECT_NE(NULL, strstr(self->r.err, "unexpected contents"));
}

TEST_F(cli, events)
{
	ASSERT_EQ(0, fake_write(self->f.cg, "a/b/memory.private_nodes.events",
				"denied 5\nmax 1\nfallback 2\ncram_throttled 3\n"));
	ASSERT_EQ(0, PN("events", "a/b"));
	EXPECT_NE(NULL, strstr(self->r.out, "cram_throttled"));
	ASSERT_EQ(0, PN("events", "a/b", "--json"));
	EXPECT_NE(NULL, strstr(self->r.out, "\"event\": \"denied\""));
	EXPECT_NE(NULL, strstr(self->r.out, "\"count\": 5"));
	ASSERT_EQ(0, PN("events", "a/b", "--local"));
	EXPECT_NE(NULL, strstr(self->r.out, "denied"));
}

TEST_F(cli, exec_into_existing_child)
{
	char expect[256];

	ASSERT_EQ(0, fake_cgroup(&self->f, "a/b/job"));
	ASSERT_EQ(7, PN("exec", "--parent", "/a/b", "--name", "job", "--nodes", "3",
			"--max", "3:256M", "--fallback", "none", "--",
			"/bin/sh", "-c", "echo ran $0; exit 7", "x"));
	EXPECT_STREQ("ran x\n", self->r.out);
	/* It moved itself in before granting (pid unknown here: match the rest). */
	EXPECT_NE(NULL, strstr(fake_writes_rel(&self->f), "a/b/job/cgroup.procs\t"));
	snprintf(expect, sizeof(expect),
		 "a/memory.private_nodes\t3\n"
		 "a/b/memory.private_nodes\t3\n"
		 "a/b/job/memory.private_nodes\t3\n"
		 "a/b/job/memory.private_nodes.max\t3 max=268435456\n"
		 "a/b/job/memory.private_nodes.fallback\tnone\n");
	EXPECT_NE(NULL, strstr(fake_writes_rel(&self->f), expect));
}

TEST_F(cli, exec_failures)
{
	char path[PATH_MAX];
	struct stat st;

	/*
	 * A child where the memory controller never appears (a fake tree
	 * makes no files when "+memory" is written): 5, and privnode moves
	 * itself back to where it came from (/proc/self/cgroup: /a/b).
	 */
	ASSERT_EQ(0, fake_write(self->f.cg, "nomem/job/cgroup.procs", ""));
	EXPECT_EQ(5, PN("exec", "--parent", "nomem", "--name", "job", "--nodes", "2",
			"--", "true"));
	EXPECT_NE(NULL, strstr(self->r.err, "memory controller"));
	EXPECT_NE(NULL, strstr(fake_writes_rel(&self->f), "nomem/cgroup.subtree_control\t+memory\n"));
	EXPECT_NE(NULL, strstr(fake_writes_rel(&self->f), "a/b/cgroup.procs\t"));
	snprintf(path, sizeof(path), "%s/nomem/job", self->f.cg);
	EXPECT_EQ(0, stat(path, &st));	/* not ours: left alone */
	/*
	 * A cgroup privnode made itself is removed again on failure (here
	 * the fake new directory has no cgroup.procs: "not found").
	 */
	EXPECT_EQ(2, PN("exec", "--parent", "a", "--name", "fresh", "--nodes", "2",
			"--", "true"));
	snprintf(path, sizeof(path), "%s/a/fresh", self->f.cg);
	EXPECT_NE(0, stat(path, &st));
	/* Not private: refused before anything is created. */
	fake_clear_writes(&self->f);
	EXPECT_EQ(4, PN("exec", "--parent", "a", "--nodes", "1", "--", "true"));
	EXPECT_STREQ("", fake_writes(&self->f));
	EXPECT_EQ(2, PN("exec", "--parent", "a/gone", "--nodes", "2", "--", "true"));
	/* The command cannot be run. */
	ASSERT_EQ(0, fake_cgroup(&self->f, "a/job2"));
	EXPECT_EQ(127, PN("exec", "--parent", "a", "--name", "job2", "--nodes", "2",
			  "--", "/nonexistent/cmd"));
	EXPECT_EQ(1, PN("exec", "--parent", "a", "--nodes", "2"));
	EXPECT_EQ(1, PN("exec", "--nodes", "2", "--", "true"));
}

TEST_F(cli, cdi_spec)
{
	struct json_object *root, *v;
	char out[PATH_MAX];

	ASSERT_EQ(0, PN("cdi-spec"));
	root = json_tokener_parse(self->r.out);
	ASSERT_NE(NULL, root);
	ASSERT_TRUE(json_object_object_get_ex(root, "devices", &v));
	EXPECT_EQ(2, json_object_array_length(v));
	json_object_put(root);
	snprintf(out, sizeof(out), "%s/privnode.json", self->f.root);
	ASSERT_EQ(0, PN("cdi-spec", "--nodes", "5", "--cdi-version", "0.6.0",
			"--hook", "/opt/hook", "-o", out));
	EXPECT_NE(NULL, strstr(fake_read(self->f.root, "privnode.json"), "\"node5\""));
	EXPECT_NE(NULL, strstr(fake_read(self->f.root, "privnode.json"), "\"/opt/hook\""));
	ASSERT_EQ(0, fake_write(self->f.sys, "devices/system/node/has_memory_private", "\n"));
	EXPECT_EQ(2, PN("cdi-spec"));
}

/* ---- the OCI hook ---- */

static const char state_fmt[] =
	"{\"ociVersion\": \"1.0.2\", \"id\": \"c1\", \"status\": \"creating\", "
	"\"pid\": %d, \"bundle\": \"%s\", \"annotations\": {%s}}";

static const char *state(const struct fake *f, int pid, const char *annotations)
{
	static char buf[8192];
	char bundle[PATH_MAX];

	snprintf(bundle, sizeof(bundle), "%s/bundle", f->root);
	snprintf(buf, sizeof(buf), state_fmt, pid, bundle, annotations);
	return buf;
}

TEST_F(cli, hook_applies_annotations_along_the_path)
{
	ASSERT_EQ(0, HOOK(state(&self->f, 4242,
				"\"privnode.io/nodes\": \"2\", \"privnode.io/max\": \"2:512M\", "
				"\"privnode.io/fallback\": \"none\", \"io.other/x\": \"y\"")));
	EXPECT_STREQ("", self->r.err);
	EXPECT_STREQ("a/memory.private_nodes\t2\n"
		     "a/b/memory.private_nodes\t2\n"
		     "a/b/c/memory.private_nodes\t2\n"
		     "a/b/c/memory.private_nodes.max\t2 max=536870912\n"
		     "a/b/c/memory.private_nodes.fallback\tnone\n", fake_writes_rel(&self->f));
}

TEST_F(cli, hook_only_adds_to_ancestors)
{
	ASSERT_EQ(0, fake_write(self->f.cg, "a/memory.private_nodes", "3\n"));
	ASSERT_EQ(0, fake_write(self->f.cg, "a/b/memory.private_nodes", "2-3\n"));
	ASSERT_EQ(0, HOOK(state(&self->f, 4242, "\"privnode.io/nodes\": \"2\"")));
	EXPECT_STREQ("2-3", fake_read(self->f.cg, "a/memory.private_nodes"));
	EXPECT_STREQ("2-3\n", fake_read(self->f.cg, "a/b/memory.private_nodes"));
	EXPECT_STREQ("2", fake_read(self->f.cg, "a/b/c/memory.private_nodes"));
}

TEST_F(cli, hook_cdi_node_argument)
{
	ASSERT_EQ(0, HOOK(state(&self->f, 4242, ""), "--node", "3"));
	EXPECT_STREQ("3", fake_read(self->f.cg, "a/b/c/memory.private_nodes"));
	/* Annotations and --node add up; a limit may name the CDI node. */
	ASSERT_EQ(0, HOOK(state(&self->f, 4242, "\"privnode.io/nodes\": \"2\", "
				"\"privnode.io/max\": \"3:1G\""), "--node=3"));
	EXPECT_STREQ("2-3", fake_read(self->f.cg, "a/b/c/memory.private_nodes"));
	EXPECT_EQ(1, HOOK(state(&self->f, 4242, ""), "--node", "x"));
	EXPECT_EQ(1, HOOK(state(&self->f, 4242, ""), "--bogus"));
}

TEST_F(cli, hook_without_request_does_nothing)
{
	ASSERT_EQ(0, HOOK(state(&self->f, 4242, "\"other\": \"x\"")));
	ASSERT_EQ(0, HOOK("{\"ociVersion\": \"1.0.2\", \"id\": \"c\", \"pid\": 1}"));
	EXPECT_STREQ("", fake_writes(&self->f));
	EXPECT_EQ(0, HOOK("", "--help"));
}

TEST_F(cli, hook_refuses_malformed_annotations_before_writing)
{
	static const char *const bad[] = {
		"\"privnode.io/nodes\": \"2\", \"privnode.io/max\": \"2:lots\"",
		"\"privnode.io/nodes\": \"2\", \"privnode.io/fallback\": \"maybe\"",
		"\"privnode.io/nodes\": \"2\", \"privnode.io/max\": \"3:1G\"",
		"\"privnode.io/nodes\": \"2\", \"privnode.io/nodez\": \"3\"",
		"\"privnode.io/nodes\": \"two\"",
		"\"privnode.io/nodes\": 2",
		"\"privnode.io/max\": \"2:1G\"",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(1, HOOK(state(&self->f, 4242, bad[i]))) TH_LOG("case %u", i);
		EXPECT_NE(NULL, strstr(self->r.err, "privnode-oci-hook: container c1: "))
			TH_LOG("case %u: %s", i, self->r.err);
	}
	EXPECT_EQ(1, HOOK("not json"));
	EXPECT_EQ(1, HOOK("{\"pid\": \"4242\"}"));
	EXPECT_STREQ("", fake_writes(&self->f));
}

TEST_F(cli, hook_refuses_what_the_system_refuses_and_undoes)
{
	char bundle[PATH_MAX];

	/* Node not private: nothing written. */
	EXPECT_EQ(4, HOOK(state(&self->f, 4242, "\"privnode.io/nodes\": \"1\"")));
	EXPECT_NE(NULL, strstr(self->r.err, "node 1 is not a private node"));
	EXPECT_STREQ("", fake_writes(&self->f));
	/* A limit write is refused (simulated EACCES): the grants are undone. */
	setenv("PRIVNODE_FAULT", "a/b/c/memory.private_nodes.max=EACCES", 1);
	EXPECT_EQ(3, HOOK(state(&self->f, 4242, "\"privnode.io/nodes\": \"2\", "
				"\"privnode.io/max\": \"2:1G\"")));
	EXPECT_STREQ("\n", fake_read(self->f.cg, "a/memory.private_nodes"));
	EXPECT_STREQ("\n", fake_read(self->f.cg, "a/b/memory.private_nodes"));
	EXPECT_STREQ("\n", fake_read(self->f.cg, "a/b/c/memory.private_nodes"));
	unsetenv("PRIVNODE_FAULT");
	/* No process, no config.json: not found. */
	EXPECT_EQ(2, HOOK(state(&self->f, 999, "\"privnode.io/nodes\": \"2\"")));
	EXPECT_NE(NULL, strstr(self->r.err, "config.json"));
	/* No process, config.json names the cgroup. */
	snprintf(bundle, sizeof(bundle), "%s/bundle", self->f.root);
	ASSERT_EQ(0, fake_write(bundle, "config.json",
				"{\"linux\": {\"cgroupsPath\": \"/a/d\"}}"));
	ASSERT_EQ(0, HOOK(state(&self->f, 999, "\"privnode.io/nodes\": \"3\"")));
	EXPECT_STREQ("3", fake_read(self->f.cg, "a/d/memory.private_nodes"));
	/* The cgroup of config.json is gone. */
	ASSERT_EQ(0, fake_write(bundle, "config.json",
				"{\"linux\": {\"cgroupsPath\": \"/a/gone\"}}"));
	EXPECT_EQ(2, HOOK(state(&self->f, 999, "\"privnode.io/nodes\": \"3\"")));
}

TEST_HARNESS_MAIN
