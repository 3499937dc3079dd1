/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OCI runtime state and config (parsed with json-c), and CDI specs.
 */
#ifndef PRIVNODE_OCI_H
#define PRIVNODE_OCI_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "nodelist.h"
#include "request.h"

struct pn_oci_state {
	char id[256];
	pid_t pid;		/* 0 if the state has none */
	char bundle[PATH_MAX];	/* "" if the state has none */
	unsigned int nannotations;	/* privnode.io/ annotations seen */
	struct pn_request req;	/* from the annotations, not validated */
};

/*
 * Parse the state a runtime hands a hook on stdin.  Annotations are
 * parsed into st->req (pn_request_annotation()); any bad one fails the
 * whole parse.  0, or -EINVAL with pn_errmsg() saying what is wrong.
 */
int pn_oci_state_parse(const char *json, struct pn_oci_state *st);

/*
 * linux.cgroupsPath of a bundle's config.json text, as a path below the
 * cgroup root (pn_cgroups_path_parse()).  -ENOENT if it has none.
 */
int pn_oci_config_cgroup(const char *json, char *rel, size_t len);

/*
 * The container's cgroup: the "0::" line of /proc/PID/cgroup, or failing
 * that (no pid, or the process is gone) the bundle's config.json.
 */
int pn_oci_container_cgroup(const struct pn_oci_state *st, char *rel,
			    size_t len);

/* A CDI kind "vendor.example/class" as the CDI spec allows it. */
bool pn_cdi_kind_valid(const char *kind);

/*
 * A CDI spec (JSON, malloc()ed in *out) with one device "nodeN" per node
 * of nodes, each adding a createRuntime hook "hook_path --node N".
 * version is the cdiVersion to claim ("0.5.0" or "0.6.0").
 */
int pn_cdi_spec(const struct pn_nodemask *nodes, const char *kind,
		const char *version, const char *hook_path, char **out);

#endif
