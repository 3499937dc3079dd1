#!/bin/bash
# Two benchmarks, each in one run of its own; every boot uses QEMU -icount
# (guest clock = instruction count), so the figures repeat.
#
#  fault  page-fault cost on ordinary memory: the unpatched base against the
#         patched kernel, without and with a private node; each scenario
#         boots BOOTS times.  Writes build/results/bench.txt.
#  accel  the cost of using a private node (examples/accel_mem on node 2):
#         faults under mbind {2} against mbind {0} (and {1}), move_pages()
#         throughput 0 -> 2 against 0 -> 1; ACCEL_BOOTS boots of the patched
#         kernel.
#         Writes build/results/bench-accel.txt.
#  cgroup the cost of the cgroup grant (memory.private_nodes) at fault time:
#         granted node 2 against mbind {0} in a cgroup, then with 999 sibling
#         cgroups and 8 levels deep; CGROUP_BOOTS boots of the patched kernel.
#         Writes build/results/bench-cgroup.txt.
#  cgroup-cpuset  the same with every cgroup a cpuset (the cpuset
#         controller on below the root).  Writes
#         build/results/bench-cgroup-cpuset.txt.
#
#   run-bench.sh [fault|accel|cgroup|cgroup-cpuset|all]   (default all; after "make
#                          bench-progs initramfs", plus kernel-base for fault)
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
b=$top/build
BOOTS=${BOOTS:-5}
ACCEL_BOOTS=${ACCEL_BOOTS:-5}
CGROUP_BOOTS=${CGROUP_BOOTS:-5}
which=${1:-all}
out=$b/results/bench.txt
mkdir -p "$b/results" "$b/logs"

# scenario name, kernel variant, guest target
scenarios=(
	"base|base|bench"
	"patched|patched|bench"
	"patched+private-node|patched|bench-private"
)

boot() {	# variant target log: one -icount boot running the target
	"$top/tools/testing/vm/run-vm.sh" --icount --timeout 1800 \
		--kernel "$b/obj/$1/arch/x86/boot/bzImage" \
		--initrd "$b/vm/$1/initramfs.cpio" --run "$2" --log "$3" >/dev/null ||
		{ echo "bench: guest run failed, see $3.console and $3.tap" >&2; return 1; }
}

measure() {	# variant target log -> median ns per fault
	boot "$@" || return 1
	tr -d '\r' < "$3.results" | awk '/^# bench fault_ns/ { print $4; exit }'
}

