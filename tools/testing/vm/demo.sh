#!/bin/sh
# What "make demo" shows inside the guest: the NUMA topology as the kernel sees
# it, node by node, with each node's memory blocks and their state.
nodes=/sys/devices/system/node

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
echo
echo "Nodes 2 and 3 hold hot-pluggable DIMMs left offline (memhp_default_state=offline):"
echo "node 2 stands for accelerator memory, node 3 for a compressed-RAM device."
echo
