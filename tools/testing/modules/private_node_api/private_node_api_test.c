// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the private-node API against a real hotplugged range:
 * ownership rules, ops validation, zonelists, allocation isolation, the
 * __GFP_PRIVATE fallback and the free_folio callback.
 *
 *   insmod private_node_api_test.ko nid=3 start=0x120000000 size=0x20000000
 *
 * The range must be present and offline (the guest's pc-dimm); the suite
 * takes it over, makes @nid private, and gives it back when it is done.
 * Results: /sys/kernel/debug/kunit/private_node_api/results (KTAP).
 */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/node_private.h>
#include <linux/pagevec.h>
#include <linux/slab.h>

static int nid = NUMA_NO_NODE;
module_param(nid, int, 0444);
static unsigned long long start;
module_param(start, ullong, 0444);
static unsigned long long size;
module_param(size, ullong, 0444);

#define PRIVATE_GFP	(GFP_PRIVATE | GFP_HIGHUSER_MOVABLE | __GFP_NOWARN)

static atomic_long_t nr_free_calls;
static bool keep_next_free;	/* free_folio keeps the next folio */
static struct folio *kept;

static bool test_free_folio(struct folio *folio)
{
	atomic_long_inc(&nr_free_calls);
	if (READ_ONCE(keep_next_free)) {
		WRITE_ONCE(keep_next_free, false);
		kept = folio;
		return true;
	}
	return false;
}

static int test_migrate_to(struct list_head *folios, int to, int mode,
			   int reason, unsigned int *nr_succeeded)
{
	return -EOPNOTSUPP;
}

static void test_folio_migrate(struct folio *src, struct folio *dst)
{
}

static struct node_private_ops test_ops = {
	.free_folio = test_free_folio,
};

static struct node_private np = { .owner = "private_node_api_test" };
static bool range_added;

static int private_node_api_suite_init(struct kunit_suite *suite)
{
	int ret;

	if (nid < 0 || !size) {
		pr_err("private_node_api_test: nid, start and size are required\n");
		return -EINVAL;
	}
	ret = remove_memory(start, size);
	if (ret) {
		pr_err("private_node_api_test: cannot take [%#llx+%#llx]: %d\n",
		       start, size, ret);
		return ret;
	}
	range_added = true;
	return 0;
}

static void private_node_api_suite_exit(struct kunit_suite *suite)
{
	if (node_private_registered(nid)) {
		offline_and_remove_private_memory(nid, start, size);
		node_private_clear_ops(&np);
		node_private_unregister(&np);
	}
	if (range_added)
		add_memory(nid, start, size, MHP_NONE);
}

static void register_refuses_bad_nodes(struct kunit *test)
{
	struct node_private other = { .owner = "other" };

	KUNIT_EXPECT_EQ(test, node_private_register(-1, &other), -EINVAL);
	KUNIT_EXPECT_EQ(test, node_private_register(MAX_NUMNODES, &other), -EINVAL);
	KUNIT_EXPECT_EQ(test, node_private_register(nid, NULL), -EINVAL);
	/* A node with ordinary memory can never become private. */
	KUNIT_EXPECT_EQ(test, node_private_register(first_memory_node, &other),
			-EBUSY);
	KUNIT_EXPECT_FALSE(test, node_private_registered(first_memory_node));
}

static void add_refuses_kernel_zones(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test,
		add_private_memory_driver_managed(nid, start, size,
						  "System RAM (kunit)", MHP_NONE,
						  MMOP_ONLINE_KERNEL, &np),
		-EINVAL);
	KUNIT_EXPECT_EQ(test,
		add_private_memory_driver_managed(nid, start, size,
						  "System RAM", MHP_NONE,
						  MMOP_ONLINE_MOVABLE, &np),
		-EINVAL);
	/* Failed adds leave no owner behind. */
	KUNIT_EXPECT_FALSE(test, node_private_registered(nid));
	KUNIT_EXPECT_FALSE(test, node_state(nid, N_MEMORY_PRIVATE));
}

