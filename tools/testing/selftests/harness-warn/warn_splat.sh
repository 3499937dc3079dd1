#!/bin/sh
# Harness self-test, never part of the normal suite: the test itself passes,
# but the module it loads emits a kernel WARN.  The run must still be red,
# which proves the console scan catches splats that no test reports.
echo "TAP version 13"
echo "1..1"
if insmod /modules/harness_warn.ko; then
	rmmod harness_warn
	echo "ok 1 harness_warn loaded and unloaded (its WARN must fail the run)"
else
	echo "not ok 1 insmod harness_warn.ko failed"
fi
