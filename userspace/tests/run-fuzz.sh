#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run libFuzzer targets for $FUZZ_SECONDS each; print TAP, one line a target.
# New inputs go to a scratch corpus under DIR; fuzz/corpus/ (the seeds, in
# the tree) is only read.  Usage: run-fuzz.sh DIR TARGET...
dir=$1
shift
seconds=${FUZZ_SECONDS:-7}
src=$(dirname "$0")/../fuzz/corpus
echo "1..$#"
n=0 rc=0
for t in "$@"; do
	n=$((n + 1))
	mkdir -p "$dir/corpus-$t"
	log="$dir/$t.log"
	if "$dir/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 "$dir/corpus-$t" "$src/$t" > "$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "ok $n - $t: ${seconds}s, ${runs:-?} inputs, no crash"
	else
		echo "not ok $n - $t: crashed (log: $log)"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | sed 's/^/# /' | head -20
		rc=1
	fi
done
exit $rc
