// SPDX-License-Identifier: GPL-2.0
/*
 * Emits one WARN on load.  Used only by the harness self-test to prove that a
 * kernel splat fails a guest run even when every test reports success.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init harness_warn_init(void)
{
	WARN(1, "privnode harness self-test: deliberate warning\n");
	return 0;
}

static void __exit harness_warn_exit(void)
{
}

module_init(harness_warn_init);
module_exit(harness_warn_exit);
MODULE_DESCRIPTION("privnode test harness: deliberate WARN on load");
MODULE_LICENSE("GPL");
