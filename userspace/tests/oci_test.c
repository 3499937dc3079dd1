// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host unit tests of the request (annotation) parser, the OCI state and
 * config parsers and the CDI spec generator.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "kselftest_harness.h"
#include "privnode.h"

TEST(annotations_good)
{
	struct pn_request req;
	char buf[64];

	pn_request_init(&req);
	EXPECT_EQ(1, pn_request_annotation(&req, "privnode.io/nodes", "2-3"));
	EXPECT_EQ(1, pn_request_annotation(&req, "privnode.io/max", "2:512M,3:max"));
	EXPECT_EQ(1, pn_request_annotation(&req, "privnode.io/fallback", "none"));
	EXPECT_EQ(0, pn_request_annotation(&req, "io.kubernetes.cri.sandbox-id", "x"));
	EXPECT_EQ(0, pn_request_annotation(&req, "privnode.io", "x"));
	EXPECT_EQ(0, pn_request_annotation(&req, "example.com/privnode.io/nodes", "garbage"));
	ASSERT_EQ(0, pn_request_validate(&req));
	pn_nodelist_format(&req.nodes, buf, sizeof(buf));
	EXPECT_STREQ("2-3", buf);
	ASSERT_EQ(2, req.limits.n);
	EXPECT_EQ(512ull << 20, req.limits.l[0].bytes);
	EXPECT_EQ(PN_UNLIMITED, req.limits.l[1].bytes);
	EXPECT_TRUE(req.has_fallback);
	EXPECT_EQ(PN_FALLBACK_NONE, req.fallback);
}

TEST(annotations_bad_leave_request_alone)
{
	static const char *const bad[][2] = {
		{ "privnode.io/nodes", "" },
		{ "privnode.io/nodes", "two" },
		{ "privnode.io/nodes", "2," },
		{ "privnode.io/nodes", " 2" },
		{ "privnode.io/nodes", "2\n" },
		{ "privnode.io/nodes", "4096" },
		{ "privnode.io/max", "" },
		{ "privnode.io/max", "2" },
		{ "privnode.io/max", "2:lots" },
		{ "privnode.io/max", "2:512M,2:1G" },
		{ "privnode.io/fallback", "never" },
		{ "privnode.io/fallback", "none\n" },
		{ "privnode.io/fallback", "" },
		{ "privnode.io/node", "2" },
		{ "privnode.io/", "2" },
		{ "privnode.io/Nodes", "2" },
	};
	struct pn_request req, before;
	unsigned int i;

	pn_request_init(&req);
	ASSERT_EQ(1, pn_request_annotation(&req, "privnode.io/nodes", "2"));
	before = req;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = pn_request_annotation(&req, bad[i][0], bad[i][1]);

		EXPECT_TRUE(err == -EINVAL || err == -ERANGE)
			TH_LOG("%s=\"%s\" gave %d", bad[i][0], bad[i][1], err);
		EXPECT_EQ(0, memcmp(&req, &before, sizeof(req)));
		EXPECT_NE(NULL, strstr(pn_errmsg(), bad[i][0]));
	}
}

TEST(request_validate)
{
	struct pn_request req;

	pn_request_init(&req);
	EXPECT_EQ(-EINVAL, pn_request_validate(&req));
	ASSERT_EQ(1, pn_request_annotation(&req, "privnode.io/max", "3:1G"));
	ASSERT_EQ(1, pn_request_annotation(&req, "privnode.io/nodes", "2"));
	EXPECT_EQ(-EINVAL, pn_request_validate(&req));
	EXPECT_NE(NULL, strstr(pn_errmsg(), "node 3"));
	ASSERT_EQ(1, pn_request_annotation(&req, "privnode.io/nodes", "2-3"));
	EXPECT_EQ(0, pn_request_validate(&req));
}

