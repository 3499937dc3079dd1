// SPDX-License-Identifier: GPL-2.0
/*
 * private_region: the smallest complete owner of a private memory node.
 *
 * A walk-through for driver writers (Documentation/driver-api.rst follows
 * this file).  The driver takes one physical memory range, hotplugs it as
 * private node @nid and counts what happens to the folios it hands out:
 *
 *   insmod private_region.ko nid=2 start=0x100000000 size=0x20000000 borrow=1
 *
 * A real driver learns its range from its device (a CXL region, a PCI BAR,
 * firmware tables).  In the project's QEMU guest the range is a pc-dimm
 * that ACPI already added as offline memory at boot; with borrow=1 the
 * driver removes it from the ordinary memory map first and adds it back,
 * offline and ordinary again, when it is unloaded.
 *
 * debugfs (/sys/kernel/debug/private_region/):
 *   alloc      write N: allocate N folios of order alloc_order on the node
 *   free       write N: free N of the folios the driver holds
 *   map        mmap() it: each page of the mapping is a fresh page of the
 *              node, owned by the mapping alone (freed at munmap or exit)
 *   boost      write N: raise the node's watermarks by N pages, so that
 *              kswapd reclaims until that much more is free (0 lowers
 *              them); needs NP_OPS_RECLAIM
 *   stats      allocated, freed (seen by free_folio), split, held,
 *              migrate_to (batches routed through our migrate_to),
 *              migrated_in / migrated_out (pages seen by folio_migrate),
 *              memory_failure (hardware errors reported on the node),
 *              write_faults (writes that reached handle_fault)
 *
 * With ops_flags=3 (NP_OPS_MIGRATION | NP_OPS_MEMPOLICY) users may also
 * place their anonymous memory on the node with mbind()/set_mempolicy()
 * and move_pages(); such folios come back through free_folio too.  With
 * ops_flags=5 (NP_OPS_MIGRATION | NP_OPS_DEMOTION) the node is a memory
 * tier below DRAM, and reclaim demotes cold anonymous memory to it once
 * /sys/kernel/mm/numa/demotion_enabled is set.  With ops_flags=9
 * (NP_OPS_MIGRATION | NP_OPS_PROTECT_WRITE) mm maps the node's pages
 * read-only and every write faults into handle_fault, which promotes the
 * folio to ordinary memory, as a compressed-memory device would.  With
 * ops_flags=0x13 (NP_OPS_MIGRATION | NP_OPS_MEMPOLICY | NP_OPS_RECLAIM)
 * the node has a kswapd, memory cgroup reclaim (memory.reclaim,
 * memory.max) swaps out users' pages on it, and the boost file asks
 * kswapd for free room; own_boost=1 keeps that boost until we lower it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/node_private.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/workqueue.h>

static int nid = NUMA_NO_NODE;
module_param(nid, int, 0444);
MODULE_PARM_DESC(nid, "node to make private");

static unsigned long long start;
module_param(start, ullong, 0444);
MODULE_PARM_DESC(start, "physical start of the range (memory-block aligned)");

static unsigned long long size;
module_param(size, ullong, 0444);
MODULE_PARM_DESC(size, "size of the range (memory-block aligned)");

static bool borrow;
module_param(borrow, bool, 0444);
MODULE_PARM_DESC(borrow, "the range is present and offline: take it over and give it back on unload");

static unsigned long ops_flags;
module_param(ops_flags, ulong, 0444);
MODULE_PARM_DESC(ops_flags, "NP_OPS_* services to opt into");

static bool use_migrate_to = true;
module_param(use_migrate_to, bool, 0444);
MODULE_PARM_DESC(use_migrate_to, "route migrations onto the node through our migrate_to callback");

static bool claim_errors;
module_param(claim_errors, bool, 0444);
MODULE_PARM_DESC(claim_errors, "handle hardware errors on the node ourselves instead of letting mm poison the page");

static bool own_boost;
module_param(own_boost, bool, 0444);
MODULE_PARM_DESC(own_boost, "keep the watermark boost until we lower it, instead of kswapd lowering it after one pass");

static unsigned int alloc_order;
module_param(alloc_order, uint, 0644);
MODULE_PARM_DESC(alloc_order, "order of the folios the alloc file allocates");

/*
 * Counters the tests compare: every folio the node hands out must come back
 * through free_folio exactly once, split folios included.
 */
