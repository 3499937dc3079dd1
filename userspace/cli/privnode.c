// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * privnode: list private memory nodes, grant them to cgroups, limit and
 * watch their use.  The man page is man/privnode.1.scd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libsmartcols/libsmartcols.h>

#include "privnode.h"

#ifndef PN_VERSION
#define PN_VERSION "0.1"
#endif
#ifndef PN_HOOK_PATH
#define PN_HOOK_PATH "/usr/local/libexec/privnode/privnode-oci-hook"
#endif

static const char usage_text[] =
"Usage: privnode COMMAND [OPTION...] [ARG...]\n"
"\n"
"Private memory nodes and the cgroups that may use them.\n"
"\n"
"Commands:\n"
"  list [--json] [--bytes]            private nodes: owner, services, size, free\n"
"  show CG [--json]                   a cgroup's request, effective grant, limits, fallback\n"
"  grant CG NODES [--no-ancestors]    add NODES to CG's request and to every ancestor's\n"
"  revoke CG NODES                    drop NODES from CG's own request\n"
"  limit CG NODE:SIZE[,NODE:SIZE...]  cap CG's use of nodes (SIZE like 512M, or max)\n"
"  fallback CG [sysram|none]          show or set what a full node does\n"
"  stat [CG] [-r] [--json] [--bytes] [--watch SEC [--count N]]\n"
"                                     use per cgroup and node (all cgroups without CG)\n"
"  events CG [--local] [--json]       the cgroup's private-node events\n"
"  exec --parent CG --nodes NODES [--name NAME] [--max LIMITS] [--fallback F]\n"
"       [--no-ancestors] -- COMMAND [ARG...]\n"
"                                     run COMMAND in a new cgroup granted NODES\n"
"  cdi-spec [--nodes NODES] [--kind KIND] [--cdi-version V] [--hook PATH] [-o FILE]\n"
"                                     a CDI spec with one device per private node\n"
"\n"
"CG is a cgroup path (/sys/fs/cgroup/a/b, /a/b or a/b), or --unit UNIT for\n"
"the cgroup of a systemd unit (exec: --unit names the parent).\n"
"NODES is a node list: 2, 2-3,5.\n"
"\n"
"Exit status: 0 ok, 1 usage or syntax error, 2 cgroup/unit/node not found,\n"
"3 permission denied, 4 invalid (node not private, value refused),\n"
"5 no memory controller or no private-node kernel, 6 other error;\n"
"exec: 126/127 if COMMAND cannot be run.  See privnode(1).\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("privnode: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'privnode --help'.\n", stderr);
	return PN_EXIT_USAGE;
}

static int fail(int err)
{
	fprintf(stderr, "privnode: %s\n", pn_errmsg());
	return pn_exit_code(err);
}

/* Options common to the cgroup commands. */
struct opts {
	const char *unit;
	bool json, bytes, local, recursive, no_ancestors;
	double watch;
	long count;
	const char *parent, *name, *nodes, *max, *fallback;
	const char *kind, *cdi_version, *hook, *output;
};

enum { O_JSON = 256, O_BYTES, O_UNIT, O_LOCAL, O_NOANC, O_WATCH, O_COUNT,
       O_PARENT, O_NAME, O_NODES, O_MAX, O_FALLBACK, O_KIND, O_CDIVER, O_HOOK };

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, O_JSON },
	{ "bytes", no_argument, NULL, O_BYTES },
	{ "unit", required_argument, NULL, O_UNIT },
	{ "local", no_argument, NULL, O_LOCAL },
	{ "recursive", no_argument, NULL, 'r' },
	{ "no-ancestors", no_argument, NULL, O_NOANC },
	{ "watch", required_argument, NULL, O_WATCH },
	{ "count", required_argument, NULL, O_COUNT },
	{ "parent", required_argument, NULL, O_PARENT },
	{ "name", required_argument, NULL, O_NAME },
	{ "nodes", required_argument, NULL, O_NODES },
	{ "max", required_argument, NULL, O_MAX },
	{ "fallback", required_argument, NULL, O_FALLBACK },
	{ "kind", required_argument, NULL, O_KIND },
	{ "cdi-version", required_argument, NULL, O_CDIVER },
	{ "hook", required_argument, NULL, O_HOOK },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * Parse options; allowed lists the option values this command takes.
 * Returns the index of the first operand, or -1 after a usage error.
 */
