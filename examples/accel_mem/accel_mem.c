// SPDX-License-Identifier: GPL-2.0
/*
 * accel_mem: the smallest useful owner of a private memory node.
 *
 * Think of an accelerator with its own memory, exposed to the CPU as a
 * physical range (a CXL region, a PCI BAR).  The driver wants the kernel's
 * page allocator to manage that memory (struct page, buddy allocator,
 * statistics) but wants nothing to land there unless a task asks for it:
 *
 *	mbind(buf, len, MPOL_BIND, {nid}, ...);	 faults land on the device
 *	set_mempolicy(MPOL_BIND, {nid}, ...);	 same, for the whole task
 *	move_pages(pid, n, pages, {nid}, ...);	 existing pages move there
 *
 * This file is everything such a driver needs.  It
 *
 *   1. registers this module as the owner of node @nid and hotplugs the
 *      range as the node's private memory;
 *   2. opts the node into two mm services, NP_OPS_MIGRATION and
 *      NP_OPS_MEMPOLICY, with no callback at all;
 *   3. on unload, offlines and removes the range.  Pages users still have
 *      there are migrated to ordinary memory (NP_OPS_MIGRATION allows it),
 *      so their data survives.
 *
 * Only anonymous memory of private mappings goes to the node; page cache,
 * tmpfs and shared anonymous memory under the same policy stay on ordinary
 * nodes.  See Documentation/driver-api.rst; examples/private_region shows
 * the optional callbacks (free_folio, folio_split, migrate_to, ...).
 *
 * In the project's QEMU guest, node 2's DIMM is added offline at boot:
 *
 *   insmod accel_mem.ko nid=2 start=0x100000000 size=0x20000000 borrow=1
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ioport.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/module.h>
#include <linux/node_private.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/workqueue.h>

/* Where the device memory is.  A real driver reads this from its device. */
static int nid = NUMA_NO_NODE;
module_param(nid, int, 0444);
MODULE_PARM_DESC(nid, "node to make private");

static unsigned long long start;
module_param(start, ullong, 0444);
MODULE_PARM_DESC(start, "physical start of the range (memory-block aligned)");

static unsigned long long size;
module_param(size, ullong, 0444);
MODULE_PARM_DESC(size, "size of the range (memory-block aligned)");

/*
 * QEMU only: ACPI already added the guest's DIMM as offline ordinary
 * memory.  borrow=1 removes it first and adds it back on unload.  A real
 * driver's range was never added by anyone, and it has no such step.
 */
static bool borrow;
module_param(borrow, bool, 0444);
MODULE_PARM_DESC(borrow, "the range is present and offline: take it over and give it back on unload");

/*
 * The owner: the name appears in /sys/devices/system/node/nodeN/private/owner.
 * mm fills in the rest.  It must live until node_private_unregister().
 */
static struct node_private np = { .owner = KBUILD_MODNAME };

/*
 * The services.  No callback: mm allocates migration targets on the node
 * by itself, and freed folios simply go back to the buddy allocator.
 * NP_OPS_MEMPOLICY needs NP_OPS_MIGRATION, since mbind() can move pages.
 */
static const struct node_private_ops accel_mem_ops = {
	.flags = NP_OPS_MIGRATION | NP_OPS_MEMPOLICY,
};

static int __init add_ram_size(struct resource *res, void *arg)
{
	*(u64 *)arg += resource_size(res);
	return 0;
}

/*
 * Memory hotplug trusts its callers: a range that is not whole memory
 * blocks hits a BUG_ON(), missing blocks WARN, a bad nid oopses.  So check
 * the parameters before changing anything.
 */
static int __init check_params(void)
{
	const u64 block = memory_block_size_bytes();
	struct range plug = mhp_get_pluggable_range(true);
	u64 end, ram = 0;

	if (nid < 0 || nid >= MAX_NUMNODES || !node_possible(nid)) {
		pr_err("nid %d is not a possible node\n", nid);
		return -EINVAL;
	}
	if (!size || !IS_ALIGNED(start, block) || !IS_ALIGNED(size, block)) {
		pr_err("[%#llx+%#llx] is not whole memory blocks (%#llx)\n",
		       start, size, block);
		return -EINVAL;
	}
	if (check_add_overflow(start, size, &end) || start < plug.start ||
	    end - 1 > plug.end) {
		pr_err("[%#llx+%#llx] is beyond hotpluggable memory [%#llx-%#llx]\n",
		       start, size, plug.start, plug.end);
		return -ERANGE;
	}
	if (!borrow)
		return 0;

	/* QEMU only: every block of the range we borrow must be present. */
	walk_iomem_res_desc(IORES_DESC_NONE,
			    IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
			    start, end - 1, &ram, add_ram_size);
	if (ram != size) {
		pr_err("[%#llx+%#llx] is not all present memory\n", start, size);
		return -EINVAL;
	}
	return 0;
}

