#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Lab 12, huge pages and the TLB reach of a NumPy array.

The program makes a float64 array of MIB MiB (256) with np.ones, which
writes every page of it, twice: first with NumPy's huge-page advice off
(np.core.multiarray._set_madvise_hugepage(False); NumPy otherwise calls
madvise(MADV_HUGEPAGE) on the data of every array of 4 MiB or more, on
Linux 4.6 and later), then, once the first array is freed, with it on.

    tlbreach.py [MIB]

Checkpoints: "advice-off" and "advice-on", each with addr= and len= of the
array's data (a.ctypes.data, a.nbytes), madvise= (0 or 1: NumPy's
advice), spans= (the 4 KiB pages the data touches) and thp= (the system's
transparent huge page mode, /sys/kernel/mm/transparent_hugepage/enabled).
Under "madvise" only the second array can get huge pages; under "always"
both can; under "never" neither.
"""
import sys

import numpy as np

import lab

THP_ENABLED = "/sys/kernel/mm/transparent_hugepage/enabled"


def thp_mode():
    """The THP mode in brackets, or "none" (a kernel without THP)."""
    try:
        with open(THP_ENABLED) as f:
            text = f.read()
    except OSError:
        return "none"
    return text[text.index("[") + 1:text.index("]")]


def one_array(name, mib, advice):
    np.core.multiarray._set_madvise_hugepage(advice)
    a = np.ones(mib * (1 << 20) // 8)	# np.ones writes every page
    addr = a.ctypes.data
    first = addr // lab.PAGE
    last = (addr + a.nbytes - 1) // lab.PAGE
    lab.checkpoint(name, addr=addr, len=a.nbytes, madvise=int(advice),
                   spans=last - first + 1, thp=thp_mode())
    return a


def main():
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    if mib <= 0:
        sys.exit("usage: tlbreach.py [MIB]")
    a = one_array("advice-off", mib, False)
    del a			# glibc unmaps it: the next one is new memory
    a = one_array("advice-on", mib, True)
    del a


if __name__ == "__main__":
    main()
