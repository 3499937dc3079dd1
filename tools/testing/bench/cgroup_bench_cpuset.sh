#!/bin/sh
# cgroup_bench with the cpuset controller on below the root: every cgroup
# the benchmark makes is then a non-root cpuset, as on any host where a
# cpuset exists, and the page allocator takes its cpuset paths for every
# task-context allocation.  Compared with the plain run, this shows what a
# cpuset costs __GFP_PRIVATE faults.
echo +cpuset > /sys/fs/cgroup/cgroup.subtree_control || exit 1
exec /tests/bench-cgroup/cgroup_bench "$@"
