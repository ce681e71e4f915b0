#!/usr/bin/env python3
"""What a call costs in CPU ns, for tools/bench/py_cost.sh: a function bound by
name (py_bench.map) and the same function unbound, timed in alternating
rounds in one process (median of the rounds), so that both see the same
machine. Writes D/ready at start; with --wrapped, times only once the
bound function is wrapped (seen from inside); with --wait-file F, waits for
F first (the tracer killed: wrappers left as pass-throughs). Prints JSON.

usage: py_bench.py --dir D [--wrapped] [--wait-file F] [--calls N] [--rounds N]
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import py_bench_lib as L  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--dir", required=True)
ap.add_argument("--wrapped", action="store_true")
ap.add_argument("--wait-file")
ap.add_argument("--calls", type=int, default=100000)
ap.add_argument("--rounds", type=int, default=7)
a = ap.parse_args()
open(os.path.join(a.dir, "ready"), "w").close()
end = time.time() + 60
while a.wrapped and not hasattr(L.bound, "__wrapped__"):
    if time.time() > end:
        sys.exit("py_bench: never wrapped")
    time.sleep(0.01)
while a.wait_file and not os.path.exists(a.wait_file):
    time.sleep(0.01)
if a.wait_file:
    time.sleep(4)  # the lease (3 s) lapses


def per_call(fn):
    # CPU time of this thread: uprobe handlers run in its context and are
    # counted, other processes' turns on a loaded machine are not.
    n = a.calls
    t = time.thread_time_ns()
    for i in range(n):
        fn(i)
    return (time.thread_time_ns() - t) / n


fd = os.open("/dev/null", os.O_WRONLY)
junk = b"x" * 64


def write64(i):
    # The program's own write(): no probe on it.
    os.write(fd, junk)


def pwrite64(i):
    # A pwrite() that is no marker: one hit of the probe on pwrite64 (a
    # marker costs two of these, and the wrapper's work).
    os.pwrite(fd, junk, 0)


per_call(L.bound), per_call(L.unbound)  # warm up
b, u, w, p = [], [], [], []
for _ in range(a.rounds):
    b.append(per_call(L.bound))
    u.append(per_call(L.unbound))
    w.append(per_call(write64))
    p.append(per_call(pwrite64))
print(json.dumps({"bound_ns": statistics.median(b), "unbound_ns": statistics.median(u),
                  "write_ns": statistics.median(w), "pwrite_ns": statistics.median(p), "wrapped": hasattr(L.bound, "__wrapped__")}))
