// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kfmt.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_';
}

/* Decimal digits at *p into *v; at least one digit, overflow is -ERANGE. */
static int parse_u64(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int err = 0;

	if (!is_digit(*s))
		return -EINVAL;
	for (; is_digit(*s); s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (x > (UINT64_MAX - d) / 10)
			err = -ERANGE;
		else
			x = x * 10 + d;
	}
	*p = s;
	if (!err)
		*v = x;
	return err;
}

/* A node id < PN_MAX_NODES. */
static int parse_node(const char **p, unsigned int *node)
{
	uint64_t v;
	int err = parse_u64(p, &v);

	if (err)
		return err;
	if (v >= PN_MAX_NODES)
		return -ERANGE;
	*node = (unsigned int)v;
	return 0;
}

/* A value of a keyed file: decimal or "max". */
static int parse_value(const char **p, uint64_t *v)
{
	if (!strncmp(*p, "max", 3)) {
		*p += 3;
		*v = PN_UNLIMITED;
		return 0;
	}
	return parse_u64(p, v);
}

static int parse_key(const char **p, char *key)
{
	const char *s = *p;
	size_t n = 0;

	while (is_key_char(s[n]))
		n++;
	if (!n)
		return -EINVAL;
	if (n >= PN_KEY_MAX)
		return -ERANGE;
	memcpy(key, s, n);
	key[n] = '\0';
	*p = s + n;
	return 0;
}

static const char size_units[] = "KMGTPE";