static int parse_opts(int argc, char **argv, const int *allowed, struct opts *o,
		      bool stop_at_operand)
{
	const int *a;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->count = -1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, stop_at_operand ? "+:rho:" : ":rho:",
				long_opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			exit(0);
		}
		if (c == '?') {
			usage_error("%s: unknown option '%s'", argv[0], argv[optind - 1]);
			return -1;
		}
		if (c == ':') {
			usage_error("%s: option '%s' needs a value", argv[0], argv[optind - 1]);
			return -1;
		}
		for (a = allowed; *a && *a != c; a++)
			;
		if (!*a) {
			usage_error("%s: option '%s' does not apply", argv[0], argv[optind - 1]);
			return -1;
		}
		switch (c) {
		case O_JSON: o->json = true; break;
		case O_BYTES: o->bytes = true; break;
		case O_UNIT: o->unit = optarg; break;
		case O_LOCAL: o->local = true; break;
		case 'r': o->recursive = true; break;
		case O_NOANC: o->no_ancestors = true; break;
		case O_WATCH:
			o->watch = strtod(optarg, &end);
			if (*end || !(o->watch > 0) || o->watch > 86400) {
				usage_error("--watch: not a number of seconds: %s", optarg);
				return -1;
			}
			break;
		case O_COUNT:
			o->count = strtol(optarg, &end, 10);
			if (*end || o->count < 1) {
				usage_error("--count: not a positive number: %s", optarg);
				return -1;
			}
			break;
		case O_PARENT: o->parent = optarg; break;
		case O_NAME: o->name = optarg; break;
		case O_NODES: o->nodes = optarg; break;
		case O_MAX: o->max = optarg; break;
		case O_FALLBACK: o->fallback = optarg; break;
		case O_KIND: o->kind = optarg; break;
		case O_CDIVER: o->cdi_version = optarg; break;
		case O_HOOK: o->hook = optarg; break;
		case 'o': o->output = optarg; break;
		}
	}
	return optind;
}

/* The cgroup named by --unit or the next operand; advances *i. */
static int get_cgroup(const struct opts *o, int argc, char **argv, int *i,
		      char *rel, size_t len)
{
	int err;

	if (o->unit)
		err = pn_unit_cgroup(o->unit, rel, len);
	else if (*i < argc)
		err = pn_cgroup_resolve(argv[(*i)++], rel, len);
	else
		return usage_error("%s: no cgroup given", argv[0]);
	return err ? fail(err) : 0;
}

static int parse_nodes_arg(const char *cmd, const char *s, struct pn_nodemask *m)
{
	int err = pn_nodelist_parse(s, m);

	if (err == -ERANGE)
		return usage_error("%s: node number out of range in \"%s\"", cmd, s);
	if (err || s[strlen(s) - (*s ? 1 : 0)] == '\n')
		return usage_error("%s: not a node list: \"%s\" (expected e.g. 2 or 2-3,5)",
				   cmd, s);
	if (!pn_nodemask_weight(m))
		return usage_error("%s: no node given", cmd);
	return 0;
}

static int parse_limits_arg(const char *cmd, const char *s, struct pn_limits *l)
{
	if (pn_limits_parse(s, l))
		return usage_error("%s: not a limit list: \"%s\" (expected "
				   "NODE:SIZE[,NODE:SIZE...], e.g. 2:512M,3:max)", cmd, s);
	return 0;
}

