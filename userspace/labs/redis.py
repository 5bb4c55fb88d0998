#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Lab 13, Redis BGSAVE: what does a fork-based snapshot cost in memory?

The lab starts a Redis server (Debian's redis-server, from redis-tools)
on a Unix socket in DIR, with no persistence of its own, and fills it
with KEYS values of 4 KiB (DEBUG POPULATE: key:0, key:1, ...).  BGSAVE
forks a child that writes the dataset to DIR/lab-redis.rdb; the child
shares every page with the server.  While the child saves, the lab
writes one byte at the start of every EVERY-th value (SETRANGE), as a
write load would: each write copies the page it lands in.  Values of
4 KiB take 5 KiB each (jemalloc's size class), so no two values start in
the same page: WRITES writes land in WRITES different pages.

The lab stops the child (SIGSTOP) from just after the fork until the
writes are done and you have looked, so that the save cannot end under
you; a copy is made by the server's write, whether the child runs or
not.  The save then runs to its end, and Redis reports what it measured
itself (rdb_last_cow_size: the child's Private_Dirty in its smaps).

    redis.py DIR [KEYS [EVERY [thp]]]

With "thp" the server runs with disable-thp no: by default (disable-thp
yes) Redis turns transparent huge pages off for itself with
prctl(PR_SET_THP_DISABLE), whatever the system's setting.

Checkpoints, each with server= (its pid), used= (INFO's used_memory):
"populated" (keys=), "forked" (child=), "written" (child=, writes=),
"saved" (writes=, cow= rdb_last_cow_size in bytes).  The files are
removed at the end, unless the lab is killed: then the save child,
continued, still writes DIR/lab-redis.rdb.
"""
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time

import lab

VALUE_BYTES = 4096
USAGE = "usage: redis.py DIR [KEYS [EVERY [thp]]]"


class Redis:
    """The smallest RESP client: one command at a time, on a Unix socket."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.buf = b""

    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            sys.exit("lab: the Redis server closed the connection")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._more()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"-":
            sys.exit(f"lab: Redis said: {rest.decode()}")
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._more()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode()
        if kind == b"*":
            return [self._reply() for _ in range(int(rest))]
        return rest.decode()

    def send(self, *args):
        out = [f"*{len(args)}\r\n".encode()]
        for a in args:
            a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))

    def call(self, *args):
        self.send(*args)
        return self._reply()

    def pipeline(self, commands):
        """Send all of @commands, then read all their replies."""
        for c in commands:
            self.send(*c)
        return [self._reply() for _ in commands]

    def info(self, section):
        pairs = (line.split(":", 1) for line in self.call("INFO", section).split("\r\n")
                 if ":" in line)
        return {k: v for k, v in pairs}


def die_with_parent():
    """In the server, before exec: SIGKILL when the lab dies, however."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def start_server(directory, thp):
    sock = os.path.join(directory, "lab-redis.sock")
    # Debian's redis-tools carries the server as redis-check-rdb: it is
    # the server when its argv[0] does not say otherwise.
    binary = next((b for b in ("/usr/bin/redis-server", "/usr/bin/redis-check-rdb")
                   if os.access(b, os.X_OK)), None)
    if not binary:
        sys.exit("lab: no redis-server: install redis-tools (scripts/deps does)")
    server = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", sock,
         "--save", "", "--appendonly", "no", "--dir", directory,
         "--dbfilename", "lab-redis.rdb", "--enable-debug-command", "local",
         "--disable-thp", "no" if thp else "yes",
         "--logfile", os.path.join(directory, "lab-redis.log")],
        executable=binary, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        # A process group of its own, which the save child inherits: when
        # the lab dies (killed, so with the child still stopped) the group
        # is orphaned, and the kernel sends its stopped member SIGHUP
        # (which Redis ignores) and SIGCONT: the child ends its save and
        # exits instead of staying stopped for ever.
        process_group=0, preexec_fn=die_with_parent)
    for _ in range(600):
        if server.poll() is not None:
            sys.exit(f"lab: redis-server exited ({server.returncode}); see lab-redis.log")
        try:
            return server, Redis(sock)
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("lab: redis-server did not open its socket in 60 s")


def child_of(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        children = f.read().split()
    return int(children[0]) if children else None


def main():
    args = sys.argv[1:]
    thp = bool(args) and args[-1] == "thp"
    if thp:
        args = args[:-1]
    if not 1 <= len(args) <= 3:
        sys.exit(USAGE)
    directory = args[0]
    keys = int(args[1]) if len(args) > 1 else 20000
    every = int(args[2]) if len(args) > 2 else 10
    if keys <= 0 or every <= 0:
        sys.exit(USAGE)
    server, r = start_server(directory, thp)
    child = None
    try:
        used = lambda: int(r.info("memory")["used_memory"])
        r.call("DEBUG", "POPULATE", keys, "key", VALUE_BYTES)
        lab.checkpoint("populated", server=server.pid, used=used(), keys=keys)

        # The child sleeps after each key (rdb-key-save-delay, in µs):
        # the save lasts at least 5 s, long enough to stop it at once.
        r.call("CONFIG", "SET", "rdb-key-save-delay", max(1, 5000000 // keys))
        r.call("BGSAVE")
        child = child_of(server.pid)
        if child is None:
            sys.exit("lab: BGSAVE started no child")
        os.kill(child, signal.SIGSTOP)
        if r.info("persistence")["rdb_bgsave_in_progress"] != "1":
            sys.exit("lab: the save ended before the lab could stop it")
        lab.checkpoint("forked", server=server.pid, used=used(), child=child)

        writes = r.pipeline([("SETRANGE", f"key:{i}", 0, "w")
                             for i in range(0, keys, every)])
        if any(n != VALUE_BYTES for n in writes):
            sys.exit("lab: a SETRANGE did not keep its value's length")
        lab.checkpoint("written", server=server.pid, used=used(), child=child,
                       writes=len(writes))

        os.kill(child, signal.SIGCONT)
        while r.info("persistence")["rdb_bgsave_in_progress"] == "1":
            time.sleep(0.2)
        child = None
        persistence = r.info("persistence")
        if persistence["rdb_last_bgsave_status"] != "ok":
            sys.exit("lab: the save failed; see lab-redis.log")
        with open(os.path.join(directory, "lab-redis.log")) as log:
            for line in log:
                if "copy-on-write" in line or "CoW" in line or "THP" in line:
                    # "PID:M DD Mon YYYY HH:MM:SS.mmm * text": the text.
                    sys.stderr.write("redis-server: " + line.split(" ", 6)[-1])
        lab.checkpoint("saved", server=server.pid, used=used(),
                       writes=len(writes),
                       cow=int(persistence["rdb_last_cow_size"]))
        r.send("SHUTDOWN", "NOSAVE")	# it closes the socket, no reply
    finally:
        if child:
            os.kill(child, signal.SIGKILL)
        if server.poll() is None:
            server.kill()
        server.wait()
        for name in ("lab-redis.sock", "lab-redis.rdb", "lab-redis.log"):
            try:
                os.unlink(os.path.join(directory, name))
            except FileNotFoundError:
                pass


if __name__ == "__main__":
    main()
