#!/usr/bin/env python3
"""The scenario for issue 19's test: an agent built on the seed's Python code
(mcp/), run so that mcp-bpftrace can attach to it while it runs, inject its
wrappers and detach again, with a ledger of every bound call it made.

Phases (each file argument optional):
  1. import, keep a reference to every function the probe map binds (--map),
     write its pid to --ready;
  2. --block S: the main thread sleeps S seconds in C (time.sleep), where no
     pending call can run: a tracer injecting then must time out; afterwards
     the bound functions must still be the originals;
  3. wait for --go (polling, so the main thread runs Python and pending calls),
     or with --go-when-wrapped until no bound function is the original any
     more (the tracer's script replaces them all at once); note which bound
     functions are the originals at that moment (none when the tracer
     injected, all when it did not);
  4. the measured phase: --rounds N (or --seconds S) rounds in the main thread,
     half as many in a second thread (each with its own event loop), every
     bound call written to the ledger; then write --done;
  5. wait for --detached; check from inside that each bound function *is* the
     original again, and that no descriptor or import hook is left over from
     the phases before (the wrappers' marker fd closed); run --post-rounds
     more rounds (not in the ledger);
  6. write the ledger (--ledger) and exit 0.
Deterministic for a given --seed (choices never depend on timing)."""
import argparse
import asyncio
import importlib
import json
import logging
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, HERE)
from agent_app import AgentApp  # noqa: E402
from ledger import Ledger  # noqa: E402

DEFAULT_MAP = os.path.join(HERE, "..", "seed.map")


def bound_names(map_path):
    """MODULE:QUALNAME of each `python:` location in the probe map."""
    names = []
    with open(map_path, encoding="utf-8") as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if len(words) >= 3 and words[0] in ("span", "point") and words[2].startswith("python:"):
                names.append(words[2][len("python:"):])
    return names


def resolve(name):
    """The function object MODULE:QUALNAME names now: for a method, the
    class's own __dict__ entry (what a wrapper replaces), not a lookup."""
    module, qualname = name.split(":", 1)
    owner = importlib.import_module(module)
    parts = qualname.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part)
    return owner.__dict__[parts[-1]] if isinstance(owner, type) else getattr(owner, parts[-1])


def wait_until(ready, timeout, what):
    """Polls in Python (short sleeps): the main thread keeps reaching the
    interpreter's safe points, where an injected pending call runs."""
    end = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > end:
            sys.exit(f"scenario: {what} after {timeout:g} s")
        time.sleep(0.01)


def touch(path, text=""):
    if path:
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)


def interpreter_state():
    """What an injected script may leave behind: open descriptors (the
    listing's own left out) and the import hooks."""
    fd_dir = f"/proc/{os.getpid()}/fd"
    fds = set()
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue  # the listing's own descriptor, closed by now
        if target != fd_dir:
            fds.add(f"fd {fd} -> {target}")
    return {"open fds": fds, "sys.meta_path": [id(f) for f in sys.meta_path]}


def run_rounds(app, rounds, deadline):
    async def loop():
        done = 0
        while done < rounds if deadline is None else time.monotonic() < deadline:
            await app.run_round()
            done += 1
        return done
    return asyncio.run(loop())


def measured_phase(args, ledger):
    """Main thread and a second thread, each its own app (seed) and event loop."""
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    worker_rounds = {}
    worker_app = AgentApp(ledger, args.seed + 1, "w", gather=args.gather)
    worker = threading.Thread(
        name="worker", target=lambda: worker_rounds.update(n=run_rounds(worker_app, args.rounds // 2, deadline)))
    ledger.recording = True
    worker.start()
    main_rounds = run_rounds(AgentApp(ledger, args.seed, "m", gather=args.gather), args.rounds, deadline)
    worker.join()
    ledger.recording = False
    return {"main": main_rounds, "worker": worker_rounds.get("n", 0)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ledger", required=True, help="where to write the ledger (JSON)")
    ap.add_argument("--map", default=DEFAULT_MAP, help="probe map whose python: bindings are checked")
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--rounds", type=int, default=100, help="main-thread rounds (the second thread runs half)")
    ap.add_argument("--seconds", type=float, help="run rounds for this long instead of --rounds")
    ap.add_argument("--post-rounds", type=int, default=20, help="rounds after --detached, not in the ledger")
    ap.add_argument("--gather", action="store_true", help="agent iterations run concurrently (asyncio.gather)")
    ap.add_argument("--ready", help="written (our pid) once imported and ready to be attached to")
    ap.add_argument("--block", type=float, default=0, help="then sleep this long in C (time.sleep)")
    ap.add_argument("--go", help="wait for this file before the measured phase")
    ap.add_argument("--go-when-wrapped", action="store_true",
                    help="then wait until every bound function is wrapped (injected)")
    ap.add_argument("--started", help="written when the measured phase begins")
    ap.add_argument("--done", help="written when the measured phase is over")
    ap.add_argument("--detached", help="wait for this file before checking the originals")
    ap.add_argument("--timeout", type=float, default=120, help="longest wait for --go or --detached")
    ap.add_argument("--log-level", default="CRITICAL", help="of the seed's own logging (default: quiet)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())

    names = bound_names(args.map)
    originals = {n: resolve(n) for n in names}

    def same_as_original():
        return {n: resolve(n) is originals[n] for n in names}

    out = {"python": sys.version.split()[0], "executable": sys.executable, "pid": os.getpid(),
           "seed": args.seed, "gather": args.gather, "bound": names}
    before = interpreter_state()
    touch(args.ready, str(os.getpid()))
    if args.block:
        t0 = time.monotonic()
        time.sleep(args.block)
        out["blocked_s"] = round(time.monotonic() - t0, 3)
        out["original_after_block"] = same_as_original()
    if args.go:
        wait_until(lambda: os.path.exists(args.go), args.timeout, f"no --go file {args.go}")
    if args.go_when_wrapped:
        wait_until(lambda: not any(same_as_original().values()), args.timeout,
                   "the bound functions are not all wrapped")
    out["original_at_go"] = same_as_original()
    touch(args.started, "started")
    ledger = Ledger()
    out["rounds"] = measured_phase(args, ledger)
    out["calls"] = ledger.calls
    touch(args.done, str(len(ledger.calls)))
    if args.detached:
        wait_until(lambda: os.path.exists(args.detached), args.timeout, f"no --detached file {args.detached}")
    out["original_after_detach"] = same_as_original()
    after = interpreter_state()
    out["unchanged_after_detach"] = {k: after[k] == before[k] for k in before}
    out["fds_new_after_detach"] = sorted(after["open fds"] - before["open fds"])
    post_app = AgentApp(ledger, args.seed + 2, "p")
    out["post_rounds"] = run_rounds(post_app, args.post_rounds, None)
    out["original_at_exit"] = same_as_original()
    touch(args.ledger, json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