static int parse_fallback_arg(const char *cmd, const char *s, enum pn_fallback *fb)
{
	if (pn_fallback_parse(s, fb) || strchr(s, '\n'))
		return usage_error("%s: fallback must be sysram or none, not \"%s\"", cmd, s);
	return 0;
}

static int too_many(int i, int argc, char **argv)
{
	if (i < argc)
		return usage_error("%s: unexpected argument '%s'", argv[0], argv[i]);
	return 0;
}

/* ---- output through libsmartcols ---- */

struct table {
	struct libscols_table *tb;
	bool json, bytes;
};

static int table_init(struct table *t, const char *name, const struct opts *o)
{
	t->json = o->json;
	t->bytes = o->bytes;
	t->tb = scols_new_table();
	if (!t->tb)
		return pn_seterr(ENOMEM, "out of memory");
	if (t->json) {
		scols_table_enable_json(t->tb, 1);
		scols_table_set_name(t->tb, name);
	}
	return 0;
}

enum coltype { COL_STR, COL_NUM, COL_SIZE };

static void table_col(struct table *t, const char *name, enum coltype type)
{
	struct libscols_column *cl;

	cl = scols_table_new_column(t->tb, name, 0, type == COL_STR ? 0 : SCOLS_FL_RIGHT);
	if (cl && type != COL_STR)
		scols_column_set_json_type(cl, SCOLS_JSON_NUMBER);
}

/*
 * A size cell: bytes in JSON ("max" is null: no limit) and with --bytes,
 * 512M style otherwise.
 */
static void cell_size(struct table *t, struct libscols_line *ln, size_t col,
		      uint64_t v)
{
	char buf[32];

	if (t->json && v == PN_UNLIMITED)
		return;		/* null */
	if (t->json || t->bytes)
		pn_size_format(v, buf, sizeof(buf));
	else
		pn_size_human(v, buf, sizeof(buf));
	scols_line_set_data(ln, col, buf);
}

static void cell_num(struct libscols_line *ln, size_t col, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	scols_line_set_data(ln, col, buf);
}

static int table_print(struct table *t)
{
	int err = scols_print_table(t->tb);

	scols_unref_table(t->tb);
	fflush(stdout);
	return err ? pn_seterr(EIO, "cannot print the table") : 0;
}

/* ---- list ---- */

static int cmd_list(int argc, char **argv)
{
	static const int allowed[] = { O_JSON, O_BYTES, 0 };
	struct pn_node_info info;
	struct pn_nodemask priv;
	struct libscols_line *ln;
	struct table t;
	struct opts o;
	unsigned int i;
	int n, err;

	n = parse_opts(argc, argv, allowed, &o, false);
	if (n < 0)
		return PN_EXIT_USAGE;
	if (too_many(n, argc, argv))
		return PN_EXIT_USAGE;
	err = pn_nodes_private(&priv);
	if (err)
		return fail(err);
	err = table_init(&t, "nodes", &o);
	if (err)
		return fail(err);
	table_col(&t, "NODE", COL_NUM);
	table_col(&t, "OWNER", COL_STR);
	table_col(&t, "SERVICES", COL_STR);
	table_col(&t, "SIZE", COL_SIZE);
	table_col(&t, "FREE", COL_SIZE);
	for (i = 0; i < PN_MAX_NODES; i++) {
		if (!pn_nodemask_test(&priv, i))
			continue;
		err = pn_node_info(i, &info);
		if (err == -ENOENT)
			continue;	/* went away while we looked */
		if (err) {
			scols_unref_table(t.tb);
			return fail(err);
		}
		ln = scols_table_new_line(t.tb, NULL);
		if (!ln)
			break;
		cell_num(ln, 0, i);
		scols_line_set_data(ln, 1, info.owner[0] ? info.owner : t.json ? NULL : "-");
		scols_line_set_data(ln, 2, info.services[0] ? info.services : t.json ? "" : "-");
		if (info.has_meminfo) {
			cell_size(&t, ln, 3, info.total);
			cell_size(&t, ln, 4, info.free);
		}
	}
	err = table_print(&t);
	return err ? fail(err) : 0;
}

