#!/bin/bash
# Page-fault cost on ordinary memory: the unpatched base against the patched
# kernel, without and with a private node, in one run.  Every boot uses
# QEMU -icount (guest clock = instruction count), so the figures repeat;
# each scenario boots BOOTS times.  Prints a table and the ratios, and
# writes them to build/results/bench.txt.
#   run-bench.sh  (after "make kernel-base initramfs bench-initramfs")
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
b=$top/build
BOOTS=${BOOTS:-5}
out=$b/results/bench.txt
mkdir -p "$b/results" "$b/logs"

# scenario name, kernel variant, guest target
scenarios=(
	"base|base|bench"
	"patched|patched|bench"
	"patched+private-node|patched|bench-private"
)

measure() {	# variant target log -> median ns per fault
	"$top/tools/testing/vm/run-vm.sh" --icount --timeout 1800 \
		--kernel "$b/obj/$1/arch/x86/boot/bzImage" \
		--initrd "$b/vm/$1/initramfs.cpio" --run "$2" --log "$3" >/dev/null ||
		{ echo "bench: guest run failed, see $3.console" >&2; return 1; }
	tr -d '\r' < "$3.results" | awk '/^# bench fault_ns/ { print $4; exit }'
}

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
