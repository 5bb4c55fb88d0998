#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every ptscope selftest, or the programs named (run_tests.sh
# [PROGRAM...]), inside a VM with the module loaded, and print each one's
# TAP output; the exit status is nonzero if any test failed.
#
# A program that runs past PTSCOPE_PROGRAM_TIMEOUT seconds (default 300;
# the longest takes about 40 under TCG) is a hang: its threads' kernel
# stacks and the kernel's view of every CPU and blocked task are printed,
# it is killed, and the run goes on with the next program.  It ends without
# a "# Totals" line, which scripts/check counts as a failure.
cd "$(dirname "$0")" || exit 1
limit=${PTSCOPE_PROGRAM_TIMEOUT:-300}

# File fixtures need a disk file system: tmpfs pages are shmem, and the
# VM's 9p root cannot share writable mappings.  An ext4 image on a loop
# device serves; without one the tests fall back to ".".
fsdir=/tmp/ptscope-ext4
if [ -z "${PTSCOPE_TEST_DIR:-}" ] && modprobe -q loop 2>/dev/null; then
	modprobe -q ext4 2>/dev/null
	mkdir -p "$fsdir"
	truncate -s 64M /tmp/ptscope-ext4.img &&
		mkfs.ext4 -q -F /tmp/ptscope-ext4.img &&
		mount -o loop /tmp/ptscope-ext4.img "$fsdir" &&
		export PTSCOPE_TEST_DIR=$fsdir
fi

# Every task of the program's session: state, where it sleeps, and
# its kernel stack; then what each CPU runs and every blocked task, into
# the kernel log (which vm-run prints when it shows a problem).
dump_hang()
{
	local sid=$1 pid task

	echo "# $t: still running after $limit s: a hang.  Its tasks:"
	for pid in $(pgrep -s "$sid"); do
		for task in /proc/"$pid"/task/*; do
			[ -r "$task/stat" ] || continue	# gone meanwhile
			echo "# -- task ${task##*/} of $pid ($(cat "$task/comm" 2>/dev/null)):" \
			     "state $(awk '{ print $3 }' "$task/stat" 2>/dev/null)," \
			     "wchan $(cat "$task/wchan" 2>/dev/null)"
			sed 's/^/#    /' "$task/stack" 2>/dev/null
		done
	done | head -n 400
	if [ -w /proc/sysrq-trigger ]; then
		echo 1 >/proc/sys/kernel/sysrq
		echo l >/proc/sysrq-trigger	# backtraces of active CPUs
		echo w >/proc/sysrq-trigger	# blocked (D state) tasks
	fi
}

rc=0
# The programs named, or all of them.
# shellcheck disable=SC2046
[ $# -gt 0 ] || set -- $(sed -n 's/^TEST_GEN_PROGS := //p' Makefile)
for t in "$@"; do
	echo "# selftest: $t"
	start=$SECONDS
	# Its own session (the harness gives each test a process group of its
	# own), so that a hang can be dumped and killed whole.
	setsid ./"$t" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null && [ $((SECONDS - start)) -lt "$limit" ]; do
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		dump_hang "$pid"
		pkill -KILL -s "$pid"
		# A task stuck in the kernel may not die: do not wait on it long.
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 1
		done
		kill -0 "$pid" 2>/dev/null && echo "# $t: would not die"
		rc=1
	elif ! wait "$pid"; then
		rc=1
	fi
	echo "# $t took $((SECONDS - start)) s"
done
if [ "${PTSCOPE_TEST_DIR:-}" = "$fsdir" ]; then
	umount "$fsdir"
	rm -f /tmp/ptscope-ext4.img
fi
exit $rc
