// SPDX-License-Identifier: LGPL-2.1-or-later
/* Host unit tests of the node-list parser and formatter. */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "nodelist.h"

/* Parse s, format the result, and return the formatted string. */
static const char *roundtrip(const char *s, char *buf, size_t len)
{
	struct pn_nodemask m;

	if (pn_nodelist_parse(s, &m))
		return "<error>";
	if (pn_nodelist_format(&m, buf, len) < 0)
		return "<nospc>";
	return buf;
}

TEST(valid_lists_roundtrip)
{
	char buf[64];

	EXPECT_STREQ("", roundtrip("", buf, sizeof(buf)));
	EXPECT_STREQ("", roundtrip("\n", buf, sizeof(buf)));
	EXPECT_STREQ("2", roundtrip("2", buf, sizeof(buf)));
	EXPECT_STREQ("2-3,5", roundtrip("2-3,5\n", buf, sizeof(buf)));
	EXPECT_STREQ("0-3", roundtrip("0,1,2-3", buf, sizeof(buf)));
	EXPECT_STREQ("1-2", roundtrip("2,1,2", buf, sizeof(buf)));
	EXPECT_STREQ("1023", roundtrip("1023", buf, sizeof(buf)));
	EXPECT_STREQ("4", roundtrip("4-4", buf, sizeof(buf)));
}

TEST(garbage_is_einval_and_leaves_mask_alone)
{
	static const char *const bad[] = {
		"x", " 2", "2 ", "2,", ",2", "2,,3", "3-2", "-1", "2-", "2-x",
		"+2", "2\n\n", "0x2", "2;3", "1-2-3",
	};
	struct pn_nodemask m;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pn_nodemask_clear(&m);
		pn_nodemask_set(&m, 7);
		EXPECT_EQ(-EINVAL, pn_nodelist_parse(bad[i], &m))
			TH_LOG("input \"%s\"", bad[i]);
		EXPECT_EQ(1, pn_nodemask_weight(&m));
		EXPECT_TRUE(pn_nodemask_test(&m, 7));
	}
}

TEST(out_of_range_is_erange)
{
	struct pn_nodemask m;

	EXPECT_EQ(-ERANGE, pn_nodelist_parse("1024", &m));
	EXPECT_EQ(-ERANGE, pn_nodelist_parse("0-99999999999999999999999", &m));
	EXPECT_EQ(-ERANGE, pn_nodelist_parse("18446744073709551617", &m));
}

TEST(format_reports_short_buffer)
{
	struct pn_nodemask m;
	char buf[4];

	ASSERT_EQ(0, pn_nodelist_parse("1,3,5,7", &m));
	EXPECT_EQ(-ENOSPC, pn_nodelist_format(&m, buf, sizeof(buf)));
	EXPECT_EQ(-ENOSPC, pn_nodelist_format(&m, buf, 0));
	ASSERT_EQ(0, pn_nodelist_parse("1,3", &m));
	EXPECT_EQ(3, pn_nodelist_format(&m, buf, sizeof(buf)));
	EXPECT_STREQ("1,3", buf);
}

TEST_HARNESS_MAIN
