#!/usr/bin/env python3
"""A function of the script itself (python:__main__:work), for
tests/e2e/test_py_functions.sh under `-- COMMAND`: the tracer injects while
the interpreter starts, possibly inside an import. Counts the calls made
while `work` was wrapped (seen from inside) and writes that to argv[1]."""
import sys
import time


def work(n):
    return n * 2


wrapped = calls = 0
end = time.time() + 30
while wrapped < 200 and time.time() < end:
    w = hasattr(work, "__wrapped__")
    work(calls)
    calls += 1
    wrapped += w
    time.sleep(0.002)
with open(sys.argv[1], "w") as f:
    f.write(str(wrapped))
