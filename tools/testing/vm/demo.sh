#!/bin/sh
# What "make demo" shows inside the guest: the NUMA topology as the kernel sees
# it, node by node, with each node's memory blocks and their state; then the
# example driver turns node 2 into a private node that ordinary allocations
# cannot reach while its owner can.
. /lib/privnode/guest-lib.sh
nodes=/sys/devices/system/node

show_topology() {
	echo
	echo "=== NUMA topology (guest kernel $(uname -r)) ==="
	for f in possible online has_cpu has_memory has_normal_memory; do
		printf '  %-18s %s\n' "$f:" "$(cat $nodes/$f)"
	done
	[ -r $nodes/has_memory_private ] &&
		printf '  %-18s %s\n' "has_memory_private:" "$(cat $nodes/has_memory_private)"

	echo
	bs=$(cat /sys/devices/system/memory/block_size_bytes)
	printf '  %-5s %-6s %10s %10s  %s\n' node cpus "MemTotal" "MemFree" \
		"memory blocks ($((0x$bs >> 20)) MiB each)"
	for d in $nodes/node[0-9]*; do
		n=${d##*node}
		total=$(awk '/MemTotal/ {print $4 " kB"}' $d/meminfo)
		free=$(awk '/MemFree/ {print $4 " kB"}' $d/meminfo)
		# "memory32-35 offline": block ranges with their state, in block order
		blocks=$(for b in $d/memory[0-9]*; do
				[ -e "$b" ] && echo "${b##*memory} $(cat $b/state)"
			done | sort -n | awk '
			function flush() { if (lo != "") printf " memory%s%s %s", lo, (hi != lo ? "-" hi : ""), st }
			$2 != st || $1 != hi + 1 { flush(); lo = $1; st = $2 }
			{ hi = $1 }
			END { flush() }')
		printf '  %-5s %-6s %10s %10s %s\n' "$n" "$(cat $d/cpulist)" "$total" "$free" "${blocks:- (none)}"
	done

	echo
	echo "  distances:"
	for d in $nodes/node[0-9]*; do
		printf '    node%s: %s\n' "${d##*node}" "$(cat $d/distance)"
	done
}

show_topology
echo
echo "Nodes 2 and 3 hold hot-pluggable DIMMs left offline (memhp_default_state=offline):"
echo "node 2 stands for accelerator memory, node 3 for a compressed-RAM device."
echo

echo "=== Making node 2 a private node ==="
set -- $(dimm_range 2)
printf '$ insmod private_region.ko nid=2 start=%#x size=%#x borrow=1\n' "$1" "$2"
insmod /modules/private_region.ko nid=2 start="$1" size="$2" borrow=1 || exit 1
printf '  has_memory_private: %s   (has_memory: %s)\n' \
	"$(cat $nodes/has_memory_private)" "$(cat $nodes/has_memory)"
printf '  node2/private/owner: %s\n' "$(cat $nodes/node2/private/owner)"
show_topology
echo
echo "Ordinary memory users cannot reach it: 30 s of stress-ng (vm, fork, page cache)..."
stress-ng --vm 2 --vm-bytes 64M --fork 1 --tmpfs 1 --temp-path /tmp --timeout 30s >/dev/null 2>&1
printf '  node 2 free after the load: %s kB\n' "$(awk '/MemFree/ {print $4}' $nodes/node2/meminfo)"
echo
echo "Its owner can: the driver allocates 1000 pages with GFP_PRIVATE, then frees them."
echo 1000 > /sys/kernel/debug/private_region/alloc
printf '  node 2 free while held: %s kB\n' "$(awk '/MemFree/ {print $4}' $nodes/node2/meminfo)"
echo 1000 > /sys/kernel/debug/private_region/free
sed 's/^/  driver stats: /' /sys/kernel/debug/private_region/stats
echo
echo "=== Releasing node 2 ==="
rmmod private_region
printf '  has_memory_private: "%s"; node 2 blocks are offline again\n' "$(cat $nodes/has_memory_private)"
echo
