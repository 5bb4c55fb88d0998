#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every ptscope selftest (inside a VM with the module loaded) and print
# each one's TAP output; the exit status is nonzero if any test failed.
cd "$(dirname "$0")" || exit 1

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

rc=0
for t in $(sed -n 's/^TEST_GEN_PROGS := //p' Makefile); do
	echo "# selftest: $t"
	./"$t" || rc=1
done
if [ "${PTSCOPE_TEST_DIR:-}" = "$fsdir" ]; then
	umount "$fsdir"
	rm -f /tmp/ptscope-ext4.img
fi
exit $rc