TEST(oci_state)
{
	struct pn_oci_state st;
	char buf[64];

	ASSERT_EQ(0, pn_oci_state_parse(
		"{\"ociVersion\": \"1.0.2\", \"id\": \"ctr1\", \"status\": \"created\","
		" \"pid\": 4242, \"bundle\": \"/run/bundle\", \"annotations\": {"
		" \"privnode.io/nodes\": \"2\", \"privnode.io/fallback\": \"sysram\","
		" \"other\": \"x\", \"numbers.example/n\": \"1\"}}\n", &st));
	EXPECT_STREQ("ctr1", st.id);
	EXPECT_EQ(4242, st.pid);
	EXPECT_STREQ("/run/bundle", st.bundle);
	EXPECT_EQ(2, st.nannotations);
	pn_nodelist_format(&st.req.nodes, buf, sizeof(buf));
	EXPECT_STREQ("2", buf);
	EXPECT_TRUE(st.req.has_fallback);
	EXPECT_EQ(PN_FALLBACK_SYSRAM, st.req.fallback);

	/* No pid, no annotations: valid, nothing requested. */
	ASSERT_EQ(0, pn_oci_state_parse("{\"id\": \"x\", \"bundle\": \"/b\"}", &st));
	EXPECT_EQ(0, st.pid);
	EXPECT_EQ(0, st.nannotations);
	EXPECT_EQ(0, pn_nodemask_weight(&st.req.nodes));
}

TEST(oci_state_bad)
{
	static const char *const bad[] = {
		"", "{", "[]", "\"x\"", "{} {}", "{\"pid\": \"12\"}", "{\"pid\": -1}",
		"{\"pid\": 1.5}", "{\"pid\": 99999999999}", "{\"bundle\": 3}",
		"{\"annotations\": []}", "{\"annotations\": {\"privnode.io/nodes\": 2}}",
		"{\"annotations\": {\"privnode.io/nodes\": \"2\\u0000\"}}",
		"{\"annotations\": {\"privnode.io/nodes\": \"x\"}}",
		"{\"annotations\": {\"privnode.io/typo\": \"2\"}}",
		"{\"id\": \"\\u0000\"}",
	};
	struct pn_oci_state st;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(-EINVAL, pn_oci_state_parse(bad[i], &st)) TH_LOG("input %u", i);
	/* A non-string annotation of another namespace is not ours to judge. */
	EXPECT_EQ(0, pn_oci_state_parse("{\"annotations\": {\"x\": 1}}", &st));
}

TEST(oci_config_cgroups_path)
{
	char rel[256];

	ASSERT_EQ(0, pn_oci_config_cgroup("{\"linux\": {\"cgroupsPath\": \"/ctr/a\"}}",
					  rel, sizeof(rel)));
	EXPECT_STREQ("ctr/a", rel);
	ASSERT_EQ(0, pn_oci_config_cgroup(
		"{\"ociVersion\": \"1.0.2\", \"linux\": {\"cgroupsPath\": "
		"\"machine.slice:libpod:c1\", \"resources\": {}}}", rel, sizeof(rel)));
	EXPECT_STREQ("machine.slice/libpod-c1.scope", rel);
	EXPECT_EQ(-ENOENT, pn_oci_config_cgroup("{\"linux\": {}}", rel, sizeof(rel)));
	EXPECT_EQ(-ENOENT, pn_oci_config_cgroup("{}", rel, sizeof(rel)));
	EXPECT_EQ(-ENOENT, pn_oci_config_cgroup("{\"linux\": {\"cgroupsPath\": \"\"}}",
						rel, sizeof(rel)));
	EXPECT_EQ(-EINVAL, pn_oci_config_cgroup("{\"linux\": {\"cgroupsPath\": \"rel\"}}",
						rel, sizeof(rel)));
	EXPECT_EQ(-EINVAL, pn_oci_config_cgroup("{\"linux\": {\"cgroupsPath\": 5}}",
						rel, sizeof(rel)));
	EXPECT_EQ(-EINVAL, pn_oci_config_cgroup("not json", rel, sizeof(rel)));
}