int pn_size_parse(const char *s, uint64_t *bytes)
{
	const char *p = s, *u;
	unsigned int shift = 0;
	uint64_t v;
	int err;

	if (!strcmp(s, "max")) {
		*bytes = PN_UNLIMITED;
		return 0;
	}
	err = parse_u64(&p, &v);
	if (err)
		return err;
	if (*p) {
		u = strchr(size_units, *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
		if (!u || !*u || p[1])
			return -EINVAL;
		shift = 10 * (unsigned int)(u - size_units + 1);
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
	}
	*bytes = v;
	return 0;
}

static int fmt_ret(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int pn_size_format(uint64_t bytes, char *buf, size_t len)
{
	if (bytes == PN_UNLIMITED)
		return fmt_ret(snprintf(buf, len, "max"), len);
	return fmt_ret(snprintf(buf, len, "%" PRIu64, bytes), len);
}

int pn_size_human(uint64_t bytes, char *buf, size_t len)
{
	unsigned int i = 0;
	uint64_t unit, whole, tenth;

	if (bytes == PN_UNLIMITED)
		return fmt_ret(snprintf(buf, len, "max"), len);
	while (i < 6 && bytes >> (10 * (i + 1)))
		i++;
	if (!i)
		return fmt_ret(snprintf(buf, len, "%" PRIu64, bytes), len);
	unit = (uint64_t)1 << (10 * i);
	whole = bytes / unit;
	if (bytes % unit == 0)
		return fmt_ret(snprintf(buf, len, "%" PRIu64 "%c", whole,
					size_units[i - 1]), len);
	tenth = (bytes % unit) * 10 / unit;	/* < 10 * 2^60: no overflow */
	return fmt_ret(snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%c", whole,
				tenth, size_units[i - 1]), len);
}

void pn_nested_free(struct pn_nested *n)
{
	free(n->lines);
	n->lines = NULL;
	n->n = 0;
}

int pn_nested_parse(const char *text, struct pn_nested *out)
{
	struct pn_nested res = { 0, NULL };
	struct pn_nested_line *line, *nl;
	const char *p = text;
	unsigned int cap = 0, i;
	int err = -EINVAL;

	out->n = 0;
	out->lines = NULL;
	while (*p) {
		if (res.n == cap) {
			cap = cap ? cap * 2 : 4;
			nl = realloc(res.lines, cap * sizeof(*nl));
			if (!nl) {
				err = -ENOMEM;
				goto fail;
			}
			res.lines = nl;
		}
		line = &res.lines[res.n];
		memset(line, 0, sizeof(*line));
		err = parse_node(&p, &line->node);
		if (err)
			goto fail;
		for (i = 0; i < res.n; i++)
			if (res.lines[i].node == line->node) {
				err = -EINVAL;
				goto fail;
			}
		err = -EINVAL;
		if (*p != ' ')
			goto fail;
		while (*p == ' ') {
			struct pn_kv *kv;

			p++;
			if (line->nkv == PN_NESTED_MAX_KEYS) {
				err = -ERANGE;
				goto fail;
			}
			kv = &line->kv[line->nkv];
			err = parse_key(&p, kv->key);
			if (err)
				goto fail;
			err = -EINVAL;
			if (*p++ != '=')
				goto fail;
			err = parse_value(&p, &kv->val);
			if (err)
				goto fail;
			err = -EINVAL;
			for (i = 0; i < line->nkv; i++)
				if (!strcmp(line->kv[i].key, kv->key))
					goto fail;
			line->nkv++;
		}
		if (*p == '\n')
			p++;
		else if (*p)
			goto fail;
		res.n++;
	}
	*out = res;
	return 0;
fail:
	free(res.lines);
	return err;
}

const struct pn_nested_line *pn_nested_find(const struct pn_nested *n,
					    unsigned int node)
{
	unsigned int i;

	for (i = 0; i < n->n; i++)
		if (n->lines[i].node == node)
			return &n->lines[i];
	return NULL;
}

int pn_nested_get(const struct pn_nested_line *line, const char *key,
		  uint64_t *val)
{
	unsigned int i;

	for (i = 0; i < line->nkv; i++)
		if (!strcmp(line->kv[i].key, key)) {
			*val = line->kv[i].val;
			return 0;
		}
	return -ENOENT;
}

int pn_nested_format(const struct pn_nested *n, char **out)
{
	/* node (4) + per key: space, key, '=', 20 digits */
	size_t cap = (size_t)n->n * (8 + PN_NESTED_MAX_KEYS * (PN_KEY_MAX + 24)) + 1;
	size_t used = 0;
	unsigned int i, k;
	char *buf = malloc(cap), num[24];

	if (!buf)
		return -ENOMEM;
	buf[0] = '\0';
	for (i = 0; i < n->n; i++) {
		const struct pn_nested_line *l = &n->lines[i];

		used += (size_t)snprintf(buf + used, cap - used, "%u", l->node);
		for (k = 0; k < l->nkv; k++) {
			pn_size_format(l->kv[k].val, num, sizeof(num));
			used += (size_t)snprintf(buf + used, cap - used, " %s=%s",
						 l->kv[k].key, num);
		}
		used += (size_t)snprintf(buf + used, cap - used, "\n");
	}
	*out = buf;
	return 0;
}

int pn_flat_parse(const char *text, struct pn_flat *out)
{
	struct pn_flat res;
	const char *p = text;
	unsigned int i;
	int err;

	res.n = 0;
	while (*p) {
		struct pn_kv *kv;

		if (res.n == PN_FLAT_MAX_KEYS)
			return -ERANGE;
		kv = &res.kv[res.n];
		err = parse_key(&p, kv->key);
		if (err)
			return err;
		if (*p++ != ' ')
			return -EINVAL;
		err = parse_u64(&p, &kv->val);
		if (err)
			return err;
		if (*p == '\n')
			p++;
		else if (*p)
			return -EINVAL;
		for (i = 0; i < res.n; i++)
			if (!strcmp(res.kv[i].key, kv->key))
				return -EINVAL;
		res.n++;
	}
	*out = res;
	return 0;
}

int pn_flat_get(const struct pn_flat *f, const char *key, uint64_t *val)
{
	unsigned int i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->kv[i].key, key)) {
			*val = f->kv[i].val;
			return 0;
		}
	return -ENOENT;
}

