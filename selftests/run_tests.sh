#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every ptscope selftest (inside a VM with the module loaded) and print
# each one's TAP output; the exit status is nonzero if any test failed.
cd "$(dirname "$0")" || exit 1
rc=0
for t in $(sed -n 's/^TEST_GEN_PROGS := //p' Makefile); do
	echo "# selftest: $t"
	./"$t" || rc=1
done
exit $rc