TEST(cdi_kind)
{
	EXPECT_TRUE(pn_cdi_kind_valid("privnode.io/node"));
	EXPECT_TRUE(pn_cdi_kind_valid("example.com/private-node"));
	EXPECT_FALSE(pn_cdi_kind_valid("privnode/node"));
	EXPECT_FALSE(pn_cdi_kind_valid("privnode.io"));
	EXPECT_FALSE(pn_cdi_kind_valid("privnode.io/"));
	EXPECT_FALSE(pn_cdi_kind_valid("privnode.io/a/b"));
	EXPECT_FALSE(pn_cdi_kind_valid("-privnode.io/node"));
	EXPECT_FALSE(pn_cdi_kind_valid("privnode.io/node-"));
	EXPECT_FALSE(pn_cdi_kind_valid("privnode.io/no de"));
}

TEST(cdi_spec)
{
	struct json_object *spec, *devs, *dev, *hook, *args, *v;
	struct pn_nodemask m;
	char *text;

	ASSERT_EQ(0, pn_nodelist_parse("2-3", &m));
	ASSERT_EQ(0, pn_cdi_spec(&m, "privnode.io/node", "0.6.0",
				 "/usr/libexec/privnode/privnode-oci-hook", &text));
	spec = json_tokener_parse(text);
	ASSERT_NE(NULL, spec);
	ASSERT_TRUE(json_object_object_get_ex(spec, "cdiVersion", &v));
	EXPECT_STREQ("0.6.0", json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(spec, "kind", &v));
	EXPECT_STREQ("privnode.io/node", json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(spec, "devices", &devs));
	ASSERT_EQ(2, json_object_array_length(devs));
	dev = json_object_array_get_idx(devs, 1);
	ASSERT_TRUE(json_object_object_get_ex(dev, "name", &v));
	EXPECT_STREQ("node3", json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(dev, "containerEdits", &v));
	ASSERT_TRUE(json_object_object_get_ex(v, "hooks", &v));
	ASSERT_EQ(1, json_object_array_length(v));
	hook = json_object_array_get_idx(v, 0);
	ASSERT_TRUE(json_object_object_get_ex(hook, "hookName", &v));
	EXPECT_STREQ("createRuntime", json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(hook, "path", &v));
	EXPECT_STREQ("/usr/libexec/privnode/privnode-oci-hook", json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(hook, "args", &args));
	ASSERT_EQ(3, json_object_array_length(args));
	EXPECT_STREQ("--node", json_object_get_string(json_object_array_get_idx(args, 1)));
	EXPECT_STREQ("3", json_object_get_string(json_object_array_get_idx(args, 2)));
	json_object_put(spec);
	free(text);

	EXPECT_EQ(-EINVAL, pn_cdi_spec(&m, "bad", "0.6.0", "/x", &text));
	EXPECT_EQ(-EINVAL, pn_cdi_spec(&m, "privnode.io/node", "1.0.0", "/x", &text));
	EXPECT_EQ(-EINVAL, pn_cdi_spec(&m, "privnode.io/node", "0.6.0", "rel/x", &text));
}

TEST(exit_codes)
{
	EXPECT_EQ(0, pn_exit_code(0));
	EXPECT_EQ(PN_EXIT_NOTFOUND, pn_exit_code(-ENOENT));
	EXPECT_EQ(PN_EXIT_NOTFOUND, pn_exit_code(-ENODEV));
	EXPECT_EQ(PN_EXIT_PERM, pn_exit_code(-EACCES));
	EXPECT_EQ(PN_EXIT_PERM, pn_exit_code(-EPERM));
	EXPECT_EQ(PN_EXIT_INVALID, pn_exit_code(-EINVAL));
	EXPECT_EQ(PN_EXIT_INVALID, pn_exit_code(-PN_ENOTPRIVATE));
	EXPECT_EQ(PN_EXIT_NOSUPPORT, pn_exit_code(-PN_ENOMEMCG));
	EXPECT_EQ(PN_EXIT_NOSUPPORT, pn_exit_code(-PN_ENOSUPPORT));
	EXPECT_EQ(PN_EXIT_OTHER, pn_exit_code(-EIO));
	EXPECT_STREQ("not a private node", pn_strerror(-PN_ENOTPRIVATE));
	EXPECT_EQ(-EBUSY, pn_seterr(EBUSY, "x %d", 1));
	EXPECT_STREQ("x 1", pn_errmsg());
}

TEST_HARNESS_MAIN
