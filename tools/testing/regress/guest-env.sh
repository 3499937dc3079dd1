# Sourced by every "make regress" wrapper in the guest.  The first one sets
# the environment up for all: the ext4 disk (/dev/vda) as working directory,
# the swap disk (/dev/vdb), hugetlb pages, and hugetlb accounting in memcg.
# It reports "# regress-env: ok ..." or "# regress-env: FAILED ..." on the
# results stream; the host requires the "ok" line from both kernels.
work=/mnt/work

env_fail() {
	echo "# regress-env: FAILED: $*"
	exit 1
}

if [ ! -e /tmp/regress-env ]; then
	mkdir -p $work
	mount -t ext4 /dev/vda $work || env_fail "mount ext4 /dev/vda"
	mkswap /dev/vdb >/dev/null && swapon /dev/vdb || env_fail "swap on /dev/vdb"
	# 32 x 2 MiB for the hugetlb cases of cow, gup_longterm, hugetlb-madvise
	echo 32 > /proc/sys/vm/nr_hugepages
	mount -o remount,memory_hugetlb_accounting /sys/fs/cgroup ||
		env_fail "cgroup2 remount with memory_hugetlb_accounting"
	touch /tmp/regress-env
	echo "# regress-env: ok kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs," \
		"THP $(cat /sys/kernel/mm/transparent_hugepage/enabled)," \
		"hugetlb pages $(cat /proc/sys/vm/nr_hugepages)," \
		"swap $(awk '/SwapTotal/ {print $2 " kB"}' /proc/meminfo)"
fi
cd $work || env_fail "cd $work"

# run_case SECONDS[xTRIES] PROGRAM ARGS...: run it with a time limit; a
# program that hits the limit is killed and reported as failed (exit status
# 124).  With xTRIES, a failed attempt is retried (for upstream tests that
# race against a kernel thread); the output of failed attempts is kept, but
# as "# (attempt N failed)" comments, so only the last attempt's results count.
run_case() {
	local limit=${1%x*} tries=1 try=1 start rc
	case "$1" in *x*) tries=${1#*x} ;; esac
	shift
	while :; do
		start=$(date +%s)
		if [ $try -lt "$tries" ]; then
			timeout -k 10 "$limit" "$@" > /tmp/regress-attempt 2>&1
		else
			timeout -k 10 "$limit" "$@"
		fi
		rc=$?
		if [ $(($(date +%s) - start)) -ge "$limit" ]; then
			echo "# regress: $1 killed after ${limit}s (exit status $rc)"
			rc=124
		fi
		echo "# regress: $1 took $(($(date +%s) - start))s"
		[ $try -lt "$tries" ] || break
		if [ $rc = 0 ]; then
			cat /tmp/regress-attempt
			break
		fi
		sed "s/^/# (attempt $try failed) /" /tmp/regress-attempt
		try=$((try + 1))
	done
	return $rc
}
