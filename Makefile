# Private memory nodes for cgroups: top-level entry points.
#
#   make check   everything: host build + unit tests, checkpatch over the
#                series, kernel build, guest test suite, harness self-test
#   make demo    build and boot the guest, show the topology and scenario
#
# Developer targets are listed by "make help"; the workflow is described in
# Documentation/developer-guide.rst.  All output goes under build/.

TOP := $(CURDIR)
B := $(TOP)/build
JOBS ?= $(shell nproc)
empty :=
space := $(empty) $(empty)
comma := ,

# DEBUG=1 selects the debug kernel (KASAN, lockdep, DEBUG_VM, ...).
DEBUG ?=
VARIANT := patched$(if $(DEBUG),-debug)
FRAGMENTS := $(TOP)/kernel/configs/base.config $(TOP)/kernel/configs/privnode.config \
	$(if $(DEBUG),$(TOP)/kernel/configs/debug.config)

SRC_patched := $(B)/linux
SRC_base := $(B)/linux-base
OBJ = $(B)/obj/$(1)
BZIMAGE = $(B)/obj/$(1)/arch/x86/boot/bzImage

# ccache: rewrite absolute paths under build/ so the patched, debug and base
# trees share cache entries for every file the series does not change.
export CCACHE_BASEDIR := $(B)
export CCACHE_NOHASHDIR := 1
KMAKE = $(MAKE) -s -C $(1) O=$(2) -j$(JOBS) CC="ccache gcc"

# Guest test targets run by "make check"; RUN=... overrides (make vm-test RUN=topology).
CHECK_TARGETS := topology private_node services accel cgroup_private
RUN ?= $(CHECK_TARGETS)
VM_TIMEOUT ?= 1200

.PHONY: all help deps tree tree-reset export checkpatch config kernel kernel-base \
	modules tests initramfs host host-test check demo vm-test shell bisect-check \
	bench bench-accel bench-cgroup bench-cgroup-cpuset bench-progs regress regress-progs \
	harness-selftest clean distclean

all: kernel

help:
	@sed -n 's/^## \{0,1\}//p' $(MAKEFILE_LIST)

## check             run every test; ends with "N passed, N failed"
check: deps
	@tools/testing/check.sh

## demo              boot the guest and show the private-node scenario
demo: initramfs
	@tools/testing/vm/run-vm.sh --kernel $(call BZIMAGE,$(VARIANT)) \
		--initrd $(B)/vm/$(VARIANT)/initramfs.cpio --log $(B)/logs/demo \
		--mode demo --live --append quiet --timeout 600; \
	 rc=$$?; echo "demo: full console log in build/logs/demo.console"; exit $$rc

## deps              install build and test dependencies (apt-get)
deps:
	@kernel/scripts/deps.sh

## tree              create build/linux: pinned base + kernel/patches (git am)
tree: deps
	@kernel/scripts/tree.sh prepare

## tree-reset        drop unexported work in build/linux and re-apply the series
tree-reset:
	@kernel/scripts/tree.sh reset

## export            write build/linux's commits back to kernel/patches
export:
	@kernel/scripts/tree.sh export

## checkpatch        scripts/checkpatch.pl --strict over every patch in the series
checkpatch: tree
	@kernel/scripts/checkpatch.sh

# Regenerated when a fragment changes or the series is re-applied (a patch
# may add Kconfig symbols); kbuild then rebuilds only what the change affects.
$(call OBJ,$(VARIANT))/.config: $(FRAGMENTS) $(wildcard $(SRC_patched)/.git/privnode-applied) | tree
	@echo "config: $(VARIANT) (tinyconfig + $(notdir $(FRAGMENTS)))"
	@kernel/scripts/config.sh $(SRC_patched) $(call OBJ,$(VARIANT)) $(FRAGMENTS)

$(call OBJ,base)/.config: $(TOP)/kernel/configs/base.config | tree
	@kernel/scripts/tree.sh worktree
	@echo "config: base (tinyconfig + base.config)"
	@kernel/scripts/config.sh $(SRC_base) $(call OBJ,base) $(TOP)/kernel/configs/base.config

config: $(call OBJ,$(VARIANT))/.config

## kernel            build the patched kernel (DEBUG=1: the debug kernel)
kernel: tree config
	@echo "kernel: building $(VARIANT)"
	@$(call KMAKE,$(SRC_patched),$(call OBJ,$(VARIANT))) bzImage modules
	@kernel/scripts/verify-config.sh $(call OBJ,$(VARIANT))/.config $(FRAGMENTS)

## bisect-check      build the kernel at every patch of the series (slow)
bisect-check: tree
	@FROM=$(FROM) kernel/scripts/bisect-check.sh $(FRAGMENTS)

## kernel-base       build the unpatched base with the same configuration
kernel-base: tree $(call OBJ,base)/.config
	@echo "kernel: building base"
	@$(call KMAKE,$(SRC_base),$(call OBJ,base)) bzImage modules
	@kernel/scripts/verify-config.sh $(call OBJ,base)/.config $(TOP)/kernel/configs/base.config

