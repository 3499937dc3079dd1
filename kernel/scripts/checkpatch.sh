#!/bin/bash
# Run the base tree's scripts/checkpatch.pl --strict over every patch of the
# series; one TAP line per patch, exit status 1 if any patch has a finding.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tree=$top/build/linux
# checkpatch runs scripts/spdxcheck.py with the first python3 on PATH; it
# needs Debian's python3-ply, so prefer Debian's python3 over any other.
export PATH=/usr/bin:$PATH
fail=0 n=0
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	n=$((n + 1))
	if out=$(cd "$tree" && scripts/checkpatch.pl --strict --quiet --terse \
			--show-types "$top/kernel/patches/$p" 2>&1); then
		echo "ok - checkpatch --strict: $p"
	else
		echo "not ok - checkpatch --strict: $p"
		echo "$out" | sed 's/^/#   /'
		fail=1
	fi
done < "$top/kernel/patches/series"
[ $n -gt 0 ] || echo "# checkpatch: the series is empty"
exit $fail