static void add_makes_node_private(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test,
		add_private_memory_driver_managed(nid, start, size,
						  "System RAM (kunit)", MHP_NONE,
						  MMOP_ONLINE_MOVABLE, &np),
		0);
	KUNIT_EXPECT_TRUE(test, node_private_registered(nid));
	KUNIT_EXPECT_TRUE(test, node_state(nid, N_MEMORY_PRIVATE));
	KUNIT_EXPECT_FALSE(test, node_state(nid, N_MEMORY));
	KUNIT_EXPECT_FALSE(test, node_state(nid, N_NORMAL_MEMORY));
	KUNIT_EXPECT_TRUE(test, node_is_private(nid));
	KUNIT_EXPECT_EQ(test, node_present_pages(nid), size >> PAGE_SHIFT);
}

static void second_owner_is_ebusy(struct kunit *test)
{
	struct node_private other = { .owner = "other" };

	KUNIT_EXPECT_EQ(test, node_private_register(nid, &other), -EBUSY);
	KUNIT_EXPECT_EQ(test, node_private_unregister(&other), -EINVAL);
	KUNIT_EXPECT_EQ(test, node_private_set_ops(&other, &test_ops), -EINVAL);
}

static void ops_are_validated(struct kunit *test)
{
	struct node_private_ops bad = { .flags = NP_OPS_MEMPOLICY };
	struct node_private_ops unsupported = {
		.migrate_to = test_migrate_to,
		.folio_migrate = test_folio_migrate,
		.flags = NP_OPS_MIGRATION,
	};

	KUNIT_EXPECT_EQ(test, node_private_set_ops(&np, &bad), -EINVAL);
	if (!(NP_OPS_SUPPORTED & NP_OPS_MIGRATION))
		KUNIT_EXPECT_EQ(test, node_private_set_ops(&np, &unsupported),
				-EOPNOTSUPP);
	KUNIT_ASSERT_EQ(test, node_private_set_ops(&np, &test_ops), 0);
	KUNIT_EXPECT_EQ(test, node_private_set_ops(&np, &test_ops), -EBUSY);
	KUNIT_EXPECT_EQ(test, node_private_flags(nid), 0);
}

static void teardown_refused_while_online(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, node_private_clear_ops(&np), -EBUSY);
	KUNIT_EXPECT_EQ(test, node_private_unregister(&np), -EBUSY);
	KUNIT_EXPECT_TRUE(test, node_private_registered(nid));
	/* The range must belong to the node. */
	KUNIT_EXPECT_EQ(test, offline_and_remove_private_memory(first_memory_node,
							       start, size), -EINVAL);
}

static bool zonelist_has_node(struct zonelist *zl, int node)
{
	struct zoneref *z;

	for (z = zl->_zonerefs; zonelist_zone(z); z++)
		if (zonelist_node_idx(z) == node)
			return true;
	return false;
}

static void zonelists_keep_node_apart(struct kunit *test)
{
	struct zonelist *zl;
	struct zoneref *z;
	int n;

	for_each_online_node(n) {
		if (n == nid)
			continue;
		zl = &NODE_DATA(n)->node_zonelists[ZONELIST_FALLBACK];
		KUNIT_EXPECT_FALSE_MSG(test, zonelist_has_node(zl, nid),
				       "node %d falls back to private node %d", n, nid);
	}
	/* Its own list: itself first, then N_MEMORY nodes. */
	zl = &NODE_DATA(nid)->node_zonelists[ZONELIST_FALLBACK];
	KUNIT_EXPECT_EQ(test, zonelist_node_idx(zl->_zonerefs), nid);
	for_each_node_state(n, N_MEMORY)
		KUNIT_EXPECT_TRUE(test, zonelist_has_node(zl, n));
	/* Its no-fallback list: itself only. */
	zl = &NODE_DATA(nid)->node_zonelists[ZONELIST_NOFALLBACK];
	for (z = zl->_zonerefs; zonelist_zone(z); z++)
		KUNIT_EXPECT_EQ(test, zonelist_node_idx(z), nid);
}

