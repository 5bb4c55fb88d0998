# SPDX-License-Identifier: GPL-2.0
"""What the Python lab programs share: lab.h's checkpoint protocol.

A lab stops at each checkpoint: it prints

    checkpoint NAME pid=PID minflt=N majflt=N key=value ...

on stdout (numbers in decimal, addresses in hex), then waits for a line on
stdin, so that a student in another shell, scripts/lab or the selftests
can look at it with ptscope.  At end of file on stdin it no longer waits.
Unlike the C labs, a Python program allocates and faults as it prints: the
fault counts at two checkpoints differ by what the lab did and a little
more.  The labs that count pages take their oracle from page tables, not
from fault counts.
"""
import ctypes
import os
import resource
import signal
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")
_stdin_eof = False


def faults():
    """This process's (minor, major) faults so far."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_minflt, ru.ru_majflt


def checkpoint(name, **values):
    """Print the checkpoint line, then wait for a line on stdin."""
    global _stdin_eof
    minflt, majflt = faults()
    fields = " ".join(f"{k}={hex(v) if k in ADDRESS_KEYS else v}"
                      for k, v in values.items())
    sys.stdout.write(f"checkpoint {name} pid={os.getpid()} "
                     f"minflt={minflt} majflt={majflt} {fields}\n")
    sys.stdout.flush()
    if _stdin_eof:
        return
    if sys.stdin.isatty():
        sys.stderr.write("lab: stopped; look at it with ptscope in another "
                         "shell, then press Enter\n")
    if not sys.stdin.readline():
        _stdin_eof = True


# Keys whose values are addresses: printed in hex, as lab.h does.
ADDRESS_KEYS = {"addr", "lo", "hi", "child_addr", "items"}


class Child:
    """A forked child that runs steps when told, as lab.h's lab_fork().

    Child(steps) forks; in the child, each number the parent sends runs
    steps[number]() and sends back its result (an int).  The child exits
    with os._exit() when the parent closes the pipe or dies.
    """

    def __init__(self, steps):
        to_child, self._child_in = os.pipe()
        self._child_out, from_child = os.pipe()
        sys.stdout.flush()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self._child_in)
            os.close(self._child_out)
            self._serve(steps, to_child, from_child)
        os.close(to_child)
        os.close(from_child)

    @staticmethod
    def _serve(steps, cmd_fd, answer_fd):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG,
                                                signal.SIGKILL)
        try:
            while True:
                cmd = os.read(cmd_fd, 8)
                if len(cmd) != 8:
                    break
                result = steps[int.from_bytes(cmd, "little")]()
                os.write(answer_fd, int(result).to_bytes(8, "little",
                                                         signed=True))
        finally:
            os._exit(0)

    def tell(self, step):
        """Have the child run step number @step; its result."""
        os.write(self._child_in, step.to_bytes(8, "little"))
        answer = os.read(self._child_out, 8)
        if len(answer) != 8:
            sys.exit("lab: the child died")
        return int.from_bytes(answer, "little", signed=True)

    def end(self):
        """Let the child exit and reap it."""
        os.close(self._child_in)
        os.close(self._child_out)
        os.waitpid(self.pid, 0)


def faults_of(step):
    """A step that returns the minor faults @step took in this process."""
    def counted():
        before = faults()[0]
        step()
        return faults()[0] - before
    return counted
