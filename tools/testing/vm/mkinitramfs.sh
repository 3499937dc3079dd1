#!/bin/bash
# Build the guest's initramfs (an uncompressed cpio: unpacking is faster than
# decompressing under TCG).
#   mkinitramfs.sh OUT.cpio TESTS_DIR [MODULES_DIR]
# TESTS_DIR holds one sub-directory of test executables per target; MODULES_DIR
# holds the .ko files built for this very kernel.
set -euo pipefail
out=$1 tests=$2 modules=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$(dirname "$out")"
root=$(mktemp -d "${out%.cpio}.root.XXXXXX")
trap 'rm -rf "$root"' EXIT
# mktemp -d makes the directory 0700, and cpio would carry that mode to the
# guest's "/": unprivileged test processes could not reach any path.
chmod 755 "$root"

mkdir -p "$root"/{bin,usr/bin,lib/privnode,proc,sys,dev,tmp,etc,tests,modules,root}
cp /bin/busybox "$root/bin/busybox"
install -m 755 "$here/init" "$root/init"
install -m 755 "$here/run-tests.sh" "$here/demo.sh" "$here/guest-lib.sh" "$root/lib/privnode/"
cp -a "$tests"/. "$root/tests/"
[ -n "$modules" ] && [ -d "$modules" ] && cp -a "$modules"/. "$root/modules/"

# stress-ng is dynamically linked against a couple of dozen libraries: bring
# each one (and the loader) along at the path the binary expects.
copy_with_libs() {
	local bin=$1 lib
	cp "$bin" "$root/usr/bin/"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
copy_with_libs /usr/bin/stress-ng

cat > "$root/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/:/bin/false
tester:x:1000:1000:unprivileged test user:/tmp:/bin/sh
PW
cat > "$root/etc/group" <<'GR'
root:x:0:
nogroup:x:65534:
tester:x:1000:
GR

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
