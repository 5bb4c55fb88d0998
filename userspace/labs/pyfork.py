#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Lab 8, CPython after fork: does a child that only reads copy pages?

The parent builds N objects (100,000), then forks three children:

  read        the child loops over the list without writing anything:
              `for p in data: pass`.  Each iteration takes a reference
              to p (Py_INCREF writes p's reference count, in p's header)
              and drops it again: every page holding an object is written.
  collected   the child runs gc.collect(): the collector writes a field in
              the header of every object it tracks (gc_refs), the same
              pages again.
  frozen      the parent calls gc.freeze() before forking: the collector
              no longer visits those objects, so gc.collect() copies
              (almost) nothing; a read loop still copies every page.

Garbage collection is disabled (gc.disable()) so that the collector runs
only where the lab says.  The pages holding the objects are listed, one
hex address per line, in the file pagelist= names, removed when the lab
goes on from "built".

    pyfork.py [N]

Checkpoints: "built" (n=, objpages= pages holding objects, pagelist=, lo=
and hi= the first and the end of those pages, items= and items_len= the
list's array of pointers), "forked" (child=, nothing
read yet), then "read", "collected",
"frozen-collected" and "frozen-read", each with child= and child_faults=
(the minor faults the child's step took, by getrusage).
"""
import ctypes
import gc
import os
import sys
import tempfile

import lab


class Record:
    """A small object as a program has millions of: tracked by the GC."""
    __slots__ = ("key", "value")

    def __init__(self, key, value):
        self.key = key
        self.value = value


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    if n <= 0:
        sys.exit("usage: pyfork.py [N]")
    gc.disable()
    data = [Record(i, i) for i in range(n)]
    pages = sorted({id(r) // lab.PAGE for r in data})
    # The list's array of pointers (PyListObject's ob_item, allocated):
    # the loop reads it, and writes nothing there.
    items = ctypes.c_void_p.from_address(id(data) + 3 * 8).value
    items_len = ctypes.c_ssize_t.from_address(id(data) + 4 * 8).value * 8
    fd, pagelist = tempfile.mkstemp(prefix="pyfork-", suffix=".pages")
    try:
        with os.fdopen(fd, "w") as f:
            f.write("".join(f"{p * lab.PAGE:#x}\n" for p in pages))
        lab.checkpoint("built", n=n, objpages=len(pages), pagelist=pagelist,
                       lo=pages[0] * lab.PAGE, hi=(pages[-1] + 1) * lab.PAGE,
                       items=items, items_len=items_len)
    finally:
        os.unlink(pagelist)
    run_children(data)


def run_children(data):
    def nothing():
        pass

    def read_all():
        for _ in data:
            pass

    # Step 0 does nothing: the pages the child's own machinery writes
    # (its stack, the interpreter's state) are copied then, not in step 1.
    child = lab.Child([lab.faults_of(nothing), lab.faults_of(read_all)])
    child.tell(0)
    lab.checkpoint("forked", child=child.pid)
    lab.checkpoint("read", child=child.pid, child_faults=child.tell(1))
    child.end()

    child = lab.Child([lab.faults_of(nothing), lab.faults_of(gc.collect)])
    child.tell(0)
    lab.checkpoint("collected", child=child.pid, child_faults=child.tell(1))
    child.end()

    gc.freeze()
    child = lab.Child([lab.faults_of(nothing), lab.faults_of(gc.collect),
                       lab.faults_of(read_all)])
    child.tell(0)
    lab.checkpoint("frozen-collected", child=child.pid,
                   child_faults=child.tell(1))
    lab.checkpoint("frozen-read", child=child.pid, child_faults=child.tell(2))
    child.end()
    gc.unfreeze()


if __name__ == "__main__":
    main()
