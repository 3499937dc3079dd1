#!/bin/sh
# Isolation under load: with node 2 private (example driver) and node 3
# private (KUnit module, which meanwhile hammers every node with ordinary
# GFP flags), stress-ng runs anonymous, mmap, brk, fork, malloc, page-cache
# (tmpfs), dentry/slab and NUMA-syscall stressors from an ordinary process.
# Afterwards not one page of node 2 may be in use.
. /lib/privnode/guest-lib.sh
STRESS_TIME=${STRESS_TIME:-90}
n=0
report() {	# report OK|FAIL description
	n=$((n + 1))
	if [ "$1" = OK ]; then echo "ok $n $2"; else echo "not ok $n $2"; fi
}
meminfo() { awk -v k="$2:" '$3 == k { print $4 }' /sys/devices/system/node/node"$1"/meminfo; }

echo "TAP version 13"
set -- $(dimm_range 2)
insmod /modules/private_region.ko nid=2 start="$1" size="$2" borrow=1 ||
	{ report FAIL "load private_region on node 2"; exit 1; }
total=$(meminfo 2 MemTotal)
free_before=$(meminfo 2 MemFree)
[ "$free_before" = "$total" ] && r=OK || r=FAIL
report $r "node 2 all free before the load ($free_before of $total kB)"

mkdir -p /tmp/stress
stress-ng --temp-path /tmp/stress --timeout "${STRESS_TIME}s" \
	--vm 2 --vm-bytes 96M --mmap 1 --mmap-bytes 48M --brk 1 --fork 2 \
	--malloc 1 --tmpfs 1 --dentry 1 --numa 1 \
	--oomable --metrics-brief > /tmp/stress.log 2>&1 &
spid=$!

# Meanwhile, in the kernel: every node, ordinary GFP flags, node 3 private.
set -- $(dimm_range 3)
insmod /modules/private_node_api_test.ko nid=3 start="$1" size="$2"
kunit_report private_node_api | sed 's/^\(not \)\{0,1\}ok [0-9]* /&under load: /' |
	while read -r line; do
		case "$line" in
		"ok "*) report OK "${line#ok * }" ;;
		"not ok "*) report FAIL "${line#not ok * }" ;;
		*) echo "$line" ;;
		esac
	done
rmmod private_node_api_test

wait $spid
rc=$?
sed 's/^/# /' /tmp/stress.log | tail -20
[ $rc = 0 ] && r=OK || r=FAIL
report $r "stress-ng ran its ${STRESS_TIME}s (exit status $rc)"

free_after=$(meminfo 2 MemFree)
[ "$free_after" = "$total" ] && r=OK || r=FAIL
report $r "node 2 untouched by the load: $free_after of $total kB free"
allocated=$(awk '/^allocated/ { print $2 }' /sys/kernel/debug/private_region/stats)
[ "$allocated" = 0 ] && r=OK || r=FAIL
report $r "the owner allocated nothing, so nothing else did ($allocated)"
rmmod private_region || report FAIL "unload private_region"
