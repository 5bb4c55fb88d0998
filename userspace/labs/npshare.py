#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Lab 9, NumPy arrays in files: what is resident, and what is shared.

Part 1, np.memmap: an 8 GiB file (sparse: it takes no disk space) mapped
with np.memmap has 8 GiB of virtual size (psutil's vms, ps's VSZ), and
only the pages the program reads, and those the kernel reads ahead, are
resident (rss).  The program reads one byte in every EVERY MiB (16).

Part 2, np.load: the parent forks a child *before* loading anything, then
both load the same .npy file of MIB MiB (16) three ways and read all of
it: np.load() (a copy in each process's private memory), np.load(...,
mmap_mode='r') (both map the file: the page cache's frames, shared) and
np.load(..., mmap_mode='c') (copy-on-write: shared until written; then the
child writes one element in every 16th page of its array, and reads the
whole array again).

    npshare.py DIR [MIB [EVERY]]

DIR must be on a disk file system (ext4, xfs): page-cache sharing needs
one.  The files are made there and removed at the end.

Checkpoints: "memmap-mapped" and "memmap-touched" (addr= len= of the
memmap, vms= rss= by psutil, touched= pages read), then "load",
"load-r", "load-c", "load-c-written" and "load-c-reread" (child=, addr= and
child_addr= the first byte of each one's array, len= its bytes; written=
pages the child wrote, at the last two).
"""
import os
import sys

import numpy as np
import psutil

import lab

MIB = 1 << 20


def memmap_part(directory, every):
    path = os.path.join(directory, "lab-npshare.raw")
    size = 8 << 30
    with open(path, "wb") as f:
        f.truncate(size)
    try:
        m = np.memmap(path, dtype=np.uint8, mode="r", shape=(size,))
        addr = m.ctypes.data
        mem = psutil.Process().memory_info()
        lab.checkpoint("memmap-mapped", addr=addr, len=size, vms=mem.vms,
                       rss=mem.rss)
        total = 0
        for off in range(0, size, every * MIB):
            total += int(m[off])
        mem = psutil.Process().memory_info()
        lab.checkpoint("memmap-touched", addr=addr, len=size, vms=mem.vms,
                       rss=mem.rss, touched=size // (every * MIB),
                       every=every * MIB)
        del m
    finally:
        os.unlink(path)


LOADS = [
    ("load", {}),
    ("load-r", {"mmap_mode": "r"}),
    ("load-c", {"mmap_mode": "c"}),
]


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: npshare.py DIR [MIB [EVERY]]")
    directory = sys.argv[1]
    mib = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    every = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    if mib <= 0 or every <= 0:
        sys.exit("usage: npshare.py DIR [MIB [EVERY]]")
    memmap_part(directory, every)

    path = os.path.join(directory, "lab-npshare.npy")
    np.save(path, np.arange(mib * MIB // 8, dtype=np.int64))
    arrays = {}

    def load(i):
        def step():
            a = np.load(path, **LOADS[i][1])
            a.sum()			# read every page
            arrays[i] = a
            return a.ctypes.data
        return step

    def write_every_16th_page():
        a = arrays[2]
        per_page = lab.PAGE // a.itemsize
        a[::16 * per_page] = -1
        return len(range(0, a.size, 16 * per_page))

    def read_again():
        return int(arrays[2].sum() != 0)

    try:
        # The child is forked before any load: what it shares with the
        # parent afterwards, it shares through the file, not through fork.
        child = lab.Child([load(0), load(1), load(2), write_every_16th_page,
                           read_again])
        for i, (name, kwargs) in enumerate(LOADS):
            a = np.load(path, **kwargs)
            a.sum()
            child_addr = child.tell(i)
            lab.checkpoint(name, child=child.pid, addr=a.ctypes.data,
                           child_addr=child_addr, len=a.nbytes)
            arrays[i] = a
        written = child.tell(3)
        lab.checkpoint("load-c-written", child=child.pid,
                       addr=arrays[2].ctypes.data, child_addr=child_addr,
                       len=arrays[2].nbytes, written=written)
        child.tell(4)
        lab.checkpoint("load-c-reread", child=child.pid,
                       addr=arrays[2].ctypes.data, child_addr=child_addr,
                       len=arrays[2].nbytes, written=written)
        child.end()
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