# Out-of-tree modules (test modules and example drivers) for one kernel;
# each is built in a copy under build/ so the source tree stays clean.
MODULE_DIRS := $(sort $(dir $(wildcard tools/testing/modules/*/Kbuild examples/*/Kbuild)))
define build_modules
	@rm -rf $(B)/modules/$(1) && mkdir -p $(B)/modules/$(1) $(B)/vm/$(1)/modules
	@for d in $(MODULE_DIRS); do \
		n=$$(basename $$d); cp -r $$d $(B)/modules/$(1)/$$n && \
		$(MAKE) -s -C $(call OBJ,$(1)) M=$(B)/modules/$(1)/$$n CC="ccache gcc" modules || exit 1; \
	done
	@rm -f $(B)/vm/$(1)/modules/*.ko
	@find $(B)/modules/$(1) $(call OBJ,$(1)) -name '*.ko' -exec cp {} $(B)/vm/$(1)/modules/ \;
endef

## modules           build test modules and example drivers for the kernel
modules: kernel
	$(call build_modules,$(VARIANT))

## tests             build the guest test programs into build/tests
tests: tree
	@$(MAKE) -s -C tools/testing/selftests KSRC=$(SRC_patched) OUT=$(B)/tests

## initramfs         pack busybox, stress-ng, tests and modules for the guest
initramfs: modules tests
	@tools/testing/vm/mkinitramfs.sh $(B)/vm/$(VARIANT)/initramfs.cpio \
		$(B)/tests $(B)/vm/$(VARIANT)/modules

## vm-test           boot the guest and run RUN=target,... (default: the check suite)
# The guest gets an empty disk, /dev/vda, that the reclaim tests turn into swap.
vm-test: initramfs
	@rm -f $(B)/vm/swap.img && truncate -s 256M $(B)/vm/swap.img
	@tools/testing/vm/run-vm.sh --kernel $(call BZIMAGE,$(VARIANT)) \
		--initrd $(B)/vm/$(VARIANT)/initramfs.cpio --log $(B)/logs/$(VARIANT) \
		--disk $(B)/vm/swap.img \
		--run $(subst $(space),$(comma),$(strip $(RUN))) --timeout $(VM_TIMEOUT)

## shell             boot the guest to an interactive shell (exit with poweroff -f)
shell: initramfs
	@tools/testing/vm/run-vm.sh --kernel $(call BZIMAGE,$(VARIANT)) \
		--initrd $(B)/vm/$(VARIANT)/initramfs.cpio --log $(B)/logs/shell \
		--mode shell --live --timeout 86400 --interactive

## bench             page-fault cost: patched vs unpatched base; private node costs (-icount)
bench: kernel-base bench-progs initramfs
	@tools/testing/vm/mkinitramfs.sh $(B)/vm/base/initramfs.cpio $(B)/tests
	@tools/testing/bench/run-bench.sh all

## bench-accel       only the private-node part of "make bench" (no base kernel)
bench-accel: bench-progs initramfs
	@tools/testing/bench/run-bench.sh accel

## bench-cgroup      only the cgroup-grant part of "make bench" (no base kernel)
bench-cgroup: bench-progs initramfs
	@tools/testing/bench/run-bench.sh cgroup

## bench-cgroup-cpuset  the same with every cgroup a cpuset
bench-cgroup-cpuset: bench-progs initramfs
	@tools/testing/bench/run-bench.sh cgroup-cpuset

# Benchmark programs live in tools/testing/bench; the guest runs them as
# the targets "bench" (plain), "bench-private" (with node 2 private) and
# "bench-accel" (accel_bench loads examples/accel_mem for node 2 itself),
# "bench-cgroup" (cgroup_bench likewise, and makes its own cgroups).
bench-progs: tree
	@mkdir -p $(B)/tests/bench $(B)/tests/bench-private $(B)/tests/bench-accel \
		$(B)/tests/bench-cgroup $(B)/tests/bench-cgroup-cpuset
	@gcc -static -O2 -Wall -Wextra -Werror -o $(B)/tests/bench/fault_bench \
		tools/testing/bench/fault_bench.c -lnuma
	@install -m 755 tools/testing/bench/with_private_node.sh $(B)/tests/bench-private/
	@gcc -static -O2 -Wall -Wextra -Werror -Itools/testing/selftests/lib \
		-o $(B)/tests/bench-accel/accel_bench tools/testing/bench/accel_bench.c -lnuma
	@gcc -static -O2 -Wall -Wextra -Werror -Itools/testing/selftests/lib \
		-o $(B)/tests/bench-cgroup/cgroup_bench tools/testing/bench/cgroup_bench.c -lnuma
	@install -m 755 tools/testing/bench/cgroup_bench_cpuset.sh $(B)/tests/bench-cgroup-cpuset/

## regress           base tree's cgroup + mm selftests on base and patched, side by side
regress: kernel kernel-base regress-progs
	@tools/testing/regress/run-regress.sh $(call BZIMAGE,base) $(call BZIMAGE,$(VARIANT)) \
		$(B)/vm/regress/initramfs.cpio

# The selftests of tools/testing/regress/tests.list, built from the unpatched
# base tree against its own uapi headers, in an initramfs of their own.
regress-progs: kernel-base
	@$(MAKE) -s -C $(SRC_base) O=$(call OBJ,base) headers
	@tools/testing/regress/build.sh $(SRC_base) $(call OBJ,base)/usr/include $(B)/regress/tests
	@tools/testing/vm/mkinitramfs.sh $(B)/vm/regress/initramfs.cpio $(B)/regress/tests

## harness-selftest  prove a failing guest test and a kernel WARN turn a run red
harness-selftest: initramfs
	@tools/testing/vm/harness-selftest.sh $(call BZIMAGE,$(VARIANT)) \
		$(B)/vm/$(VARIANT)/initramfs.cpio $(B)/logs

## host              build the userspace part (-Wall -Wextra -Werror)
host:
	@$(MAKE) -s -C userspace OUT=$(B)/userspace

## host-test         run the userspace unit tests (with sanitizers)
host-test: tree
	@$(MAKE) -s -C userspace OUT=$(B)/userspace test

## clean             remove build products but keep build/linux and ccache
clean:
	rm -rf $(B)/obj $(B)/modules $(B)/tests $(B)/vm $(B)/logs $(B)/results $(B)/userspace \
		$(B)/regress

## distclean         remove all of build/ (unexported kernel commits are lost)
distclean:
	rm -rf $(B)

