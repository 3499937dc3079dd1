#!/bin/bash
# Install everything the build and the guest tests need, from Debian's archive.
# Idempotent and quiet when nothing is missing, so every make target may call it.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/kernel/BASE"

pkgs=(gcc make bc bison flex libelf-dev libssl-dev libc6-dev cpio kmod
      busybox-static qemu-system-x86 ccache stress-ng libnuma-dev git xz-utils
      python3 python3-ply python3-git perl rsync dwarves
      e2fsprogs liburing-dev	# make regress: ext4 work disk, static liburing
      libsmartcols-dev libjson-c-dev scdoc pkg-config	# userspace: tables/JSON, OCI JSON, man pages
      clang libclang-rt-14-dev	# userspace: libFuzzer targets
      python3-jsonschema golang-github-container-orchestrated-devices-container-device-interface-dev)	# CDI schema test

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
have=$(dpkg-query -W -f='${Version}' "$BASE_PKG" 2>/dev/null || true)
[ "$have" = "$BASE_VERSION" ] || missing+=("$BASE_PKG=$BASE_VERSION")

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing packages: ${missing[*]}" >&2
		echo "deps: run as root (or install them) and retry" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	if ! apt-cache madison "$BASE_PKG" | awk '{print $3}' | grep -qxF "$BASE_VERSION"; then
		echo "deps: pinned $BASE_PKG $BASE_VERSION is not offered by the archive." >&2
		echo "deps: available versions:" >&2
		apt-cache madison "$BASE_PKG" | awk '{print "    " $3}' >&2
		echo "deps: update kernel/BASE (version and sha256) to one of them." >&2
		exit 1
	fi
	apt-get install -y -qq --no-install-recommends --allow-downgrades "${missing[@]}" >/dev/null
fi

