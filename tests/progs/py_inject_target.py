"""A Python program to inject into (tests/e2e/test_py_inject.sh).

Prints "tick N" lines, N consecutive, so a test can see that its output did
not change; whenever the global INJECTED is set (by an injected script) it
prints "injected VALUE" once and clears it, so the test counts how many
times a script ran. Options:
  --threads   a thread blocked in os.read on the fifo DIR/fifo (prints
              "reader got DATA") and one in time.sleep: other threads in
              system calls, the ones the injector prefers to borrow
  --busy      the main thread spins in Python between ticks (never in a
              system call: the borrowed thread is stopped in user code)
  --sleep S   after the first tick the main thread sleeps S seconds in one
              C call (pending calls cannot run), printing "slept" after
  --ignore-segv  SIGSEGV set to SIG_IGN (the injector must refuse)
Writes DIR/ready once running; stops when DIR/stop exists, printing "done".
"""
import os
import signal
import sys
import threading
import time

INJECTED = None
d = sys.argv[1]
args = sys.argv[2:]


def reader():
    with open(os.path.join(d, "fifo"), "rb", buffering=0) as f:
        data = f.read(64)
    print("reader got", data.decode().strip(), flush=True)


if "--ignore-segv" in args:
    signal.signal(signal.SIGSEGV, signal.SIG_IGN)
if "--threads" in args:
    threading.Thread(target=reader, daemon=True).start()
    threading.Thread(target=lambda: time.sleep(3600), daemon=True).start()
open(os.path.join(d, "ready"), "w").close()
n = 0
while not os.path.exists(os.path.join(d, "stop")):
    n += 1
    print("tick", n, flush=True)
    if INJECTED is not None:
        print("injected", INJECTED, flush=True)
        INJECTED = None
    if n == 1 and "--sleep" in args:
        time.sleep(float(args[args.index("--sleep") + 1]))
        print("slept", flush=True)
    if "--busy" in args:
        end = time.monotonic() + 0.02
        while time.monotonic() < end:
            pass
    else:
        time.sleep(0.02)
print("done", flush=True)
