#!/bin/sh
# In-kernel API of private nodes, exercised by a KUnit module on node 3:
# ownership and -EBUSY rules, ops validation, zonelists, isolation from
# ordinary GFP flags, the __GFP_PRIVATE fallback, free_folio.
. /lib/privnode/guest-lib.sh
echo "TAP version 13"
set -- $(dimm_range 3)
if ! insmod /modules/private_node_api_test.ko nid=3 start="$1" size="$2"; then
	echo "not ok 1 insmod private_node_api_test.ko"
	exit 1
fi
kunit_report private_node_api
rmmod private_node_api_test
