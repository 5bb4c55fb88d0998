# SPDX-License-Identifier: GPL-2.0
#
# ptscope: the human interface.  Kbuild holds the kbuild lines.
#
#   make              build the module for the running kernel and the tool
#   make load         insmod the module built for the running kernel
#   make demo         boot the default kernel in a VM and show ptscope at work
#   make labs         the labs of docs/labs/ in a VM (make lab-cow: one of them;
#                     LAB_KERNEL=6.1 for another kernel than 7.2)
#   make check        every test: host units, then selftests in 6.1/6.12/7.2
#   make check-debug  the same selftests in a lockdep/KASAN/kmemleak 6.1 kernel
#                     built once from Debian's linux-source (slow, not in check)
#   make fuzz         the ioctl and /proc fuzzer, a million iterations a kernel
#   make bench        time ptscope against pagemap/smaps in each kernel (not a test)
#   make style        checkpatch on the module
#   make deps         install build and test dependencies (root)
#   make kernels      fetch the kernel matrix into the cache
#   make modules-all  build the module for every kernel of the matrix
#   make install      module into /lib/modules/KVER/extra (+ depmod), the tool,
#                     libptscope, headers, man page, completion; PREFIX, DESTDIR
#   make uninstall    remove what make install put there
#   make dkms-install the module source into /usr/src and DKMS, which rebuilds
#                     it for every installed kernel; make dkms-remove undoes it
#   make sign KEY=k.priv CERT=k.der   sign the module for Secure Boot

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

# The labs of docs/labs/, each end to end in a VM (scripts/lab).
LAB_KERNEL ?= 7.2
LAB_NAMES := demand cow sharedfile swap thp isolation zeropage pyfork npshare overcommit thrash tlbreach redis
labs: lab-all
lab-all $(addprefix lab-,$(LAB_NAMES)): lab-%: userspace
	scripts/deps
	scripts/kernels fetch $(LAB_KERNEL)
	scripts/vm-run --kernel $(LAB_KERNEL) --mem 3G -- scripts/lab $*

bench:
	scripts/bench

# What a sweep of `ptscope top` costs (docs/top.md): 7.2 unless BENCH_KERNEL.
BENCH_KERNEL ?= 7.2
bench-top:
	scripts/deps
	scripts/kernels fetch $(BENCH_KERNEL)
	scripts/bench-top $(BENCH_KERNEL)

# What --cgroup's total costs, against smaps (docs/cgroups.md): 7.2 unless BENCH_KERNEL.
bench-cgroup:
	scripts/deps
	scripts/kernels fetch $(BENCH_KERNEL)
	scripts/bench-cgroup $(BENCH_KERNEL)

PREFIX ?= /usr/local
MODULE_DIR = $(DESTDIR)/lib/modules/$(KERNELRELEASE_HOST)/extra
VERSION := $(shell sed -n 's/^\#define PTSCOPE_RELEASE[[:space:]]*"\(.*\)"/\1/p' uapi/ptscope.h)
DKMS_SRC = /usr/src/ptscope-$(VERSION)

install: all
	install -D -m 0644 module/ptscope.ko $(MODULE_DIR)/ptscope.ko
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KERNELRELEASE_HOST); fi
	$(MAKE) -C userspace install PREFIX=$(PREFIX)

uninstall:
	rm -f $(MODULE_DIR)/ptscope.ko
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KERNELRELEASE_HOST); fi
	$(MAKE) -C userspace uninstall PREFIX=$(PREFIX)

dkms-install:
	rm -rf $(DKMS_SRC)
	scripts/dkms-source $(DKMS_SRC)
	dkms add -m ptscope -v $(VERSION)
	dkms install -m ptscope -v $(VERSION)

dkms-remove:
	-dkms remove -m ptscope -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

# Sign module/ptscope.ko with the kernel's sign-file, for Secure Boot:
# KEY is the private key, CERT the DER certificate enrolled with mokutil.
SIGN_FILE ?= $(KDIR)/scripts/sign-file
sign: module
	@test -n "$(KEY)" -a -n "$(CERT)" || { echo "usage: make sign KEY=key.priv CERT=cert.der" >&2; exit 2; }
	$(SIGN_FILE) sha256 $(KEY) $(CERT) module/ptscope.ko
	@tail -c 28 module/ptscope.ko | grep -q '~Module signature appended~' && echo "module/ptscope.ko signed"

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	$(MAKE) -C userspace clean
	$(MAKE) -C bench clean
	-$(MAKE) -C selftests clean
	rm -rf build

.PHONY: all module userspace selftests load deps kernels modules-all style check \
	check-debug fuzz demo labs lab-all $(addprefix lab-,$(LAB_NAMES)) bench bench-top bench-cgroup install uninstall dkms-install dkms-remove sign clean