/* ---- show ---- */

static int cmd_show(int argc, char **argv)
{
	static const int allowed[] = { O_JSON, O_UNIT, 0 };
	char rel[PN_CG_PATH_MAX], req_s[1024], eff_s[1024], lim_s[4096];
	struct pn_nodemask req, eff;
	struct pn_nested max;
	struct pn_limits lims;
	enum pn_fallback fb;
	struct table t;
	struct libscols_line *ln;
	struct opts o;
	unsigned int i;
	int n, err;

	n = parse_opts(argc, argv, allowed, &o, false);
	if (n < 0)
		return PN_EXIT_USAGE;
	err = get_cgroup(&o, argc, argv, &n, rel, sizeof(rel));
	if (err || (err = too_many(n, argc, argv)))
		return err;
	err = pn_cg_check(rel);
	if (!err)
		err = pn_cg_read_request(rel, &req);
	if (!err)
		err = pn_cg_read_effective(rel, &eff);
	if (!err)
		err = pn_cg_read_fallback(rel, &fb);
	if (!err)
		err = pn_cg_read_max(rel, &max);
	if (err)
		return fail(err);
	lims.n = 0;
	for (i = 0; i < max.n && lims.n < sizeof(lims.l) / sizeof(lims.l[0]); i++) {
		if (pn_nested_get(&max.lines[i], "max", &lims.l[lims.n].bytes))
			continue;
		lims.l[lims.n++].node = max.lines[i].node;
	}
	pn_nested_free(&max);
	pn_nodelist_format(&req, req_s, sizeof(req_s));
	pn_nodelist_format(&eff, eff_s, sizeof(eff_s));
	if (pn_limits_format(&lims, lim_s, sizeof(lim_s)) < 0)
		strcpy(lim_s, "...");
	if (!o.json) {
		printf("cgroup:    /%s\n", rel);
		printf("requested: %s\n", req_s[0] ? req_s : "(none)");
		printf("effective: %s\n", eff_s[0] ? eff_s : "(none)");
		printf("max:       %s\n", lim_s[0] ? lim_s : "(no limit)");
		printf("fallback:  %s\n", pn_fallback_name(fb));
		return 0;
	}
	err = table_init(&t, "cgroups", &o);
	if (err)
		return fail(err);
	table_col(&t, "CGROUP", COL_STR);
	table_col(&t, "REQUESTED", COL_STR);
	table_col(&t, "EFFECTIVE", COL_STR);
	table_col(&t, "MAX", COL_STR);
	table_col(&t, "FALLBACK", COL_STR);
	ln = scols_table_new_line(t.tb, NULL);
	if (ln) {
		char cg[PN_CG_PATH_MAX + 1];

		snprintf(cg, sizeof(cg), "/%s", rel);
		scols_line_set_data(ln, 0, cg);
		scols_line_set_data(ln, 1, req_s);
		scols_line_set_data(ln, 2, eff_s);
		scols_line_set_data(ln, 3, lim_s);
		scols_line_set_data(ln, 4, pn_fallback_name(fb));
	}
	err = table_print(&t);
	return err ? fail(err) : 0;
}

/* ---- grant, revoke, limit, fallback ---- */

