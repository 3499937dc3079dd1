#!/bin/bash
# Boot a kernel under QEMU (TCG) with the project's four-node topology and run
# the in-guest runner.  Prints one normalized TAP line per test case, plus two
# checks of the run itself: the guest finished, and its console is free of
# kernel splats.  Exit status 0 only if every line is "ok".
#
#   run-vm.sh --kernel BZIMAGE --initrd CPIO --log PREFIX
#             [--mode tests|demo|shell] [--run T1,T2] [--timeout SEC]
#             [--icount] [--live] [--append "ARGS"] [--cpus N] [--disk IMG]...
#             [--oom-ok]
#
# Topology (DESIGN.md section 3): node 0 = 2 CPUs + 1 GiB; node 1 = CPU-less
# 512 MiB; nodes 2 and 3 = CPU-less with one 512 MiB pc-dimm each, offline at
# boot.  QEMU 7.2 gives a node with neither CPUs nor boot memory no SRAT entry
# and renumbers the nodes; each CPU-less node therefore owns one CPU that is
# never brought up (maxcpus=5, only 2 present).  --cpus N gives node 0 N CPUs
# (0..N-1) and nodes 1..3 the never-present CPUs N, N+1, N+2 (maxcpus=N+3).
# Each --disk IMG is a raw virtio-blk drive (/dev/vda, /dev/vdb, ... in order).
# --oom-ok: the tests invoke the OOM killer on purpose (memcg limits) and do
# not mark it; the stack dump of any OOM-killer report is not a splat.
# Without it, only reports between the "privnode-test: oom-expected begin"
# and "... end" lines a test writes to /dev/kmsg are let through
# (console-scan.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kernel= initrd= log= mode=tests run= timeout=1200 icount= live= append= interactive=
cpus=2 disks=() oom_ok=
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--log) log=$2; shift ;;
	--mode) mode=$2; shift ;;
	--run) run=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--icount) icount=1 ;;
	--live) live=1 ;;
	--interactive) interactive=1 live=1 ;;
	--append) append=$2; shift ;;
	--cpus) cpus=$2; shift ;;
	--disk) disks+=("$2"); shift ;;
	--oom-ok) oom_ok=1 ;;
	*) echo "run-vm: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$kernel" ] && [ -n "$initrd" ] && [ -n "$log" ] ||
	{ echo "run-vm: --kernel, --initrd and --log are required" >&2; exit 2; }
case "$cpus" in
[1-5]) ;;	# CONFIG_NR_CPUS=8 must cover the N+3 possible CPUs
*) echo "run-vm: --cpus must be 1..5" >&2; exit 2 ;;
esac
node0_cpus=0
[ "$cpus" = 1 ] || node0_cpus=0-$((cpus - 1))
mkdir -p "$(dirname "$log")"
console=$log.console results=$log.results
rm -f "$console" "$console".early-int3-* "$results"

args=(
	# One host thread for all vCPUs: with multi-threaded TCG a vCPU could
	# run an int3 of x86 text patching after the patch completed (Oops:
	# int3; Documentation/developer-guide.rst).
	-machine pc -accel tcg,thread=single -cpu qemu64 -nodefaults -no-user-config
	-display none -monitor none -no-reboot
	-smp "$cpus,maxcpus=$((cpus + 3))" -m 1536M,slots=4,maxmem=8G
	-object memory-backend-ram,id=ram0,size=1024M
	-object memory-backend-ram,id=ram1,size=512M
	-numa "node,nodeid=0,cpus=$node0_cpus,memdev=ram0"
	-numa "node,nodeid=1,cpus=$cpus,memdev=ram1"
	-numa "node,nodeid=2,cpus=$((cpus + 1))"
	-numa "node,nodeid=3,cpus=$((cpus + 2))"
	-object memory-backend-ram,id=dimm2mem,size=512M
	-device pc-dimm,id=dimm2,memdev=dimm2mem,node=2
	-object memory-backend-ram,id=dimm3mem,size=512M
	-device pc-dimm,id=dimm3,memdev=dimm3mem,node=3
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
	-chardev file,id=results,path="$results"
	-kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 memhp_default_state=offline panic=-1 oops=panic
		 privnode.mode=$mode privnode.run=$run $append"
)
for d in ${disks[@]+"${disks[@]}"}; do
	args+=(-drive "file=$d,if=virtio,format=raw,cache=unsafe")
done
if [ -n "$live" ]; then
	args+=(-chardev stdio,id=con,signal=off,logfile="$console")
else
	args+=(-chardev file,id=con,path="$console")
fi
args+=(-serial chardev:con -serial chardev:results)
# A deterministic guest clock: one instruction = 1 ns, no sleeping ahead.
[ -n "$icount" ] && args+=(-icount shift=0,sleep=off)

boot() {
	if [ -n "$interactive" ]; then
		timeout --foreground "$timeout" qemu-system-x86_64 "${args[@]}"
	else
		timeout -k 10 "$timeout" qemu-system-x86_64 "${args[@]}" < /dev/null
	fi
}

# Whether the guest died of an int3 trap while the kernel was still
# booting (before /init): x86 patches its own text at boot (static keys,
# through int3), and under multi-threaded TCG a vCPU now and then ran the
# breakpoint after the patch completed (about 1 boot in 15).  QEMU now runs
# single-threaded TCG (above), which should end that; this stays as a net.
# Anything else, or anything after /init, is the kernel's fault and is not
# retried.
early_int3() {
	awk '/Run \/init as init process/ { exit 1 }
	     /Oops: int3/ { found = 1; exit 0 }
	     END { exit !found }' "$console"
}

set +e
boot; rc=$?
for attempt in 1 2; do
	[ -z "$interactive" ] && [ -z "$live" ] && early_int3 || break
	mv "$console" "$console.early-int3-$attempt"
	echo "# guest: boot $attempt died of an int3 trap before /init (TCG text patching), booting again; console kept in $console.early-int3-$attempt" >&2
	rm -f "$results"
	boot; rc=$?
done
set -e
touch "$results"

report() {
[ "$mode" != tests ] || awk -f "$here/tap-parse.awk" "$results"
for f in "$console".early-int3-*; do
	if [ -e "$f" ]; then
		echo "# guest: a boot died of an int3 trap before /init and was retried (see $f)"
	fi
done

# isa-debug-exit turns the guest's verdict V into (V << 1) | 1.
case $rc in
1 | 3) echo "ok - guest: ran to completion (verdict $(((rc - 1) / 2)))" ;;
124 | 137) echo "not ok - guest: timed out after ${timeout}s (see $console)" ;;
*) echo "not ok - guest: QEMU exited with status $rc, guest crashed or panicked (see $console)" ;;
esac

# Kernel splats on the console fail the run (console-scan.sh); OOM-killer
# reports only outside the tests' "oom-expected" markers, or never with
# --oom-ok.
"$here/console-scan.sh" ${oom_ok:+--oom-ok} "$console" || true
}
report > "$log.tap"
cat "$log.tap"
! grep -q '^not ok' "$log.tap"
