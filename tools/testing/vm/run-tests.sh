#!/bin/sh
# In-guest test runner.  Runs every executable of each named target directory
# under /tests in name order and writes their TAP output, framed by BEGIN/END
# lines, to the results port (/dev/ttyS1).  The host parses that stream;
# progress markers go to the kernel log so a splat can be tied to its test.
#   run-tests.sh TARGET[,TARGET...]
out=/dev/ttyS1
stty -F "$out" raw -echo 2>/dev/null
targets=$(echo "$1" | tr ',' ' ')
verdict=0

echo "TAP version 13" > "$out"
for t in $targets; do
	if [ ! -d "/tests/$t" ]; then
		echo "# BEGIN $t" > "$out"
		echo "not ok 1 $t # no such test target in the initramfs" > "$out"
		echo "# END $t rc=1" > "$out"
		verdict=1
		continue
	fi
	for prog in /tests/"$t"/*; do
		[ -x "$prog" ] || continue
		name=$t/${prog##*/}
		echo "privnode-test: start $name" > /dev/kmsg
		echo "# BEGIN $name" > "$out"
		(cd "/tests/$t" && "$prog") > "$out" 2>&1 < /dev/null
		rc=$?
		echo "# END $name rc=$rc" > "$out"
		echo "privnode-test: end $name rc=$rc" > /dev/kmsg
		[ $rc = 0 ] || verdict=1
	done
done
echo "# DONE" > "$out"
exit $verdict