static int cmd_grant(int argc, char **argv)
{
	static const int allowed[] = { O_UNIT, O_NOANC, 0 };
	char rel[PN_CG_PATH_MAX];
	struct pn_nodemask m;
	struct opts o;
	int n, err;
	bool revoke = !strcmp(argv[0], "revoke");

	n = parse_opts(argc, argv, allowed, &o, false);
	if (n < 0)
		return PN_EXIT_USAGE;
	if (revoke && o.no_ancestors)
		return usage_error("revoke: --no-ancestors does not apply");
	err = get_cgroup(&o, argc, argv, &n, rel, sizeof(rel));
	if (err)
		return err;
	if (n >= argc)
		return usage_error("%s: no node list given", argv[0]);
	if ((err = parse_nodes_arg(argv[0], argv[n++], &m)) ||
	    (err = too_many(n, argc, argv)))
		return err;
	if (revoke)
		err = pn_cg_revoke(rel, &m);
	else
		err = pn_cg_grant(rel, &m, o.no_ancestors ? PN_APPLY_NO_ANCESTORS : 0);
	return err ? fail(err) : 0;
}

static int cmd_limit(int argc, char **argv)
{
	static const int allowed[] = { O_UNIT, 0 };
	char rel[PN_CG_PATH_MAX];
	struct pn_limits l;
	struct opts o;
	int n, err;

	n = parse_opts(argc, argv, allowed, &o, false);
	if (n < 0)
		return PN_EXIT_USAGE;
	err = get_cgroup(&o, argc, argv, &n, rel, sizeof(rel));
	if (err)
		return err;
	if (n >= argc)
		return usage_error("limit: no NODE:SIZE given");
	if ((err = parse_limits_arg("limit", argv[n++], &l)) ||
	    (err = too_many(n, argc, argv)))
		return err;
	err = pn_cg_limit(rel, &l);
	return err ? fail(err) : 0;
}

static int cmd_fallback(int argc, char **argv)
{
	static const int allowed[] = { O_UNIT, 0 };
	char rel[PN_CG_PATH_MAX];
	enum pn_fallback fb;
	struct opts o;
	int n, err;

	n = parse_opts(argc, argv, allowed, &o, false);
	if (n < 0)
		return PN_EXIT_USAGE;
	err = get_cgroup(&o, argc, argv, &n, rel, sizeof(rel));
	if (err)
		return err;
	if (n == argc) {
		err = pn_cg_read_fallback(rel, &fb);
		if (err)
			return fail(err);
		printf("%s\n", pn_fallback_name(fb));
		return 0;
	}
	if ((err = parse_fallback_arg("fallback", argv[n++], &fb)) ||
	    (err = too_many(n, argc, argv)))
		return err;
	err = pn_cg_set_fallback(rel, fb);
	return err ? fail(err) : 0;
}

/* ---- stat ---- */

struct stat_row {
	char *cg;
	struct pn_nested_line line;
};

struct stat_rows {
	unsigned int n, cap;
	struct stat_row *r;
	int err;
};

static int collect_stat(const char *rel, void *arg)
{
	struct stat_rows *rows = arg;
	struct pn_nested st;
	unsigned int i;
	int err;

	err = pn_cg_read_stat(rel, &st);
	if (err == -ENOENT)
		return 0;	/* removed while we walked */
	if (err) {
		rows->err = err;
		return err;
	}
	for (i = 0; i < st.n; i++) {
		if (rows->n == rows->cap) {
			struct stat_row *nr;

			rows->cap = rows->cap ? rows->cap * 2 : 16;
			nr = realloc(rows->r, rows->cap * sizeof(*nr));
			if (!nr) {
				pn_nested_free(&st);
				return rows->err = pn_seterr(ENOMEM, "out of memory");
			}
			rows->r = nr;
		}
		rows->r[rows->n].cg = strdup(rel);
		rows->r[rows->n].line = st.lines[i];
		if (rows->r[rows->n].cg)
			rows->n++;
	}
	pn_nested_free(&st);
	return 0;
}

static bool is_size_key(const char *key)
{
	return !strcmp(key, "current") || !strcmp(key, "peak") || !strcmp(key, "max");
}

static int by_current(const void *a, const void *b)
{
	uint64_t x = 0, y = 0;

	pn_nested_get(&((const struct stat_row *)a)->line, "current", &x);
	pn_nested_get(&((const struct stat_row *)b)->line, "current", &y);
	return x < y ? 1 : x > y ? -1 : 0;
}

