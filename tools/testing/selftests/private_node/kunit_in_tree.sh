#!/bin/sh
# The series' own KUnit suite (mm/node_private_kunit.c), loaded as a module
# after the example driver made node 2 private, so the allocator predicate
# is checked on a private zone as well as on ordinary ones.  A second suite
# of the module checks the parser and the effective-grant rule of the
# memory controller's memory.private_nodes.
. /lib/privnode/guest-lib.sh
echo "TAP version 13"
set -- $(dimm_range 2)
if ! insmod /modules/private_region.ko nid=2 start="$1" size="$2" borrow=1; then
	echo "not ok 1 load private_region on node 2"
	exit 1
fi
if insmod /modules/node_private_kunit.ko; then
	kunit_report node_private
	kunit_report memcg_private_nodes
	grep -h "private zones" /sys/kernel/debug/kunit/node_private/results | sed 's/^[ \t]*#*/#/'
	rmmod node_private_kunit
else
	echo "not ok 1 insmod node_private_kunit.ko"
fi
rmmod private_region
