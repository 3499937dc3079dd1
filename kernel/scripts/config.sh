#!/bin/bash
# Generate OBJ/.config for the source tree SRC: tinyconfig + the given fragments,
# then olddefconfig, then verify that every fragment line survived.
#   config.sh SRC OBJ FRAGMENT...
set -euo pipefail
mkdir -p "$2"
src=$(cd "$1" && pwd) obj=$(cd "$2" && pwd)
shift 2
make -s -C "$src" O="$obj" tinyconfig >/dev/null
# merge_config.sh complains loudly about every override of the 32-bit tinyconfig
# base; the verification below is what decides.
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$@" >/dev/null
make -s -C "$src" O="$obj" olddefconfig >/dev/null
exec "$(dirname "$0")/verify-config.sh" "$obj/.config" "$@"