static atomic_long_t nr_allocated, nr_freed, nr_split;
static atomic_long_t nr_migrate_to, nr_migrated_in, nr_migrated_out;
static atomic_long_t nr_memory_failure, nr_write_faults;

/* Folios the driver holds, allocated through debugfs. */
static LIST_HEAD(held);
static unsigned long nr_held;
static DEFINE_MUTEX(held_lock);

static struct node_private np = { .owner = KBUILD_MODNAME };
static struct dentry *dir;

/*
 * Called for every folio of the node whose last reference goes away, in
 * any context.  Returning false lets the page allocator take the folio
 * back; a driver that keeps its own pool would take it and return true.
 */
static bool private_region_free_folio(struct folio *folio)
{
	atomic_long_inc(&nr_freed);
	return false;
}

/* A folio of ours was split: each new folio will be freed on its own. */
static void private_region_folio_split(struct folio *folio,
				       struct folio *new_folio)
{
	atomic_long_inc(&nr_split);
	atomic_long_inc(&nr_allocated);
}

/*
 * mm wants to move folios onto our node (move_pages(), migrate_pages()).
 * A driver that must prepare its device would do so here; this one
 * counts the batch and lets mm allocate the targets on the node.  The
 * callback is optional: without it mm does exactly that by itself.
 */
static int private_region_migrate_to(struct list_head *folios, int node,
				     int mode, int reason,
				     unsigned int *nr_succeeded)
{
	atomic_long_inc(&nr_migrate_to);
	return node_private_migrate_folios(folios, node, mode, reason,
					   nr_succeeded);
}

/* A folio moved onto or off our node; must not sleep. */
static void private_region_folio_migrate(struct folio *src, struct folio *dst)
{
	if (folio_nid(dst) == nid)
		atomic_long_add(folio_nr_pages(dst), &nr_migrated_in);
	if (folio_nid(src) == nid)
		atomic_long_add(folio_nr_pages(src), &nr_migrated_out);
}

/*
 * A hardware error was reported in a page of our node (memory_failure(),
 * under its mutex).  A device that can repair or remap the frame would
 * do it here and claim the error; we only count it.  Returning
 * -EOPNOTSUPP lets mm poison the page as on any other node: unmap it,
 * kill or signal its users, keep it out of the allocator.
 */
static int private_region_memory_failure(struct folio *folio,
					 unsigned long pfn, int mf_flags)
{
	atomic_long_inc(&nr_memory_failure);
	pr_info("hardware error at pfn %#lx: %s\n", pfn,
		claim_errors ? "claimed" : "left to mm");
	return claim_errors ? 0 : -EOPNOTSUPP;
}

/*
 * A task wrote to a page of our node, which mm keeps read-only under
 * NP_OPS_PROTECT_WRITE.  We are entered with the page table lock held.
 * A compressed-memory device must not see the write (it would change how
 * well the page compresses behind its back), so it promotes the folio to
 * ordinary memory first; mm's helper does that, drops the lock and lets
 * the write retry on the new copy.
 */
static vm_fault_t private_region_handle_fault(struct vm_fault *vmf)
{
	atomic_long_inc(&nr_write_faults);
	return node_private_promote_fault(vmf);
}

/*
 * kswapd asks before each pass over our node.  A compressed-memory device
 * would claim the boost: it raised it because the device ran short, and
 * only it knows when the device has room again.
 */
static void private_region_reclaim_policy(int nid,
					  struct node_reclaim_policy *policy)
{
	policy->owner_boost = own_boost;
}

