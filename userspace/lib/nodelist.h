/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Node lists in the kernel's list syntax ("", "2", "0-3,5"), as read from
 * /sys/devices/system/node/ and written to memory.private_nodes.
 */
#ifndef PRIVNODE_NODELIST_H
#define PRIVNODE_NODELIST_H

#include <stdbool.h>
#include <stddef.h>

/* Matches the kernel's largest NODES_SHIFT (10). */
#define PN_MAX_NODES 1024

struct pn_nodemask {
	unsigned long bits[PN_MAX_NODES / (8 * sizeof(unsigned long))];
};

void pn_nodemask_clear(struct pn_nodemask *m);
void pn_nodemask_set(struct pn_nodemask *m, unsigned int node);
bool pn_nodemask_test(const struct pn_nodemask *m, unsigned int node);
unsigned int pn_nodemask_weight(const struct pn_nodemask *m);

/*
 * Parse a node list.  One trailing newline is accepted, as sysfs prints one.
 * Returns 0, -EINVAL for malformed input (the mask is then left untouched) or
 * -ERANGE for a node id >= PN_MAX_NODES.
 */
int pn_nodelist_parse(const char *s, struct pn_nodemask *m);

/*
 * Format a mask in the kernel's compact form ("0-3,5"; "" when empty).
 * Returns the string length, or -ENOSPC if buf is too small.
 */
int pn_nodelist_format(const struct pn_nodemask *m, char *buf, size_t len);

#endif
