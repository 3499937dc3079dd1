// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cgroup.h"
#include "kfmt.h"
#include "oci.h"
#include "util.h"

static struct json_object *parse_json(const char *text, const char *what)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t len = strlen(text);

	if (!tok)
		return NULL;
	obj = json_tokener_parse_ex(tok, text, (int)(len > INT32_MAX ? INT32_MAX : len));
	jerr = json_tokener_get_error(tok);
	if (obj && (size_t)json_tokener_get_parse_end(tok) < len) {
		/* Only white space may follow the value. */
		const char *rest = text + json_tokener_get_parse_end(tok);

		rest += strspn(rest, " \t\r\n");
		if (*rest) {
			json_object_put(obj);
			obj = NULL;
			pn_seterr(EINVAL, "%s: trailing data after the JSON value", what);
		}
	} else if (!obj || jerr != json_tokener_success) {
		json_object_put(obj);
		obj = NULL;
		pn_seterr(EINVAL, "%s: not valid JSON (%s)", what,
			  jerr == json_tokener_continue ? "truncated"
							: json_tokener_error_desc(jerr));
	}
	json_tokener_free(tok);
	if (obj && !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
		pn_seterr(EINVAL, "%s: not a JSON object", what);
	}
	return obj;
}

static int get_string(struct json_object *obj, const char *key, char *buf,
		      size_t len, const char *what)
{
	struct json_object *v;
	const char *s;

	buf[0] = '\0';
	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return pn_seterr(EINVAL, "%s: \"%s\" is not a string", what, key);
	s = json_object_get_string(v);
	if (strlen(s) >= len || (int)strlen(s) != json_object_get_string_len(v))
		return pn_seterr(EINVAL, "%s: \"%s\" is too long or has NUL bytes",
				 what, key);
	strcpy(buf, s);
	return 1;
}

int pn_oci_state_parse(const char *json, struct pn_oci_state *st)
{
	struct json_object *obj, *v;
	struct pn_request req;
	int64_t pid = 0;
	int err;

	memset(st, 0, sizeof(*st));
	pn_request_init(&st->req);
	obj = parse_json(json, "OCI state");
	if (!obj)
		return -EINVAL;
	err = get_string(obj, "id", st->id, sizeof(st->id), "OCI state");
	if (err >= 0)
		err = get_string(obj, "bundle", st->bundle, sizeof(st->bundle),
				 "OCI state");
	if (err < 0)
		goto out;
	if (json_object_object_get_ex(obj, "pid", &v) && !json_object_is_type(v, json_type_null)) {
		pid = json_object_get_int64(v);
		if (!json_object_is_type(v, json_type_int) || pid < 0 ||
		    pid > 0x3fffffff) {
			err = pn_seterr(EINVAL, "OCI state: \"pid\" is not a process id");
			goto out;
		}
	}
	st->pid = (pid_t)pid;
	pn_request_init(&req);
	if (json_object_object_get_ex(obj, "annotations", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_object)) {
			err = pn_seterr(EINVAL, "OCI state: \"annotations\" is not an object");
			goto out;
		}
		json_object_object_foreach(v, key, val) {
			if (!json_object_is_type(val, json_type_string)) {
				if (!strncmp(key, PN_ANNOT_PREFIX, strlen(PN_ANNOT_PREFIX))) {
					err = pn_seterr(EINVAL, "annotation %s is not a string", key);
					goto out;
				}
				continue;
			}
			if ((int)strlen(json_object_get_string(val)) !=
			    json_object_get_string_len(val)) {
				err = pn_seterr(EINVAL, "annotation %s has a NUL byte", key);
				goto out;
			}
			err = pn_request_annotation(&req, key, json_object_get_string(val));
			if (err < 0)
				goto out;
			st->nannotations += (unsigned int)err;
		}
	}
	st->req = req;
	err = 0;
out:
	json_object_put(obj);
	return err < 0 ? err : 0;
}

int pn_oci_config_cgroup(const char *json, char *rel, size_t len)
{
	struct json_object *obj, *linux_obj;
	char path[PN_CG_PATH_MAX];
	int err;

	obj = parse_json(json, "config.json");
	if (!obj)
		return -EINVAL;
	err = -ENOENT;
	if (json_object_object_get_ex(obj, "linux", &linux_obj) &&
	    json_object_is_type(linux_obj, json_type_object)) {
		err = get_string(linux_obj, "cgroupsPath", path, sizeof(path),
				 "config.json linux");
		if (err == 0 || (err > 0 && !path[0]))
			err = -ENOENT;
	}
	json_object_put(obj);
	if (err == -ENOENT)
		return pn_seterr(ENOENT, "config.json has no linux.cgroupsPath");
	if (err < 0)
		return err;
	err = pn_cgroups_path_parse(path, rel, len);
	if (err)
		return pn_seterr(-err, "config.json: linux.cgroupsPath \"%s\" is not "
				 "an absolute path or slice:prefix:name", path);
	return 0;
}

