#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# systemd-analyze verify over examples/systemd, in a scratch root that has
# the units of this machine and the built binaries; any message fails.
# Prints TAP.  Usage: systemd_verify.sh BIN_DIR
bin=$1
units=$(cd "$(dirname "$0")/../../examples/systemd" && pwd)
echo "1..2"
if ! command -v systemd-analyze >/dev/null || [ ! -d /lib/systemd/system ]; then
	echo "ok 1 - systemd units verify # SKIP no systemd-analyze"
	echo "ok 2 - a broken drop-in is noticed # SKIP no systemd-analyze"
	exit 0
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/local/bin" "$root/etc/systemd/system" "$root/usr/lib/systemd"
cp -r /lib/systemd/system "$root/usr/lib/systemd/"
cp "$bin/privnode" "$bin/accel-app" "$root/usr/local/bin/"
cp -r "$units"/* "$root/etc/systemd/system/"
out=$(cd "$root/etc/systemd/system" && systemd-analyze verify --root="$root" *.service 2>&1)
if [ -z "$out" ]; then
	echo "ok 1 - systemd units verify"
else
	echo "not ok 1 - systemd units verify"
	echo "$out" | sed 's/^/# /'
fi
# The check must be able to fail: a drop-in with a bad command line.
sed -i 's|ExecStartPre=+|ExecStartPre=+X|' "$root/etc/systemd/system/accel-user.service.d/grant.conf"
out=$(cd "$root/etc/systemd/system" && systemd-analyze verify --root="$root" accel-user.service 2>&1)
if [ -n "$out" ]; then
	echo "ok 2 - a broken drop-in is noticed"
else
	echo "not ok 2 - a broken drop-in is noticed"
fi
