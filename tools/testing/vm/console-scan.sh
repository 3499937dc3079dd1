#!/bin/bash
# Scan a guest console log for kernel splats.  Prints one TAP line (and, on
# a hit, an excerpt) and exits 0 only if the log is clean.
#
#   console-scan.sh [--oom-ok] CONSOLE
#
# A splat is BUG:, WARNING:, KASAN, Oops, Call Trace, Kernel panic or the
# headline of a lockdep report.  Lockdep reports are matched by their
# headlines: a debug kernel's boot log says "RCU lockdep checking is
# enabled" and prints MAX_LOCKDEP_* limits.
#
# OOM-killer reports print a stack dump ("Call Trace") that is no bug when a
# test provokes the OOM killer on purpose.  Such a report (from "invoked
# oom-killer:" to the end of its stack dump, </TASK>, or 60 lines at most)
# is dropped before scanning when it starts
#  * between a line containing "privnode-test: oom-expected begin" and one
#    containing "privnode-test: oom-expected end", which tests write to
#    /dev/kmsg around a deliberate OOM (lib/privnode_test.h).  The runner's
#    own "privnode-test: start NAME" / "privnode-test: end NAME" lines close
#    the window as well: a test that dies between its markers exempts
#    nothing in the programs after it.  Only OOM reports are dropped: a
#    WARNING or BUG between the markers still fails;
#  * anywhere, with --oom-ok (make regress: the upstream memcg selftests
#    invoke the OOM killer and know nothing of the markers).
set -eu
oom_ok=0
if [ "${1:-}" = --oom-ok ]; then
	oom_ok=1
	shift
fi
[ $# = 1 ] || { echo "usage: console-scan.sh [--oom-ok] CONSOLE" >&2; exit 2; }
console=$1
if [ ! -r "$console" ]; then
	echo "not ok - guest: no console log to scan ($console)"
	exit 1
fi

splat='BUG:|WARNING:|KASAN|Oops|Call Trace|Kernel panic'
splat+='|possible circular locking|possible recursive locking|inconsistent lock state'
splat+='|lock inversion|DEBUG_LOCKS_WARN_ON|lockdep is turned off|suspicious RCU usage'

# The console without the OOM-killer reports that are expected.
filtered() {
	awk -v oom_ok="$oom_ok" '
	/privnode-test: oom-expected begin/ { expected = 1 }
	/privnode-test: oom-expected end/ || /privnode-test: (start|end) / { expected = 0 }
	!oom && /invoked oom-killer:/ && (oom_ok || expected) { oom = 1; n = 0 }
	!oom { print; next }
	/<\/TASK>/ || ++n > 60 { oom = 0 }
	' "$console"
}

# Filtered once, then grepped: "awk | grep -q" under pipefail would turn
# grep's early exit (awk's SIGPIPE) into "no match".
text=$(filtered)
if grep -aqE "$splat" <<< "$text"; then
	echo "not ok - guest: kernel console has splats (see $console):"
	grep -aE -B2 -A12 "$splat" <<< "$text" | head -40 | sed 's/^/#   /'
	exit 1
fi
echo "ok - guest: kernel console free of BUG/WARNING/KASAN/lockdep reports/Oops/Call Trace"
