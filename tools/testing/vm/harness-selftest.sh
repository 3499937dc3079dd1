#!/bin/bash
# Prove that the harness turns a run red (a green "make check" means something):
#  1. a guest test that fails on purpose must fail the run;
#  2. a kernel WARN must fail the run although every test passed;
#  3. an OOM-killer report outside a test's "oom-expected" markers must fail
#     the run, while one between them must not: a real OOM kill in the
#     guest, then the console scanner's rules on made-up console logs.
#   harness-selftest.sh BZIMAGE INITRD LOGDIR
# Prints one TAP line per proof; exit status 0 only if all hold.
set -uo pipefail
kernel=$1 initrd=$2 logs=$3
run_vm=$(dirname "$0")/run-vm.sh
scan=$(dirname "$0")/console-scan.sh
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

prove() {	# name target must-match...
	local name=$1 target=$2 out rc pat
	shift 2
	out=$("$run_vm" --kernel "$kernel" --initrd "$initrd" --run "$target" \
		--log "$logs/selftest-$target" --timeout 300)
	rc=$?
	if [ $rc = 0 ]; then
		echo "not ok - harness self-test: $name (the run was reported green)"
		fail=1
		return
	fi
	for pat in "$@"; do
		if ! grep -qE -- "$pat" <<< "$out"; then
			echo "not ok - harness self-test: $name (missing: $pat)"
			echo "$out" | sed 's/^/#   /'
			fail=1
			return
		fi
	done
	echo "ok - harness self-test: $name"
}

prove "a failing guest test turns the run red" harness-fail \
	'^ok - harness-fail/fails_on_purpose: global.passes$' \
	'^not ok - harness-fail/fails_on_purpose: global.fails_on_purpose$' \
	'^ok - guest: ran to completion \(verdict 1\)'
prove "a kernel WARN turns the run red" harness-warn \
	'^ok - harness-warn/warn_splat.sh: harness_warn loaded' \
	'^not ok - guest: kernel console has splats' \
	'deliberate warning'

# harness-oom kills a task at its memory.max twice: between the markers,
# then after writing $unmarked, without them.  The run must be red, and the
# console up to $unmarked, which holds the first OOM report, must scan clean.
unmarked='privnode-test: harness-oom: an unmarked OOM follows'
prove "an OOM-killer report outside the oom-expected markers turns the run red" harness-oom \
	'^ok - harness-oom/oom_markers: global.oom_inside_then_outside_markers$' \
	'^ok - guest: ran to completion \(verdict 0\)' \
	'^not ok - guest: kernel console has splats' \
	'invoked oom-killer:'
name="a real OOM-killer report between the oom-expected markers is no splat"
con=$logs/selftest-harness-oom.console
if ! grep -q "$unmarked" "$con" 2>/dev/null; then
	echo "not ok - harness self-test: $name (no '$unmarked' in $con)"
	fail=1
else
	sed "/$unmarked/q" "$con" > "$tmp/marked.console"
	if ! grep -q 'invoked oom-killer:' "$tmp/marked.console"; then
		echo "not ok - harness self-test: $name (no OOM report before '$unmarked')"
		fail=1
	elif ! out=$("$scan" "$tmp/marked.console"); then
		echo "not ok - harness self-test: $name"
		echo "$out" | sed 's/^/#   /'
		fail=1
	else
		echo "ok - harness self-test: $name"
	fi
fi

# The scanner's rules on made-up console logs (no guest needed).
oom_report() {	# an OOM-killer report as the guest kernel prints one
	cat <<'REPORT'
hog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
CPU: 1 UID: 0 PID: 98 Comm: hog Not tainted 6.12.117+ #2
Call Trace:
 <TASK>
 dump_stack_lvl+0x53/0x70
 dump_header+0x3f/0x1b0
 oom_kill_process+0xe9/0x1c0
 out_of_memory+0x149/0x560
 mem_cgroup_out_of_memory+0x10b/0x120
 handle_mm_fault+0x134/0x280
 exc_page_fault+0x1f8/0x640
 asm_exc_page_fault+0x26/0x30
RIP: 0033:0x401e20
 </TASK>
memory: usage 16384kB, limit 16384kB, failcnt 13
Memory cgroup out of memory: Killed process 98 (hog) total-vm:70000kB, anon-rss:16000kB
REPORT
}
warning() {
	cat <<'REPORT'
------------[ cut here ]------------
WARNING: CPU: 0 PID: 97 at mm/page_alloc.c:4000 __alloc_pages+0x1/0x2
Call Trace:
 <TASK>
 dump_stack_lvl+0x53/0x70
 </TASK>
---[ end trace 0000000000000000 ]---
REPORT
}
begin='privnode-test: oom-expected begin limit_test'
end='privnode-test: oom-expected end limit_test'

scan_case() {	# name clean|splat [--oom-ok]; the console log on stdin
	local name=$1 want=$2 got out
	shift 2
	cat > "$tmp/case.console"
	if out=$("$scan" "$@" "$tmp/case.console"); then got=clean; else got=splat; fi
	if [ "$got" = "$want" ]; then
		echo "ok - harness self-test: console scan: $name"
	else
		echo "not ok - harness self-test: console scan: $name (scanned $got, want $want)"
		echo "$out" | sed 's/^/#   /'
		fail=1
	fi
}

{ echo "privnode-test: start t/a"; echo "$begin"; oom_report; oom_report; echo "$end"
  echo "privnode-test: end t/a rc=0"; } |
	scan_case "OOM reports between the markers are dropped" clean
{ echo "$begin"; echo "$end"; oom_report; } |
	scan_case "an OOM report after the markers fails" splat
{ oom_report; echo "$begin"; echo "$end"; } |
	scan_case "an OOM report before the markers fails" splat
{ echo "$begin"; oom_report; echo "privnode-test: end t/a rc=1"; echo "privnode-test: start t/b"
  oom_report; } |
	scan_case "markers left open by a dead test exempt nothing after it" splat
{ echo "$begin"; oom_report; warning; echo "$end"; } |
	scan_case "a WARNING between the markers fails" splat
{ echo "$begin"; oom_report; echo "BUG: Bad page state in process hog"; echo "$end"; } |
	scan_case "a BUG right after an expected OOM report fails" splat
oom_report | scan_case "--oom-ok drops any OOM report" clean --oom-ok
{ oom_report; warning; } | scan_case "--oom-ok still fails on a WARNING" splat --oom-ok
exit $fail
