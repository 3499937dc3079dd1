// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: every kernel-format parser of lib/kfmt.c and the node
 * list parser.  Whatever parses must print back to something that parses to
 * the same value (and prints the same again).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kfmt.h"
#include "nodelist.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void nodelist(const char *s)
{
	struct pn_nodemask a, b;
	char buf[8192];

	if (pn_nodelist_parse(s, &a))
		return;
	CHECK(pn_nodelist_format(&a, buf, sizeof(buf)) >= 0);
	CHECK(!pn_nodelist_parse(buf, &b));
	CHECK(!memcmp(&a, &b, sizeof(a)));
}

static void nested(const char *s)
{
	struct pn_nested a, b;
	char *fa, *fb;
	unsigned int i;

	if (pn_nested_parse(s, &a))
		return;
	CHECK(!pn_nested_format(&a, &fa));
	CHECK(!pn_nested_parse(fa, &b));
	CHECK(a.n == b.n);
	for (i = 0; i < a.n; i++) {
		CHECK(a.lines[i].node == b.lines[i].node);
		CHECK(a.lines[i].nkv == b.lines[i].nkv);
		CHECK(!memcmp(a.lines[i].kv, b.lines[i].kv,
			      a.lines[i].nkv * sizeof(a.lines[i].kv[0])));
		CHECK(pn_nested_find(&a, a.lines[i].node) == &a.lines[i]);
	}
	CHECK(!pn_nested_format(&b, &fb));
	CHECK(!strcmp(fa, fb));
	free(fa);
	free(fb);
	pn_nested_free(&a);
	pn_nested_free(&b);
}

static void flat(const char *s)
{
	struct pn_flat a, b;
	char buf[PN_FLAT_MAX_KEYS * 64];

	if (pn_flat_parse(s, &a))
		return;
	CHECK(pn_flat_format(&a, buf, sizeof(buf)) >= 0);
	CHECK(!pn_flat_parse(buf, &b));
	CHECK(a.n == b.n && !memcmp(a.kv, b.kv, a.n * sizeof(a.kv[0])));
}

static void sizes(const char *s)
{
	uint64_t a, b;
	char buf[32];

	if (!pn_size_parse(s, &a)) {
		CHECK(pn_size_format(a, buf, sizeof(buf)) > 0);
		CHECK(!pn_size_parse(buf, &b) && a == b);
		CHECK(pn_size_human(a, buf, sizeof(buf)) > 0);
	}
}

static void limits(const char *s)
{
	struct pn_limits a, b;
	char buf[64 * 32];

	if (pn_limits_parse(s, &a))
		return;
	CHECK(pn_limits_format(&a, buf, sizeof(buf)) > 0);
	CHECK(!pn_limits_parse(buf, &b));
	CHECK(a.n == b.n && !memcmp(a.l, b.l, a.n * sizeof(a.l[0])));
}

static void paths(const char *s)
{
	char a[4096], b[4096];
	enum pn_fallback fb;
	uint64_t t, f;

	if (!pn_cgroup_path_clean(s, a, sizeof(a))) {
		CHECK(!pn_cgroup_path_clean(a, b, sizeof(b)));
		CHECK(!strcmp(a, b));
		CHECK(a[0] != '/' && !strstr(a, "//"));
	}
	if (!pn_proc_cgroup_parse(s, a, sizeof(a)))
		CHECK(!pn_cgroup_path_clean(a, b, sizeof(b)) && !strcmp(a, b));
	if (!pn_cgroups_path_parse(s, a, sizeof(a)))
		CHECK(!pn_cgroup_path_clean(a, b, sizeof(b)) && !strcmp(a, b));
	if (!pn_fallback_parse(s, &fb))
		CHECK(!strncmp(s, pn_fallback_name(fb), strlen(pn_fallback_name(fb))));
	pn_meminfo_parse(s, 2, &t, &f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	nodelist(s);
	nested(s);
	flat(s);
	sizes(s);
	limits(s);
	paths(s);
	free(s);
	return 0;
}