static int print_stat(const struct opts *o, struct stat_rows *rows)
{
	/* Columns: the kernel's keys in the order it prints them. */
	char keys[PN_NESTED_MAX_KEYS * 2][PN_KEY_MAX], upper[PN_KEY_MAX];
	unsigned int nkeys = 0, i, k, j;
	struct libscols_line *ln;
	struct table t;
	int err;

	for (i = 0; i < rows->n; i++)
		for (k = 0; k < rows->r[i].line.nkv; k++) {
			for (j = 0; j < nkeys; j++)
				if (!strcmp(keys[j], rows->r[i].line.kv[k].key))
					break;
			if (j == nkeys && nkeys < sizeof(keys) / sizeof(keys[0]))
				strcpy(keys[nkeys++], rows->r[i].line.kv[k].key);
		}
	if (!nkeys) {	/* no row: show the columns every kernel has */
		static const char *const std[] = { "current", "peak", "max",
			"allocated", "denied", "fallback" };

		for (; nkeys < 6; nkeys++)
			strcpy(keys[nkeys], std[nkeys]);
	}
	err = table_init(&t, "stat", o);
	if (err)
		return err;
	table_col(&t, "CGROUP", COL_STR);
	table_col(&t, "NODE", COL_NUM);
	for (j = 0; j < nkeys; j++) {
		for (k = 0; keys[j][k]; k++)
			upper[k] = (char)(keys[j][k] >= 'a' && keys[j][k] <= 'z' ?
					  keys[j][k] - 'a' + 'A' : keys[j][k]);
		upper[k] = '\0';
		table_col(&t, upper, is_size_key(keys[j]) ? COL_SIZE : COL_NUM);
	}
	for (i = 0; i < rows->n; i++) {
		char cg[PN_CG_PATH_MAX + 1];
		uint64_t v;

		ln = scols_table_new_line(t.tb, NULL);
		if (!ln)
			break;
		snprintf(cg, sizeof(cg), "/%s", rows->r[i].cg);
		scols_line_set_data(ln, 0, cg);
		cell_num(ln, 1, rows->r[i].line.node);
		for (j = 0; j < nkeys; j++) {
			if (pn_nested_get(&rows->r[i].line, keys[j], &v))
				continue;	/* key absent: empty / null */
			if (is_size_key(keys[j]))
				cell_size(&t, ln, 2 + j, v);
			else if (v == PN_UNLIMITED)
				scols_line_set_data(ln, 2 + j, t.json ? NULL : "max");
			else
				cell_num(ln, 2 + j, v);
		}
	}
	return table_print(&t);
}

static void free_rows(struct stat_rows *rows)
{
	unsigned int i;

	for (i = 0; i < rows->n; i++)
		free(rows->r[i].cg);
	free(rows->r);
	memset(rows, 0, sizeof(*rows));
}