/* Allocations without __GFP_PRIVATE never get a page of the node. */
static void ordinary_gfp_never_lands_on_node(struct kunit *test)
{
	static const gfp_t gfps[] = {
		GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_ATOMIC, GFP_NOWAIT,
		GFP_KERNEL | __GFP_THISNODE, GFP_HIGHUSER_MOVABLE | __GFP_THISNODE,
		GFP_TRANSHUGE_LIGHT, GFP_KERNEL | __GFP_HIGH | __GFP_MEMALLOC,
	};
	nodemask_t only = nodemask_of_node(nid);
	unsigned long landed = 0, tries = 0;
	struct page *page;
	unsigned int i, order;
	int n, round;
	void *obj;

	for (round = 0; round < 50; round++) {
		for_each_online_node(n) {
			for (i = 0; i < ARRAY_SIZE(gfps); i++) {
				order = (gfps[i] & __GFP_COMP) ? HPAGE_PMD_ORDER : 0;
				page = alloc_pages_node(n, gfps[i] | __GFP_NOWARN, order);
				tries++;
				if (page) {
					landed += page_to_nid(page) == nid;
					__free_pages(page, order);
				}
				page = __alloc_pages(gfps[i] | __GFP_NOWARN, 0, n, &only);
				if (page) {
					landed += page_to_nid(page) == nid;
					__free_page(page);
				}
			}
			obj = kmalloc_node(256, GFP_KERNEL, n);
			if (obj) {
				landed += page_to_nid(virt_to_page(obj)) == nid;
				kfree(obj);
			}
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, landed, 0, "%lu of %lu allocations on node %d",
			    landed, tries, nid);
}

static void gfp_private_lands_on_node(struct kunit *test)
{
	struct page *page;

	page = alloc_pages_node(nid, PRIVATE_GFP, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, page_to_nid(page), nid);
	__free_page(page);

	page = alloc_pages_node(nid, PRIVATE_GFP | __GFP_COMP, HPAGE_PMD_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, page_to_nid(page), nid);
	__free_pages(page, HPAGE_PMD_ORDER);

	/* __GFP_PRIVATE only permits: it does not pull other nodes' requests. */
	page = alloc_pages_node(first_memory_node,
				__GFP_PRIVATE | GFP_HIGHUSER_MOVABLE, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_NE(test, page_to_nid(page), nid);
	__free_page(page);
}

/* Every path that frees a folio of the node calls free_folio exactly once. */
static void free_folio_called_once_per_folio(struct kunit *test)
{
	struct folio_batch fbatch;
	struct folio *folio;
	struct page *page;
	long before;
	int i;

	before = atomic_long_read(&nr_free_calls);
	folio = __folio_alloc_node(PRIVATE_GFP, 0, nid);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&nr_free_calls) - before, 1);

	before = atomic_long_read(&nr_free_calls);
	folio = __folio_alloc_node(PRIVATE_GFP, HPAGE_PMD_ORDER, nid);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	folio_get(folio);
	folio_put(folio);	/* not the last reference */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&nr_free_calls) - before, 0);
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&nr_free_calls) - before, 1);

	before = atomic_long_read(&nr_free_calls);
	page = alloc_pages_node(nid, PRIVATE_GFP, 2);
	KUNIT_ASSERT_NOT_NULL(test, page);
	__free_pages(page, 2);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&nr_free_calls) - before, 1);

	before = atomic_long_read(&nr_free_calls);
	folio_batch_init(&fbatch);
	for (i = 0; i < 8; i++) {
		folio = __folio_alloc_node(PRIVATE_GFP, 0, nid);
		KUNIT_ASSERT_NOT_NULL(test, folio);
		folio_batch_add(&fbatch, folio);
	}
	folios_put(&fbatch);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&nr_free_calls) - before, 8);

	/* Ordinary folios never reach the callback. */
	before = atomic_long_read(&nr_free_calls);
	folio = __folio_alloc_node(GFP_KERNEL, 0, first_memory_node);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&nr_free_calls) - before, 0);
}

/* Pages of the node in its buddy free lists (the node is all ZONE_MOVABLE). */
static unsigned long node_free_pages(void)
{
	return zone_page_state(&NODE_DATA(nid)->node_zones[ZONE_MOVABLE],
			       NR_FREE_PAGES);
}

/*
 * An owner that returns true keeps the folio out of the buddy allocator.
 * MAX_PAGE_ORDER folios bypass the per-cpu lists, so the free count moves
 * exactly when the folio reaches the buddy allocator.
 */
