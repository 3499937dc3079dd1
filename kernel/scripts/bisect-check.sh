#!/bin/bash
# Build the kernel at every commit of the series (base..HEAD of build/linux),
# so each patch is known to compile on its own.  Uses a separate worktree
# and object directory; ccache keeps unchanged files cheap.  One TAP line
# per commit; exit status 1 if any commit fails to build.
#   [FROM=<rev>] bisect-check.sh FRAGMENT...   (FROM: check only FROM..HEAD)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tree=$top/build/linux wt=$top/build/linux-bisect obj=$top/build/obj/bisect
export CCACHE_BASEDIR=$top/build CCACHE_NOHASHDIR=1
fail=0

[ -d "$wt" ] || git -C "$tree" worktree add -q --detach "$wt" base
for c in $(git -C "$tree" rev-list --reverse "${FROM:-base}"..HEAD); do
	subject=$(git -C "$tree" log -1 --format=%s "$c")
	git -C "$wt" checkout -q --detach "$c"
	"$top/kernel/scripts/config.sh" "$wt" "$obj" "$@" >/dev/null 2>&1
	if make -s -C "$wt" O="$obj" -j"$(nproc)" CC="ccache gcc" bzImage modules \
			> "$obj.log" 2>&1; then
		echo "ok - builds alone: $subject"
	else
		echo "not ok - builds alone: $subject"
		grep -E 'error|Error' "$obj.log" | head -10 | sed 's/^/#   /'
		fail=1
	fi
done
exit $fail
