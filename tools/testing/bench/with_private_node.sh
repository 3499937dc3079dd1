#!/bin/sh
# The fault benchmark on ordinary memory while node 2 is private: the
# private-nodes static key is on, so this measures what the allocator's
# private-zone checks cost once a private node exists.
. /lib/privnode/guest-lib.sh
set -- $(dimm_range 2)
insmod /modules/private_region.ko nid=2 start="$1" size="$2" borrow=1 || exit 1
/tests/bench/fault_bench
rc=$?
rmmod private_region
exit $rc