static void free_folio_may_keep_folio(struct kunit *test)
{
	struct folio *folio;
	unsigned long before;

	folio = __folio_alloc_node(PRIVATE_GFP, MAX_PAGE_ORDER, nid);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	before = node_free_pages();

	WRITE_ONCE(keep_next_free, true);
	folio_put(folio);
	KUNIT_ASSERT_PTR_EQ(test, kept, folio);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 0);
	KUNIT_EXPECT_EQ(test, node_free_pages(), before);

	/* The owner reuses it, then lets it go for real. */
	folio_set_count(folio, 1);
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, node_free_pages(), before + MAX_ORDER_NR_PAGES);
}

/*
 * With the node full, GFP_PRIVATE (THISNODE) fails and __GFP_PRIVATE falls
 * back to ordinary memory.
 */
static void full_node_falls_back_without_thisnode(struct kunit *test)
{
	const gfp_t fill = PRIVATE_GFP | __GFP_NORETRY;
	LIST_HEAD(held);
	struct page *page, *tmp;
	unsigned long nr = 0;
	int order;

	for (order = HPAGE_PMD_ORDER; order >= 0; order--) {
		while ((page = alloc_pages_node(nid, fill, order))) {
			KUNIT_EXPECT_EQ(test, page_to_nid(page), nid);
			set_page_private(page, order);
			list_add(&page->lru, &held);
			nr += 1UL << order;
		}
	}
	KUNIT_EXPECT_GT(test, nr, (unsigned long)(size >> PAGE_SHIFT) * 9 / 10);
	KUNIT_EXPECT_NULL(test, alloc_pages_node(nid, fill, 0));

	page = alloc_pages_node(nid, __GFP_PRIVATE | GFP_HIGHUSER_MOVABLE, 0);
	KUNIT_EXPECT_NOT_NULL(test, page);
	if (page) {
		KUNIT_EXPECT_NE(test, page_to_nid(page), nid);
		KUNIT_EXPECT_TRUE(test, node_state(page_to_nid(page), N_MEMORY));
		__free_page(page);
	}

	list_for_each_entry_safe(page, tmp, &held, lru) {
		list_del(&page->lru);
		order = page_private(page);
		set_page_private(page, 0);
		__free_pages(page, order);
	}
}

static void teardown_in_order(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, offline_and_remove_private_memory(nid, start, size), 0);
	KUNIT_EXPECT_FALSE(test, node_state(nid, N_MEMORY_PRIVATE));
	KUNIT_EXPECT_FALSE(test, node_state(nid, N_MEMORY));
	KUNIT_EXPECT_EQ(test, node_present_pages(nid), 0);
	/* No memory left: ops and owner may go. */
	KUNIT_EXPECT_EQ(test, node_private_clear_ops(&np), 0);
	KUNIT_EXPECT_EQ(test, node_private_unregister(&np), 0);
	KUNIT_EXPECT_FALSE(test, node_private_registered(nid));
	/* And the node can be owned again. */
	KUNIT_EXPECT_EQ(test, node_private_register(nid, &np), 0);
	KUNIT_EXPECT_EQ(test, node_private_unregister(&np), 0);
}

static struct kunit_case private_node_api_cases[] = {
	KUNIT_CASE(register_refuses_bad_nodes),
	KUNIT_CASE(add_refuses_kernel_zones),
	KUNIT_CASE(add_makes_node_private),
	KUNIT_CASE(second_owner_is_ebusy),
	KUNIT_CASE(ops_are_validated),
	KUNIT_CASE(teardown_refused_while_online),
	KUNIT_CASE(zonelists_keep_node_apart),
	KUNIT_CASE(ordinary_gfp_never_lands_on_node),
	KUNIT_CASE(gfp_private_lands_on_node),
	KUNIT_CASE(free_folio_called_once_per_folio),
	KUNIT_CASE(free_folio_may_keep_folio),
	KUNIT_CASE(full_node_falls_back_without_thisnode),
	KUNIT_CASE(teardown_in_order),
	{}
};

static struct kunit_suite private_node_api_suite = {
	.name = "private_node_api",
	.suite_init = private_node_api_suite_init,
	.suite_exit = private_node_api_suite_exit,
	.test_cases = private_node_api_cases,
};
kunit_test_suite(private_node_api_suite);

MODULE_DESCRIPTION("KUnit tests of the private memory node API");
MODULE_LICENSE("GPL");
