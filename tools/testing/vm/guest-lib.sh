# Shell helpers for guest tests: . /lib/privnode/guest-lib.sh

# dimm_range NID: "START SIZE" (bytes, decimal) of the memory blocks of NID.
dimm_range() {
	local bs first n
	bs=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
	first=$(ls -d /sys/devices/system/node/node"$1"/memory[0-9]* |
		sed 's/.*memory//' | sort -n | head -1)
	n=$(ls -d /sys/devices/system/node/node"$1"/memory[0-9]* | wc -l)
	echo $((first * bs)) $((n * bs))
}

# kunit_report SUITE: print the suite's KUnit results (debugfs) as TAP,
# one line per test case.  Fails if the suite has no results.
kunit_report() {
	local f=/sys/kernel/debug/kunit/$1/results
	if [ ! -r "$f" ]; then
		echo "not ok 1 $1 # no KUnit results (suite did not run)"
		return 1
	fi
	awk -v suite="$1" '
		/^[ \t]+(not )?ok [0-9]+ / {
			line = $0
			sub(/^[ \t]+/, "", line)
			st = (line ~ /^not ok/) ? "not ok" : "ok"
			sub(/^(not )?ok [0-9]+ /, "", line)
			printf "%s %d %s.%s\n", st, ++n, suite, line
			next
		}
		/^[ \t]+# / { print "#" substr($0, index($0, "#") + 1) }
		END { if (!n) print "not ok 1 " suite " # no test cases reported" }
	' "$f"
}