int pn_oci_container_cgroup(const struct pn_oci_state *st, char *rel,
			    size_t len)
{
	char path[PATH_MAX + 16], *text, msg[1024] = "";
	long n;
	int err;

	if (st->pid > 0) {
		err = pn_proc_cgroup(st->pid, rel, len);
		if (!err)
			return 0;
		snprintf(msg, sizeof(msg), "%s; ", pn_errmsg());
	}
	if (!st->bundle[0])
		return pn_seterr(ENOENT, "%sno bundle to read config.json from", msg);
	snprintf(path, sizeof(path), "%s/config.json", st->bundle);
	n = pn_read_file(path, &text);
	if (n < 0)
		return pn_seterr((int)-n, "%s%s: %s", msg, path, strerror((int)-n));
	err = pn_oci_config_cgroup(text, rel, len);
	free(text);
	if (err && msg[0]) {
		char m2[1024];

		snprintf(m2, sizeof(m2), "%s", pn_errmsg());
		return pn_seterr(-err, "%s%s", msg, m2);
	}
	return err;
}

/* A label of a CDI name: alphanumeric at both ends, [A-Za-z0-9_.-] inside. */
static bool cdi_label(const char *s, size_t n, bool dots)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (!alnum && ((i == 0 || i == n - 1) ||
			       !(c == '-' || c == '_' || (dots && c == '.'))))
			return false;
	}
	return true;
}

bool pn_cdi_kind_valid(const char *kind)
{
	const char *slash = strchr(kind, '/');

	return slash && !strchr(slash + 1, '/') &&
	       cdi_label(kind, (size_t)(slash - kind), true) &&
	       strchr(kind, '.') && strchr(kind, '.') < slash &&
	       cdi_label(slash + 1, strlen(slash + 1), true);
}

int pn_cdi_spec(const struct pn_nodemask *nodes, const char *kind,
		const char *version, const char *hook_path, char **out)
{
	struct json_object *spec, *devs, *dev, *edits, *hooks, *hook, *args;
	char name[32], num[16];
	unsigned int i;
	const char *s;

	if (!pn_cdi_kind_valid(kind))
		return pn_seterr(EINVAL, "invalid CDI kind \"%s\" (expected e.g. "
				 "privnode.io/node)", kind);
	if (strcmp(version, "0.5.0") && strcmp(version, "0.6.0"))
		return pn_seterr(EINVAL, "unsupported CDI version \"%s\" (0.5.0 or 0.6.0)",
				 version);
	if (hook_path[0] != '/')
		return pn_seterr(EINVAL, "the hook path must be absolute: %s", hook_path);
	spec = json_object_new_object();
	devs = json_object_new_array();
	json_object_object_add(spec, "cdiVersion", json_object_new_string(version));
	json_object_object_add(spec, "kind", json_object_new_string(kind));
	for (i = 0; i < PN_MAX_NODES; i++) {
		if (!pn_nodemask_test(nodes, i))
			continue;
		snprintf(name, sizeof(name), "node%u", i);
		snprintf(num, sizeof(num), "%u", i);
		dev = json_object_new_object();
		edits = json_object_new_object();
		hooks = json_object_new_array();
		hook = json_object_new_object();
		args = json_object_new_array();
		json_object_array_add(args, json_object_new_string("privnode-oci-hook"));
		json_object_array_add(args, json_object_new_string("--node"));
		json_object_array_add(args, json_object_new_string(num));
		json_object_object_add(hook, "hookName", json_object_new_string("createRuntime"));
		json_object_object_add(hook, "path", json_object_new_string(hook_path));
		json_object_object_add(hook, "args", args);
		json_object_array_add(hooks, hook);
		json_object_object_add(edits, "hooks", hooks);
		json_object_object_add(dev, "name", json_object_new_string(name));
		json_object_object_add(dev, "containerEdits", edits);
		json_object_array_add(devs, dev);
	}
	json_object_object_add(spec, "devices", devs);
	s = json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PRETTY |
					   JSON_C_TO_STRING_SPACED |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	*out = s ? strdup(s) : NULL;
	json_object_put(spec);
	return *out ? 0 : pn_seterr(ENOMEM, "out of memory");
}