static int __init accel_mem_init(void)
{
	const u64 block = memory_block_size_bytes();
	u64 taken = 0;
	int ret;

	ret = check_params();
	if (ret)
		return ret;

	/*
	 * Step 1: become the node's owner.  The kernel refuses a node with
	 * ordinary memory online (-EBUSY) or with another owner.
	 */
	ret = node_private_register(nid, &np);
	if (ret) {
		pr_err("node %d cannot be private: %d\n", nid, ret);
		return ret;
	}

	/*
	 * QEMU only: the DIMM is present but offline; remove it from the
	 * ordinary memory map so it can be added back as private memory.
	 * One block at a time: removing a range across two pieces it was
	 * added in would leave their resources behind, and giving back part
	 * of the DIMM earlier made such pieces.  As the node's owner we may
	 * use offline_and_remove_private_memory(), which refuses a block of
	 * another node.
	 */
	for (; borrow && taken < size; taken += block) {
		ret = offline_and_remove_private_memory(nid, start + taken, block);
		if (ret) {
			pr_err("cannot take over block %#llx from node %d: %d\n",
			       start + taken, nid, ret);
			goto give_back;
		}
	}

	/*
	 * Then hotplug the range, onlined to ZONE_MOVABLE (the only zone
	 * private memory may use).  From here the node is in
	 * N_MEMORY_PRIVATE and no allocation reaches it without
	 * __GFP_PRIVATE.  The resource name must be "System RAM (...)".
	 */
	ret = add_private_memory_driver_managed(nid, start, size,
						"System RAM (accel_mem)",
						MHP_NONE, MMOP_ONLINE_MOVABLE,
						&np);
	if (ret) {
		pr_err("adding [%#llx+%#llx] to node %d failed: %d\n",
		       start, size, nid, ret);
		goto give_back;
	}

	/*
	 * Step 2: open the node to mbind()/set_mempolicy() and move_pages().
	 * Until now every such call naming the node failed.
	 */
	ret = node_private_set_ops(&np, &accel_mem_ops);
	if (ret) {
		pr_err("node %d: services refused: %d\n", nid, ret);
		goto remove;
	}

	pr_info("node %d is private: [%#llx+%#llx]\n", nid, start, size);
	return 0;

remove:
	offline_and_remove_private_memory(nid, start, size);
give_back:
	node_private_unregister(&np);
	if (taken)
		add_memory(nid, start, taken, MHP_NONE);
	return ret;
}

/*
 * Offlining gives up when the task doing it has a signal pending, and
 * TIF_NOTIFY_SIGNAL counts (io_uring task work, for one): rmmod from such
 * a task would fail at once.  A worker has no signals.
 */
static int remove_ret;

static void remove_fn(struct work_struct *work)
{
	remove_ret = offline_and_remove_private_memory(nid, start, size);
}

static DECLARE_WORK(remove_work, remove_fn);

static void __exit accel_mem_exit(void)
{
	int ret;

	/*
	 * Step 3, the reverse of the above.  Offlining migrates users' pages
	 * to ordinary memory and waits for pages that cannot move yet (a
	 * short-term pin), in a worker (above).  Should it fail anyway, the
	 * node would stay online while its owner structure goes away with
	 * this module: say so loudly.
	 */
	schedule_work(&remove_work);
	flush_work(&remove_work);
	ret = remove_ret;
	if (WARN(ret, "node %d: removing memory failed: %d\n", nid, ret))
		return;
	WARN_ON(node_private_clear_ops(&np));
	WARN_ON(node_private_unregister(&np));
	if (borrow)
		add_memory(nid, start, size, MHP_NONE);
	pr_info("node %d released\n", nid);
}

module_init(accel_mem_init);
module_exit(accel_mem_exit);
MODULE_DESCRIPTION("Minimal owner of a private memory node: mbind and move_pages only");
MODULE_LICENSE("GPL");
