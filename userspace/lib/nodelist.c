// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "nodelist.h"

#define BITS_PER_WORD (8 * sizeof(unsigned long))

void pn_nodemask_clear(struct pn_nodemask *m)
{
	memset(m, 0, sizeof(*m));
}

void pn_nodemask_set(struct pn_nodemask *m, unsigned int node)
{
	if (node < PN_MAX_NODES)
		m->bits[node / BITS_PER_WORD] |= 1UL << (node % BITS_PER_WORD);
}

bool pn_nodemask_test(const struct pn_nodemask *m, unsigned int node)
{
	return node < PN_MAX_NODES &&
	       (m->bits[node / BITS_PER_WORD] >> (node % BITS_PER_WORD)) & 1;
}

unsigned int pn_nodemask_weight(const struct pn_nodemask *m)
{
	unsigned int n = 0, i;

	for (i = 0; i < PN_MAX_NODES; i++)
		n += pn_nodemask_test(m, i);
	return n;
}

/* Parse a decimal node id; digits only, no sign, no leading whitespace. */
static int parse_id(const char **p, unsigned int *id)
{
	unsigned long v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v >= PN_MAX_NODES) {
			/* keep consuming digits so the error is ERANGE, not EINVAL */
			while (*s >= '0' && *s <= '9')
				s++;
			*p = s;
			return -ERANGE;
		}
		s++;
	}
	*id = (unsigned int)v;
	*p = s;
	return 0;
}

int pn_nodelist_parse(const char *s, struct pn_nodemask *m)
{
	struct pn_nodemask tmp;
	size_t len = strlen(s);
	const char *p = s, *end = s + len;
	unsigned int lo, hi, i;
	int err;

	if (len && s[len - 1] == '\n')
		end--;
	pn_nodemask_clear(&tmp);
	while (p < end) {
		err = parse_id(&p, &lo);
		if (err)
			return err;
		hi = lo;
		if (p < end && *p == '-') {
			p++;
			err = parse_id(&p, &hi);
			if (err)
				return err;
			if (hi < lo)
				return -EINVAL;
		}
		for (i = lo; i <= hi; i++)
			pn_nodemask_set(&tmp, i);
		if (p == end)
			break;
		if (*p != ',' || p + 1 == end)
			return -EINVAL;
		p++;
	}
	*m = tmp;
	return 0;
}

int pn_nodelist_format(const struct pn_nodemask *m, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i = 0, lo;
	int n;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	while (i < PN_MAX_NODES) {
		if (!pn_nodemask_test(m, i)) {
			i++;
			continue;
		}
		lo = i;
		while (i + 1 < PN_MAX_NODES && pn_nodemask_test(m, i + 1))
			i++;
		if (lo == i)
			n = snprintf(buf + used, len - used, "%s%u", used ? "," : "", lo);
		else
			n = snprintf(buf + used, len - used, "%s%u-%u", used ? "," : "", lo, i);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += (size_t)n;
		i++;
	}
	return used > INT_MAX ? -ENOSPC : (int)used;
}
