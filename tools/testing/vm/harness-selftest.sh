#!/bin/bash
# Prove that the harness turns a run red (a green "make check" means something):
#  1. a guest test that fails on purpose must fail the run;
#  2. a kernel WARN must fail the run although every test passed.
#   harness-selftest.sh BZIMAGE INITRD LOGDIR
# Prints one TAP line per proof; exit status 0 only if both hold.
set -uo pipefail
kernel=$1 initrd=$2 logs=$3
run_vm=$(dirname "$0")/run-vm.sh
fail=0

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
exit $fail