static struct node_private_ops ops = {
	.free_folio = private_region_free_folio,
	.folio_split = private_region_folio_split,
	.folio_migrate = private_region_folio_migrate,
	.handle_fault = private_region_handle_fault,
	.memory_failure = private_region_memory_failure,
	.reclaim_policy = private_region_reclaim_policy,
};

static ssize_t alloc_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	/* Private memory is onlined ZONE_MOVABLE: ask for movable highmem. */
	const gfp_t gfp = GFP_PRIVATE | GFP_HIGHUSER_MOVABLE | __GFP_NOWARN;
	unsigned int order = READ_ONCE(alloc_order);
	unsigned long n, i;
	struct folio *folio;
	int ret;

	ret = kstrtoul_from_user(ubuf, count, 0, &n);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		folio = __folio_alloc_node(gfp, order, nid);
		if (!folio)
			return i ? count : -ENOMEM;
		/* GFP_PRIVATE must never leave the node. */
		if (WARN_ON_ONCE(folio_nid(folio) != nid)) {
			folio_put(folio);
			return -EIO;
		}
		atomic_long_inc(&nr_allocated);
		mutex_lock(&held_lock);
		list_add_tail(&folio->lru, &held);
		nr_held++;
		mutex_unlock(&held_lock);
	}
	return count;
}

/* Free up to @n held folios; returns how many were freed. */
static unsigned long free_held(unsigned long n)
{
	struct folio *folio;
	unsigned long done = 0;

	mutex_lock(&held_lock);
	while (done < n && !list_empty(&held)) {
		folio = list_first_entry(&held, struct folio, lru);
		list_del(&folio->lru);
		nr_held--;
		folio_put(folio);
		done++;
	}
	mutex_unlock(&held_lock);
	return done;
}

static ssize_t free_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	unsigned long n;
	int ret;

	ret = kstrtoul_from_user(ubuf, count, 0, &n);
	if (ret)
		return ret;
	free_held(n);
	return count;
}

static ssize_t boost_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	unsigned long n;
	int ret;

	ret = kstrtoul_from_user(ubuf, count, 0, &n);
	if (ret)
		return ret;
	ret = node_private_set_boost(&np, n);
	return ret ? ret : count;
}

/*
 * Hand pages of the node to userspace.  vm_insert_page() takes its own
 * reference, and the driver drops the allocation's, so the mapping is the
 * pages' only user: unmapping or exiting frees them, through free_folio.
 */
static int map_mmap(struct file *file, struct vm_area_struct *vma)
{
	const gfp_t gfp = GFP_PRIVATE | GFP_HIGHUSER_MOVABLE | __GFP_ZERO |
			  __GFP_NOWARN;
	unsigned long addr;
	struct page *page;
	int ret;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		page = alloc_pages_node(nid, gfp, 0);
		if (!page)
			return -ENOMEM;
		atomic_long_inc(&nr_allocated);
		ret = vm_insert_page(vma, addr, page);
		put_page(page);
		if (ret)
			return ret;
	}
	return 0;
}

static const struct file_operations map_fops = {
	.owner = THIS_MODULE,
	.mmap = map_mmap,
};

static const struct file_operations alloc_fops = {
	.owner = THIS_MODULE,
	.write = alloc_write,
};

static const struct file_operations free_fops = {
	.owner = THIS_MODULE,
	.write = free_write,
};

static const struct file_operations boost_fops = {
	.owner = THIS_MODULE,
	.write = boost_write,
};

