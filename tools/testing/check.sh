#!/bin/bash
# "make check": run every step, keep going after a failure, and end with one
# line "N passed, N failed[, N skipped]".  Each step prints TAP lines
# ("ok - ...", "not ok - ...", "... # SKIP reason"); its full output is kept in
# build/logs/check-STEP.log and all TAP lines in build/results/check.tap.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
logs=build/logs res=build/results/check.tap
mkdir -p "$logs" "$(dirname "$res")"
: > "$res"

# step NAME "what it proves" COMMAND...: a command that prints TAP lines itself
# (tap=1) contributes those; otherwise its exit status is the one result.
step() {
	local name=$1 what=$2 tap=$3 rc start
	shift 3
	start=$(date +%s)
	printf '== %s\n' "$name"
	"$@" > "$logs/check-$name.log" 2>&1
	rc=$?
	if [ "$tap" = 1 ]; then
		grep -E '^(not )?ok |^#   ' "$logs/check-$name.log" | tee -a "$res"
		if [ $rc != 0 ] && ! grep -q '^not ok' "$logs/check-$name.log"; then
			echo "not ok - $name: failed before reporting (see $logs/check-$name.log)" | tee -a "$res"
			tail -15 "$logs/check-$name.log" | sed 's/^/#   /'
		fi
	elif [ $rc = 0 ]; then
		echo "ok - $what" | tee -a "$res"
	else
		echo "not ok - $what (see $logs/check-$name.log)" | tee -a "$res"
		tail -15 "$logs/check-$name.log" | sed 's/^/#   /'
	fi
	printf '   (%ss)\n' $(($(date +%s) - start))
	return $rc
}

step tree "kernel: base tree + series applied with git am" 0 make -s tree
step host "host: userspace builds with -Wall -Wextra -Werror" 0 make -s host
step host-test "host: unit tests" 1 make -s host-test
step checkpatch "kernel: checkpatch" 1 make -s checkpatch
if step kernel "kernel: patched kernel builds, every config symbol survived" 0 make -s kernel; then
	step guest "guest suite" 1 make -s vm-test
	step harness "harness self-test" 1 make -s harness-selftest
	# upstream cgroup/mm selftests, unpatched base vs patched (builds the base)
	step regress "regress" 1 make -s regress
else
	echo "not ok - guest suite not run: the kernel did not build" | tee -a "$res"
fi

pass=$(grep -c '^ok ' "$res" | tr -d ' ')
skip=$(grep -c '^ok .*# SKIP' "$res" | tr -d ' ')
fail=$(grep -c '^not ok ' "$res" | tr -d ' ')
pass=$((pass - skip))
echo
if [ "$skip" -gt 0 ]; then
	echo "skipped:"
	grep '^ok .*# SKIP' "$res" | sed 's/^ok - /  /'
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
