# SPDX-License-Identifier: GPL-2.0
#
# ptscope: the human interface.  Kbuild holds the kbuild lines.
#
#   make              build the module for the running kernel and the tool
#   make load         insmod the module built for the running kernel
#   make demo         boot the default kernel in a VM and show ptscope at work
#   make check        every test: host units, then selftests in 6.1/6.12/7.2
#   make check-debug  the same selftests in a lockdep/KASAN/kmemleak 6.1 kernel
#                     built once from Debian's linux-source (slow, not in check)
#   make fuzz         the ioctl and /proc fuzzer, a million iterations a kernel
#   make bench        time ptscope against pagemap/smaps in each kernel (not a test)
#   make style        checkpatch on the module
#   make deps         install build and test dependencies (root)
#   make kernels      fetch the kernel matrix into the cache
#   make modules-all  build the module for every kernel of the matrix

KERNELRELEASE_HOST ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE_HOST)/build
export PTSCOPE_CACHE ?= /var/cache/ptscope
KSFT_DIR := $(PTSCOPE_CACHE)/linux-source/tools/testing/selftests

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

selftests:
	$(MAKE) -C selftests KSFT_DIR=$(KSFT_DIR)

load: module
	-rmmod ptscope 2>/dev/null
	insmod module/ptscope.ko

deps:
	scripts/deps

kernels: deps
	scripts/kernels fetch

modules-all: kernels
	for k in $$(scripts/kernels list); do scripts/kernels build $$k || exit 1; done

style:
	scripts/style

check:
	scripts/check

check-debug:
	PTSCOPE_KERNELS=debug scripts/check

fuzz:
	scripts/fuzz

demo:
	scripts/demo

bench:
	scripts/bench

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	$(MAKE) -C userspace clean
	$(MAKE) -C bench clean
	-$(MAKE) -C selftests clean
	rm -rf build

.PHONY: all module userspace selftests load deps kernels modules-all style check \
	check-debug fuzz demo bench clean