median() {	# numbers on stdin -> their median (the lower one of an even count)
	sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# One row per boot of the patched kernel running guest target $1, $2 boots:
# the figures the awk program $5 picks from the boot's results, printed
# with format $3; then the median of each of the $4 columns as a last row,
# and in med[] (0-based) for the caller's summary.  Medians of per-boot
# figures, ratios included: each boot's ratio compares rounds that
# alternated within that boot.
per_boot_rows() {	# target boots fmt columns awk-program
	local target=$1 boots=$2 fmt=$3 cols=$4 pick=$5 i log line meds
	local -a rows=()

	for i in $(seq 1 "$boots"); do
		log=$b/logs/$target-$i
		boot patched "$target" "$log"
		line=$(tr -d '\r' < "$log.results" | awk "$pick")
		[ -n "$line" ] || { echo "bench: no figures in $log.results" >&2; return 1; }
		rows+=("$line")
		# shellcheck disable=SC2086
		printf "$fmt" "$i" $line
	done
	meds=$(for i in $(seq 1 "$cols"); do
		printf '%s\n' "${rows[@]}" | awk -v c="$i" '{ print $c }' | median
	done | xargs)
	# shellcheck disable=SC2086
	printf "$fmt" median $meds
	read -ra med <<< "$meds"
}

fault_bench() {
declare -A mean med
{
	echo "Page-fault cost on ordinary anonymous memory (64 MiB, 4 KiB pages, THP off),"
	echo "median of 15 rounds per boot, QEMU TCG -icount shift=0 (1 guest ns = 1 instruction)."
	echo
	printf '%-22s %s\n' scenario "ns per fault, one figure per boot"
	for s in "${scenarios[@]}"; do
		IFS='|' read -r name variant target <<< "$s"
		vals=()
		for i in $(seq 1 "$BOOTS"); do
			vals+=("$(measure "$variant" "$target" "$b/logs/bench-$name-$i")")
		done
		# Per-boot figures cluster in two or three values (the guest's
		# background work lands differently); the median across boots is
		# the robust summary, the mean is shown too.
		mean[$name]=$(printf '%s\n' "${vals[@]}" | awk '{ s += $1 } END { printf "%.1f", s / NR }')
		med[$name]=$(printf '%s\n' "${vals[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
		printf '%-22s %s  (median %s, mean %s)\n' "$name" "${vals[*]}" "${med[$name]}" "${mean[$name]}"
	done
	echo
	for name in patched patched+private-node; do
		awk -v n="$name" -v p="${med[$name]}" -v q="${med[base]}" \
		    -v pm="${mean[$name]}" -v qm="${mean[base]}" 'BEGIN {
			printf "ratio %-20s / base: median %.4f (%+.2f%%), mean %.4f (%+.2f%%)\n",
				n, p / q, (p / q - 1) * 100, pm / qm, (pm / qm - 1) * 100 }'
	done
} | tee "$out"
}

# The accel scenario: one line per boot with the medians and the ratios,
# then the median of each column across boots.
accel_bench() {
	local -a med=()
	local fmt='%-6s %9s %9s %9s %7s %7s   %10s %10s %7s\n'
	{
	echo "Private node owned by examples/accel_mem (node 2) against ordinary nodes,"
	echo "patched kernel, QEMU TCG -icount shift=0 (1 guest ns = 1 instruction)."
	echo "fault: 64 MiB of 4 KiB anonymous faults (THP off) under mbind(MPOL_BIND) to"
	echo "       node 2, 0 or 1; ns per fault, median of 25 regions per node."
	echo "move:  move_pages() of a fresh 32 MiB buffer (8192 pages) faulted on node 0,"
	echo "       to node 2 or 1; pages per second of the call, median of 25 buffers."
	echo
	printf "$fmt" boot "fault n2" "fault n0" "fault n1" "n2/n0" "n2/n1" \
		"move 0->2" "move 0->1" "2/1"
	# shellcheck disable=SC2016
	per_boot_rows bench-accel "$ACCEL_BOOTS" "$fmt" 8 '
		/^# bench accel fault_ns/ { f = $6 " " $8 " " $12 " " $10 " " $14 }
		/^# bench accel move_pps/ { m = $6 " " $8 " " $10 }
		END { if (f != "" && m != "") print f, m }'
	echo
	echo "ratio fault cost, private node / node 0:        ${med[3]} (median of per-boot ratios)"
	echo "ratio move_pages throughput, 0->private / 0->1: ${med[7]} (median of per-boot ratios)"
	echo "(reference: fault cost, private node / node 1:   ${med[4]})"
	} | tee "$b/results/bench-accel.txt"
}

# The cgroup scenario: like accel, one line per boot (medians over the
# boot's rounds and their ratios), then the median of each column.
cgroup_bench() {	# [guest target: bench-cgroup, or bench-cgroup-cpuset]
	local target=${1:-bench-cgroup}
	local -a med=()
	local fmt='%-6s %7s %7s %7s %7s %7s %7s %7s  %6s %6s %6s %6s %6s %6s %6s %6s\n'
	{
	echo "Cost of the cgroup grant of private node 2 (examples/accel_mem) at fault time,"
	echo "patched kernel, QEMU TCG -icount shift=0 (1 guest ns = 1 instruction)."
	echo "64 MiB of 4 KiB anonymous faults (THP off) per round, a fresh mapping each"
	echo "round, ns per fault, median of 25 rounds per scenario; the task in a non-root"
	echo "cgroup, pinned to CPU 0:"
	echo "  ord    /cgb-ord, no request, mbind {0}"
	echo "  ord1   /cgb-ord, mbind {1}: ordinary memory as far away as node 2"
	echo "  grant  /cgb-grant, requests 2, mbind {2} (grant check + node-2 charge)"
	echo "  1k     grant, once 999 empty sibling cgroups exist (memory controller on)"
	echo "  1k-req grant, once each of the 999 siblings requests 2 as well"
	echo "  deep   8 levels below the root, each requesting 2, mbind {2}"
	echo "  deep0  the same cgroup, mbind {0} (the memory controller's own depth cost)"
	echo "  1ko/o  ord measured alongside 1k, over ord: drift between the two phases"
	echo "  gdep   (deep/deep0) / (grant/ord): the grant's own cost of 7 more levels"
	[ "$target" = bench-cgroup ] ||
		echo "With the cpuset controller on below the root: every cgroup is a cpuset."
	echo
	printf "$fmt" boot ord grant 1k 1k-req deep deep0 ord1 \
		g/o 1k/g 1kr/g deep/g d0/o 1ko/o g/o1 gdep
	# shellcheck disable=SC2016
	per_boot_rows "$target" "$CGROUP_BOOTS" "$fmt" 15 '
		/^# bench cgroup fault_ns/ { f = $6 " " $8 " " $16 " " $20 " " $10 " " $12 " " $22 }
		/^# bench cgroup ratio/ { r = $6 " " $8 " " $10 " " $12 " " $14 " " $18 " " $22 " " $24 }
		END { if (f != "" && r != "") print f, r }'
	echo
	echo "ratio granted / ordinary node 1:             ${med[13]} (goal <= 1.05; median of per-boot ratios)"
	echo "ratio granted / ordinary node 0:             ${med[7]} (node 0 is the CPUs' own node)"
	echo "ratio granted, 1000 cgroups / granted:       ${med[8]} (goal <= 1.02; siblings empty)"
	echo "ratio granted, 1000 cgroups / granted:       ${med[9]} (siblings requesting 2 too)"
	echo "ratio granted, 8 levels deep / granted:      ${med[10]} (goal <= 1.02)"
	echo "  of which the grant's own (gdep):           ${med[14]}"
	echo "(reference: 8 levels deep, mbind {0} / ordinary: ${med[11]}, the memory controller's own;"
	echo " ordinary with 999 siblings / ordinary: ${med[12]}, drift between the phases)"
	} | tee "$b/results/$target.txt"
}

case "$which" in
fault) fault_bench ;;
accel) accel_bench ;;
cgroup) cgroup_bench ;;
cgroup-cpuset) cgroup_bench bench-cgroup-cpuset ;;
all) fault_bench; echo; accel_bench; echo; cgroup_bench; echo
     cgroup_bench bench-cgroup-cpuset ;;
*) echo "run-bench: unknown benchmark $which (fault, accel, cgroup, cgroup-cpuset or all)" >&2
   exit 2 ;;
esac