static int cmd_stat(int argc, char **argv)
{
	static const int allowed[] = { O_JSON, O_BYTES, O_UNIT, 'r', O_WATCH,
				       O_COUNT, 0 };
	char rel[PN_CG_PATH_MAX] = "";
	struct stat_rows rows = { 0 };
	struct opts o;
	long iter;
	int n, err;
	bool all;

	n = parse_opts(argc, argv, allowed, &o, false);
	if (n < 0)
		return PN_EXIT_USAGE;
	all = !o.unit && n == argc;
	if (!all && (err = get_cgroup(&o, argc, argv, &n, rel, sizeof(rel))))
		return err;
	if ((err = too_many(n, argc, argv)))
		return err;
	if (o.count > 0 && !o.watch)
		return usage_error("stat: --count needs --watch");
	for (iter = 0;; iter++) {
		if (all || o.recursive) {
			err = pn_cg_walk(rel, collect_stat, &rows);
			if (!err && rows.err)
				err = rows.err;
		} else {
			err = pn_cg_check(rel);
			if (!err)
				err = collect_stat(rel, &rows);
		}
		if (err) {
			free_rows(&rows);
			return fail(err);
		}
		if (o.watch) {
			time_t now = time(NULL);
			char ts[64];

			if (rows.n)
				qsort(rows.r, rows.n, sizeof(*rows.r), by_current);
			if (isatty(STDOUT_FILENO))
				fputs("\033[H\033[2J", stdout);
			strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", localtime(&now));
			if (!o.json)
				printf("privnode stat, every %gs: %s\n", o.watch, ts);
		}
		err = print_stat(&o, &rows);
		free_rows(&rows);
		if (err)
			return fail(err);
		if (!o.watch || (o.count > 0 && iter + 1 >= o.count))
			return 0;
		{
			struct timespec ts = { (time_t)o.watch,
				(long)((o.watch - (double)(time_t)o.watch) * 1e9) };

			nanosleep(&ts, NULL);
		}
	}
}

/* ---- events ---- */

static int cmd_events(int argc, char **argv)
{
	static const int allowed[] = { O_JSON, O_UNIT, O_LOCAL, 0 };
	char rel[PN_CG_PATH_MAX];
	struct libscols_line *ln;
	struct pn_flat ev;
	struct table t;
	struct opts o;
	unsigned int i;
	int n, err;

	n = parse_opts(argc, argv, allowed, &o, false);
	if (n < 0)
		return PN_EXIT_USAGE;
	err = get_cgroup(&o, argc, argv, &n, rel, sizeof(rel));
	if (err || (err = too_many(n, argc, argv)))
		return err;
	err = pn_cg_check(rel);
	if (!err)
		err = pn_cg_read_events(rel, o.local, &ev);
	if (err)
		return fail(err);
	err = table_init(&t, "events", &o);
	if (err)
		return fail(err);
	table_col(&t, "EVENT", COL_STR);
	table_col(&t, "COUNT", COL_NUM);
	for (i = 0; i < ev.n; i++) {
		ln = scols_table_new_line(t.tb, NULL);
		if (!ln)
			break;
		scols_line_set_data(ln, 0, ev.kv[i].key);
		cell_num(ln, 1, ev.kv[i].val);
	}
	err = table_print(&t);
	return err ? fail(err) : 0;
}

/* ---- exec ---- */

static int cmd_exec(int argc, char **argv)
{
	static const int allowed[] = { O_UNIT, O_PARENT, O_NAME, O_NODES, O_MAX,
				       O_FALLBACK, O_NOANC, 0 };
	char parent[PN_CG_PATH_MAX], rel[PN_CG_PATH_MAX], orig[PN_CG_PATH_MAX];
	char name[64];
	struct pn_request req;
	bool have_orig, moved = false;
	struct opts o;
	int n, err, created;

	n = parse_opts(argc, argv, allowed, &o, true);
	if (n < 0)
		return PN_EXIT_USAGE;
	if (n >= argc)
		return usage_error("exec: no command given");
	if (!o.nodes)
		return usage_error("exec: --nodes is required");
	if (!!o.parent == !!o.unit)
		return usage_error("exec: give the parent cgroup with --parent or --unit");
	pn_request_init(&req);
	if ((err = parse_nodes_arg("exec", o.nodes, &req.nodes)))
		return err;
	if (o.max && (err = parse_limits_arg("exec", o.max, &req.limits)))
		return err;
	if (o.fallback) {
		if ((err = parse_fallback_arg("exec", o.fallback, &req.fallback)))
			return err;
		req.has_fallback = true;
	}
	if (pn_request_validate(&req))
		return usage_error("exec: %s", pn_errmsg());
	err = o.unit ? pn_unit_cgroup(o.unit, parent, sizeof(parent))
		     : pn_cgroup_resolve(o.parent, parent, sizeof(parent));
	if (!err)
		err = pn_nodes_check_private(&req.nodes);
	if (err)
		return fail(err);
	if (!o.name)
		snprintf(name, sizeof(name), "privnode-%d", (int)getpid());
	have_orig = !pn_proc_cgroup(0, orig, sizeof(orig));

	created = pn_cg_create(parent, o.name ? o.name : name, rel, sizeof(rel));
	if (created < 0)
		return fail(created);
	/*
	 * Move in first: a cgroup with processes may not enable controllers
	 * for its children ("no internal processes"), and with Delegate= the
	 * parent is usually the unit's cgroup that holds this very process.
	 */
	err = pn_cg_move(rel, getpid());
	if (!err) {
		moved = true;
		if (pn_cg_check(rel) == -PN_ENOMEMCG && pn_cg_enable_memory(parent))
			err = pn_seterr(PN_ENOMEMCG, "cannot enable the memory controller "
					"below /%s: %s", parent, pn_errmsg());
	}
	if (!err)
		err = pn_cg_apply(rel, &req, o.no_ancestors ? PN_APPLY_NO_ANCESTORS : 0);
	if (err) {
		int code = fail(err);

		if (moved && have_orig)
			pn_cg_move(orig, getpid());
		if (created > 0)
			pn_cg_remove(rel);
		return code;
	}
	execvp(argv[n], argv + n);
	err = errno;
	fprintf(stderr, "privnode: exec %s: %s\n", argv[n], strerror(err));
	return err == ENOENT ? 127 : 126;
}

