#!/usr/bin/env python3
"""The program tests/e2e/test_py_functions.sh traces by binding funcs_lib's
functions by name (funcs.map). It writes a ledger of every bound call it
makes (operation, parent operation, error type, attributes) and checks
from inside what the tracer did to it.

usage: funcs_app.py --dir D --mode pid|cmd|kill [--iterations N] [--llm HOST:PORT:CAFILE]
D/ready     written at start (the tracer may attach)
            the phase starts once every bound function is wrapped (seen from inside)
D/ledger.json, D/done   after the phase
pid:  waits for D/detached, then D/undo.json: the originals are back, the
      tracer's module is gone, no descriptor is left open
kill: measures write() syscalls (/proc/self/io) over bound calls while
      traced, waits for D/killed and 4 s (the lease lapses after 3 s),
      measures again: D/kill.json
"""
import argparse
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import funcs_lib as L  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--dir", required=True)
ap.add_argument("--mode", choices=["pid", "cmd", "kill"], required=True)
ap.add_argument("--iterations", type=int, default=60)
ap.add_argument("--llm")
args = ap.parse_args()
D = args.dir


def current():
    return {
        "coordinate": L.Coordinator.__dict__["coordinate"],
        "iterate": L.Agent.__dict__["iterate"],
        "route": L.Router.__dict__["route"],
        "cache_hit": L.Router.__dict__["cache_hit"],
        "run_workflow": L.run_workflow,
        "run_step": L.run_step,
    }


ORIG = current()
FDS0 = sorted(os.listdir("/proc/self/fd"))


def wrapped(f):
    return hasattr(getattr(f, "__func__", f), "__wrapped__")


def touch(name, text=""):
    with open(os.path.join(D, name + ".tmp"), "w") as f:
        f.write(text)
    os.rename(os.path.join(D, name + ".tmp"), os.path.join(D, name))


def wait_file(name, seconds=120):
    end = time.time() + seconds
    while not os.path.exists(os.path.join(D, name)):
        if time.time() > end:
            sys.exit(f"funcs_app: {name} never came")
        time.sleep(0.02)


def syscw():
    with open("/proc/self/io") as f:
        return int(next(line for line in f if line.startswith("syscw:")).split()[1])


if args.llm:
    host, port, cafile = args.llm.split(":", 2)
    L.Router.llm = (host, int(port), cafile)

touch("ready")
end = time.time() + 120
while not all(wrapped(f) for f in current().values()):
    if time.time() > end:
        sys.exit("funcs_app: the bound functions were never wrapped")
    time.sleep(0.01)

ledger = []


def rec(op, parent, error, **attrs):
    ledger.append({"op": op, "parent": parent, "error": error, "attrs": attrs})


def workload(tid, n, llm):
    c, p = L.Coordinator(), L.Pipeline()
    for i in range(n):
        ctype = ["debate", "vote", "deadline"][i % 3]
        agents = ["a", "flaky"] if i % 4 == 3 else ["a", "b", "c"][: 2 + i % 2]
        err = None
        its = 0
        for a in agents:
            e = "ValueError" if a == "flaky" else None
            rec("agent_iteration", "agent_collaboration", e, **{"mcp.agent_name": a, "mcp.collaboration_type": ctype},
                **({} if e else {"mcp.agent_contribution": 1.0}))
            if e:
                err = e
                break
            its += 1
        if not err and ctype == "deadline":
            err = "TimeoutError"
        extra = {} if err else {"mcp.collaboration_iterations": its, "mcp.consensus_time_ms": 0.5 + its / 100}
        rec("agent_collaboration", None, err, **{"mcp.collaboration_type": ctype, "mcp.agent_count": len(agents)}, **extra)
        try:
            r = c.coordinate(ctype, agents, rounds=1)
            assert r.iterations == its and not err
        except (ValueError, TimeoutError) as e:
            assert type(e).__name__ == err, (e, err)

        prompt = ("cached " if i % 2 else "") + f"question {tid} {i}"
        use_llm = llm and i % 5 == 0
        r = L.Router.route(f"m{i % 3}", prompt, llm=use_llm)
        assert r["tokens"] == len(prompt.split())
        rec("model_routing", None, None, **{"mcp.model_type": f"m{i % 3}", "mcp.prompt_length": len(prompt),
                                            "mcp.selected_model": f"m{i % 3}-large", "mcp.tokens_used": len(prompt.split())})
        if i % 2:
            rec("event:Cache hit", "model_routing", None, **{"mcp.model_type": f"m{i % 3}"})
        if use_llm:
            rec("llm", "model_routing", None)

        steps = ["extract", "broken"] if i % 6 == 5 else ["extract", "plan"]
        werr = "RuntimeError" if "broken" in steps else None
        for k, s in enumerate(steps):
            rec("workflow_step", "workflow_execution", "RuntimeError" if s == "broken" else None,
                **{"mcp.step_name": s, "mcp.step_type": "async"})
            if s == "plan":
                rec("model_routing", "workflow_step", None, **{"mcp.model_type": "m-step", "mcp.prompt_length": 11,
                                                               "mcp.selected_model": "m-step-large", "mcp.tokens_used": 2})
                if use_llm:
                    rec("llm", "workflow_step", None)
        rec("workflow_execution", None, werr, **{"mcp.workflow_type": "etl"})
        try:
            assert p.run("etl", steps, llm=use_llm) == len(steps) and not werr
        except RuntimeError:
            assert werr


if args.mode == "kill":
    c = L.Coordinator()
    w0 = syscw()
    for _ in range(200):
        c.coordinate("vote", ["a"])
    live = syscw() - w0
    touch("done")
    wait_file("killed")
    time.sleep(4)
    w0 = syscw()
    ok = all(c.coordinate("vote", ["a"]).iterations == 1 for _ in range(2000))
    dead = syscw() - w0
    touch("kill.json", json.dumps({"live_writes": live, "dead_writes": dead, "calls_ok": ok,
                                   "still_wrapped": all(wrapped(f) for f in current().values())}))
    sys.exit(0)

t = threading.Thread(target=workload, args=(1, args.iterations, False))
t.start()
workload(0, args.iterations, bool(args.llm))
t.join()
with open(os.path.join(D, "ledger.json"), "w") as f:
    json.dump(ledger, f)
touch("done")
if args.mode == "pid":
    wait_file("detached")
    cur = current()
    touch("undo.json", json.dumps({
        "originals": all(cur[k] is ORIG[k] for k in ORIG),
        "module_gone": "_mcp_bpftrace" not in sys.modules,
        "fds_same": sorted(os.listdir("/proc/self/fd")) == FDS0,
        "main_clean": not any(k.startswith("_mcp_bpftrace") for k in globals()),
    }))