int pn_flat_format(const struct pn_flat *f, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;
	int n;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	for (i = 0; i < f->n; i++) {
		n = snprintf(buf + used, len - used, "%s %" PRIu64 "\n",
			     f->kv[i].key, f->kv[i].val);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return (int)used;
}

int pn_fallback_parse(const char *s, enum pn_fallback *fb)
{
	size_t len = strlen(s);

	if (len && s[len - 1] == '\n')
		len--;
	if (len == 6 && !strncmp(s, "sysram", 6))
		*fb = PN_FALLBACK_SYSRAM;
	else if (len == 4 && !strncmp(s, "none", 4))
		*fb = PN_FALLBACK_NONE;
	else
		return -EINVAL;
	return 0;
}

const char *pn_fallback_name(enum pn_fallback fb)
{
	return fb == PN_FALLBACK_NONE ? "none" : "sysram";
}

int pn_max_write_format(unsigned int node, uint64_t bytes, char *buf,
			size_t len)
{
	char num[24];

	pn_size_format(bytes, num, sizeof(num));
	return fmt_ret(snprintf(buf, len, "%u max=%s", node, num), len);
}

int pn_limits_parse(const char *s, struct pn_limits *out)
{
	struct pn_limits res;
	const char *p = s, *end;
	char size[32];
	unsigned int i;
	int err;

	res.n = 0;
	if (!*s)
		return -EINVAL;
	for (;;) {
		struct pn_limit *l;

		if (res.n == sizeof(res.l) / sizeof(res.l[0]))
			return -ERANGE;
		l = &res.l[res.n];
		err = parse_node(&p, &l->node);
		if (err)
			return err;
		if (*p++ != ':')
			return -EINVAL;
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) >= sizeof(size))
			return -EINVAL;
		memcpy(size, p, (size_t)(end - p));
		size[end - p] = '\0';
		err = pn_size_parse(size, &l->bytes);
		if (err)
			return err;
		for (i = 0; i < res.n; i++)
			if (res.l[i].node == l->node)
				return -EINVAL;
		res.n++;
		if (!*end)
			break;
		p = end + 1;
	}
	*out = res;
	return 0;
}