/* ---- cdi-spec ---- */

static int cmd_cdi_spec(int argc, char **argv)
{
	static const int allowed[] = { O_NODES, O_KIND, O_CDIVER, O_HOOK, 'o', 0 };
	struct pn_nodemask nodes;
	struct opts o;
	char *spec, tmp[4096];
	FILE *f;
	int n, err;

	n = parse_opts(argc, argv, allowed, &o, false);
	if (n < 0)
		return PN_EXIT_USAGE;
	if ((err = too_many(n, argc, argv)))
		return err;
	if (o.nodes) {
		if ((err = parse_nodes_arg("cdi-spec", o.nodes, &nodes)))
			return err;
	} else {
		err = pn_nodes_private(&nodes);
		if (err)
			return fail(err);
		if (!pn_nodemask_weight(&nodes)) {
			fprintf(stderr, "privnode: no private node to describe "
				"(use --nodes to name some)\n");
			return PN_EXIT_NOTFOUND;
		}
	}
	err = pn_cdi_spec(&nodes, o.kind ? o.kind : "privnode.io/node",
			  o.cdi_version ? o.cdi_version : "0.5.0",
			  o.hook ? o.hook : PN_HOOK_PATH, &spec);
	if (err == -EINVAL)
		return usage_error("cdi-spec: %s", pn_errmsg());
	if (err)
		return fail(err);
	if (!o.output || !strcmp(o.output, "-")) {
		printf("%s\n", spec);
		free(spec);
		return 0;
	}
	/* Write next to the target and rename: readers never see half a spec. */
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", o.output, (int)getpid());
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%s\n", spec) < 0 || fclose(f) || rename(tmp, o.output)) {
		err = errno;
		unlink(tmp);
		free(spec);
		fprintf(stderr, "privnode: cannot write %s: %s\n", o.output, strerror(err));
		return pn_exit_code(-err);
	}
	free(spec);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "grant", cmd_grant },
	{ "revoke", cmd_grant },
	{ "limit", cmd_limit },
	{ "fallback", cmd_fallback },
	{ "stat", cmd_stat },
	{ "events", cmd_events },
	{ "exec", cmd_exec },
	{ "cdi-spec", cmd_cdi_spec },
};

int main(int argc, char **argv)
{
	unsigned int i;

	if (argc < 2)
		return usage_error("no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("privnode %s\n", PN_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", argv[1]);
}
