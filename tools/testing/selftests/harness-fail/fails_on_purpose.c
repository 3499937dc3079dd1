// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test, never part of the normal suite: one case passes, one is
 * meant to fail.  "make harness-selftest" boots a guest with this target and
 * asserts that the run is reported red; a harness that swallowed failures
 * would make every green "make check" meaningless.
 */
#include "kselftest_harness.h"

TEST(passes)
{
	EXPECT_EQ(2, 1 + 1);
}

TEST(fails_on_purpose)
{
	EXPECT_EQ(3, 1 + 1) TH_LOG("this failure is deliberate");
}

TEST_HARNESS_MAIN