int pn_limits_format(const struct pn_limits *l, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;
	char num[24];
	int n;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	for (i = 0; i < l->n; i++) {
		pn_size_format(l->l[i].bytes, num, sizeof(num));
		n = snprintf(buf + used, len - used, "%s%u:%s", i ? "," : "",
			     l->l[i].node, num);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return (int)used;
}

/* One meminfo line "Node <nid> <key>: <spaces><kB> kB". */
static int meminfo_line(const char **p, unsigned int *nid, char *key,
			uint64_t *bytes)
{
	const char *s = *p;
	size_t n = 0;
	uint64_t kb;
	int err;

	if (strncmp(s, "Node ", 5))
		return -EINVAL;
	s += 5;
	err = parse_node(&s, nid);
	if (err)
		return err;
	if (*s++ != ' ')
		return -EINVAL;
	while (s[n] && s[n] != ':' && s[n] != '\n' && s[n] != ' ')
		n++;
	if (!n || s[n] != ':' || n >= PN_KEY_MAX)
		return -EINVAL;
	memcpy(key, s, n);
	key[n] = '\0';
	s += n + 1;
	while (*s == ' ')
		s++;
	err = parse_u64(&s, &kb);
	if (err)
		return err;
	if (strncmp(s, " kB", 3))
		return -EINVAL;
	s += 3;
	if (*s == '\n')
		s++;
	else if (*s)
		return -EINVAL;
	if (kb > UINT64_MAX / 1024)
		return -ERANGE;
	*bytes = kb * 1024;
	*p = s;
	return 0;
}

int pn_meminfo_parse(const char *text, unsigned int nid, uint64_t *total,
		     uint64_t *free)
{
	bool have_total = false, have_free = false;
	uint64_t t = 0, f = 0, v;
	const char *p = text;
	char key[PN_KEY_MAX];
	unsigned int n;
	int err;

	while (*p) {
		err = meminfo_line(&p, &n, key, &v);
		if (err)
			return err;
		if (n != nid)
			return -EINVAL;
		if (!strcmp(key, "MemTotal")) {
			t = v;
			have_total = true;
		} else if (!strcmp(key, "MemFree")) {
			f = v;
			have_free = true;
		}
	}
	if (!have_total || !have_free)
		return -ENOENT;
	*total = t;
	*free = f;
	return 0;
}

int pn_proc_cgroup_parse(const char *text, char *path, size_t len)
{
	static const char deleted[] = " (deleted)";
	const char *p = text, *eol;
	char buf[4096];
	size_t n;

	while (*p) {
		eol = strchr(p, '\n');
		n = eol ? (size_t)(eol - p) : strlen(p);
		if (n >= 3 && !strncmp(p, "0::", 3)) {
			p += 3;
			n -= 3;
			if (n >= sizeof(deleted) - 1 &&
			    !memcmp(p + n - (sizeof(deleted) - 1), deleted,
				    sizeof(deleted) - 1))
				return -ENOENT;
			if (!n || *p != '/' || n >= sizeof(buf))
				return -EINVAL;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return pn_cgroup_path_clean(buf, path, len);
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return -ENOENT;
}

int pn_cgroup_path_clean(const char *s, char *path, size_t len)
{
	const char *p = s, *c;
	size_t used = 0, n;

	if (!len)
		return -ENAMETOOLONG;
	for (c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return -EINVAL;
	path[0] = '\0';
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		c = strchr(p, '/');
		n = c ? (size_t)(c - p) : strlen(p);
		if ((n == 1 && p[0] == '.') || (n == 2 && !strncmp(p, "..", 2)))
			return -EINVAL;
		if (used + !!used + n >= len)
			return -ENAMETOOLONG;
		if (used)
			path[used++] = '/';
		memcpy(path + used, p, n);
		used += n;
		path[used] = '\0';
		p += n;
	}
	return 0;
}

/* Append the path of a systemd slice ("a-b.slice" is a.slice/a-b.slice). */
static int slice_path(const char *slice, size_t n, char *out, size_t len,
		      size_t *used)
{
	size_t i, stem = n - 6;	/* without ".slice" */
	int w;

	if (n < 6 || strncmp(slice + stem, ".slice", 6) || memchr(slice, '/', n))
		return -EINVAL;
	if (stem == 1 && slice[0] == '-')	/* "-.slice", the root */
		return 0;
	if (!stem || slice[0] == '-' || slice[stem - 1] == '-')
		return -EINVAL;
	for (i = 0; i <= stem; i++) {
		if (i < stem && slice[i] != '-')
			continue;
		if (i < stem && slice[i + 1] == '-')
			return -EINVAL;
		w = snprintf(out + *used, len - *used, "%s%.*s.slice",
			     *used ? "/" : "", (int)i, slice);
		if (w < 0 || (size_t)w >= len - *used)
			return -ENAMETOOLONG;
		*used += (size_t)w;
	}
	return 0;
}

int pn_cgroups_path_parse(const char *s, char *path, size_t len)
{
	const char *c1, *c2, *name;
	char buf[4096];
	size_t used = 0;
	int err, w;

	c1 = strchr(s, ':');
	if (!c1) {
		if (s[0] != '/')
			return -EINVAL;
		return pn_cgroup_path_clean(s, path, len);
	}
	c2 = strchr(c1 + 1, ':');
	if (!c2 || strchr(c2 + 1, ':'))
		return -EINVAL;
	name = c2 + 1;
	if (!*name || strchr(name, '/') || strchr(c1 + 1, '/') ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	buf[0] = '\0';
	/* runc and crun: an empty slice means system.slice. */
	if (c1 == s)
		err = slice_path("system.slice", 12, buf, sizeof(buf), &used);
	else
		err = slice_path(s, (size_t)(c1 - s), buf, sizeof(buf), &used);
	if (err)
		return err;
	if (strlen(name) > 6 && !strcmp(name + strlen(name) - 6, ".slice"))
		w = snprintf(buf + used, sizeof(buf) - used, "%s%s",
			     used ? "/" : "", name);
	else if (c2 > c1 + 1)
		w = snprintf(buf + used, sizeof(buf) - used, "%s%.*s-%s.scope",
			     used ? "/" : "", (int)(c2 - c1 - 1), c1 + 1, name);
	else
		w = snprintf(buf + used, sizeof(buf) - used, "%s%s.scope",
			     used ? "/" : "", name);
	if (w < 0 || (size_t)w >= sizeof(buf) - used)
		return -ENAMETOOLONG;
	return pn_cgroup_path_clean(buf, path, len);
}