static int stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "allocated %ld\n", atomic_long_read(&nr_allocated));
	seq_printf(m, "freed %ld\n", atomic_long_read(&nr_freed));
	seq_printf(m, "split %ld\n", atomic_long_read(&nr_split));
	seq_printf(m, "migrate_to %ld\n", atomic_long_read(&nr_migrate_to));
	seq_printf(m, "migrated_in %ld\n", atomic_long_read(&nr_migrated_in));
	seq_printf(m, "migrated_out %ld\n", atomic_long_read(&nr_migrated_out));
	seq_printf(m, "memory_failure %ld\n", atomic_long_read(&nr_memory_failure));
	seq_printf(m, "write_faults %ld\n", atomic_long_read(&nr_write_faults));
	mutex_lock(&held_lock);
	seq_printf(m, "held %lu\n", nr_held);
	mutex_unlock(&held_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int __init add_ram_size(struct resource *res, void *arg)
{
	*(u64 *)arg += resource_size(res);
	return 0;
}

/*
 * Memory hotplug trusts its callers: a range that is not whole memory
 * blocks hits a BUG_ON(), missing blocks WARN, a bad nid oopses.  So check
 * the parameters before changing anything.  Which node the blocks belong
 * to is checked when the range is taken over, below.
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

static int __init private_region_init(void)
{
	const u64 block = memory_block_size_bytes();
	u64 taken = 0;
	int ret;

	ret = check_params();
	if (ret)
		return ret;

	/*
	 * Step 0: register as the node's owner.  The kernel refuses a node
	 * with ordinary memory online (-EBUSY) or with another owner.
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
	 * Step 1: hotplug the range.  The node becomes N_MEMORY_PRIVATE:
	 * only GFP_PRIVATE/__GFP_PRIVATE allocations reach it.  Private
	 * memory is always ZONE_MOVABLE.
	 */
	ret = add_private_memory_driver_managed(nid, start, size,
						"System RAM (private_region)",
						MHP_NONE, MMOP_ONLINE_MOVABLE, &np);
	if (ret) {
		pr_err("adding [%#llx+%#llx] to node %d failed: %d\n",
		       start, size, nid, ret);
		goto give_back;
	}

	/*
	 * Step 2: publish callbacks and the mm services to opt into.  The
	 * kernel refuses inconsistent flags (-EINVAL) and services it does
	 * not implement for private nodes (-EOPNOTSUPP).
	 */
	ops.flags = ops_flags;
	if (use_migrate_to)
		ops.migrate_to = private_region_migrate_to;
	ret = node_private_set_ops(&np, &ops);
	if (ret) {
		pr_err("node %d: ops flags %#lx refused: %d\n", nid, ops_flags, ret);
		goto remove;
	}

	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("alloc", 0200, dir, NULL, &alloc_fops);
	debugfs_create_file("free", 0200, dir, NULL, &free_fops);
	debugfs_create_file("boost", 0200, dir, NULL, &boost_fops);
	/* The _unsafe variant keeps ->mmap (debugfs's full proxy has none). */
	debugfs_create_file_unsafe("map", 0600, dir, NULL, &map_fops);
	debugfs_create_file("stats", 0444, dir, NULL, &stats_fops);
	pr_info("node %d is private: [%#llx+%#llx], services %#lx\n",
		nid, start, size, ops_flags);
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
 * TIF_NOTIFY_SIGNAL counts: a task whose io_uring left task work queued
 * would fail to unload us at once.  A worker has no signals: offlining
 * there migrates what it can and waits for the rest.
 */
static int remove_ret;

static void remove_fn(struct work_struct *work)
{
	remove_ret = offline_and_remove_private_memory(nid, start, size);
}

static DECLARE_WORK(remove_work, remove_fn);

static void __exit private_region_exit(void)
{
	int ret;

	debugfs_remove_recursive(dir);

	/* Teardown is the reverse: our folios first, then memory, ops, owner. */
	free_held(ULONG_MAX);
	/*
	 * Mappings made through the map file keep the file, and so this
	 * module, pinned.  Pages users placed here by mempolicy or
	 * move_pages() are migrated to ordinary memory by offlining, which
	 * NP_OPS_MIGRATION allows, in a worker (above).  Should removal
	 * fail anyway, the callbacks would outlive the module; say so
	 * loudly.
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
	pr_info("node %d released: allocated %ld freed %ld split %ld\n", nid,
		atomic_long_read(&nr_allocated), atomic_long_read(&nr_freed),
		atomic_long_read(&nr_split));
}

module_init(private_region_init);
module_exit(private_region_exit);
MODULE_DESCRIPTION("Example owner of a private memory node");
MODULE_LICENSE("GPL");
