#!/bin/bash
# "make regress": run the base tree's own cgroup and mm selftests (tests.list)
# in the guest on the unpatched base and on the patched kernel, with the same
# initramfs, kernel arguments and topology, and compare case by case.
#   run-regress.sh BASE_BZIMAGE PATCHED_BZIMAGE INITRAMFS
# Prints TAP (compare.awk) plus, per kernel, "the test environment is up",
# "guest ran to completion" and "console free of splats"; writes the
# side-by-side table to build/results/regress.txt.  Exit status 0 only if
# every line is "ok".
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
here=$top/tools/testing/regress
b=$top/build logs=$top/build/logs res=$top/build/results img=$top/build/regress
mkdir -p "$logs" "$res" "$img"
PATH=$PATH:/usr/sbin:/sbin	# mkfs.ext4
declare -A kernel=([base]=$1 [patched]=$2)
initrd=$3

# Identical for both kernels.  THP "madvise": "always" (the Kconfig default)
# makes test_memcontrol's reclaim and swap_max_peak fail on the base, "never"
# would skip every THP case of cow, khugepaged, migration and the rest.
# zswap is built in but off by default; test_zswap needs it on.
cpus=4
append="transparent_hugepage=madvise zswap.enabled=1"

tap=$res/regress.tap
: > "$tap"
declare -A secs
for k in base patched; do
	# A fresh ext4 work disk and swap disk for each kernel.
	rm -f "$img/work.img" "$img/swap.img"
	truncate -s 512M "$img/work.img"
	truncate -s 256M "$img/swap.img"
	mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$img/work.img" ||
		{ echo "not ok - regress: mkfs.ext4 failed"; exit 1; }
	echo "regress: running the selftests on the $k kernel (${kernel[$k]#$top/})" >&2
	start=$(date +%s)
	"$top/tools/testing/vm/run-vm.sh" --kernel "${kernel[$k]}" --initrd "$initrd" \
		--log "$logs/regress-$k" --run regress --cpus $cpus \
		--disk "$img/work.img" --disk "$img/swap.img" \
		--append "$append" --oom-ok --timeout 3600 > "$logs/regress-$k.out"
	secs[$k]=$(($(date +%s) - start))
	{
		env=$(tr -d '\r' < "$logs/regress-$k.results" | grep -m1 '^# regress-env: ')
		if [[ "$env" == "# regress-env: ok "* ]]; then
			echo "ok - regress: $k: test environment up (${env#\# regress-env: ok })"
		else
			echo "not ok - regress: $k: test environment not set up (${env:-no report})"
		fi
		# run-vm.sh's own checks of the run, with their details
		sed -n -e "s/^\(\(not \)\{0,1\}ok - \)guest: /\1regress: $k: guest /p" \
			-e '/^#   /p' "$logs/regress-$k.out"
	} | tee -a "$tap"
	awk -f "$here/results.awk" "$logs/regress-$k.results" > "$res/regress-$k.cases"
done

if ! grep -q 'pass$' "$res/regress-base.cases"; then
	echo "not ok - regress: no case passes on the unpatched base (broken test setup?)" | tee -a "$tap"
fi
awk -f "$here/compare.awk" -v table="$res/regress.table" \
	"$res/regress-base.cases" "$res/regress-patched.cases" | tee -a "$tap"

{
	echo "Upstream cgroup and mm selftests (built from the base tree), unpatched base"
	echo "vs patched kernel; guest: $cpus CPUs, kernel arguments \"$append\"."
	echo "Wall time: base ${secs[base]} s, patched ${secs[patched]} s."
	echo
	cat "$res/regress.table"
} > "$res/regress.txt"
echo
cat "$res/regress.txt"
echo
tail -2 "$res/regress.txt" | sed 's/^/#   /'
! grep -q '^not ok' "$tap"
