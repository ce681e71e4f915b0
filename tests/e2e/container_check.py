#!/usr/bin/env python3
"""Helpers for tests/e2e/test_container.sh.

  container_check.py merge OUT LEDGER...        sum demo ledgers into one
  container_check.py split OTLP DIR             one OTLP file per process.pid (DIR/PID.jsonl),
                                                the tracer's own resource left out
  container_check.py resources OTLP --id ID --pids P1,P2 [--absent Q1,Q2]
        every resource (spans and metrics) carries container.id ID; the
        processes with spans are exactly P1,P2 (host pids), each with an
        in-container pid (container.process.pid); none of Q1,Q2 appears.
Standard library only.
"""
import json
import os
import sys
from collections import defaultdict


def merge(out, paths):
    total = {}
    for p in paths:
        with open(p, encoding="utf-8") as f:
            add(total, json.load(f))
    with open(out, "w", encoding="utf-8") as f:
        json.dump(total, f, indent=1, sort_keys=True)


def add(dst, src):
    """Sums numbers; dicts by key; lists of {attributes, ...} by attributes."""
    for k, v in src.items():
        if k not in dst:
            dst[k] = json.loads(json.dumps(v))
        elif isinstance(v, dict):
            add(dst[k], v)
        elif isinstance(v, list):
            index = {json.dumps(e.get("attributes", {}), sort_keys=True): e for e in dst[k]}
            for e in v:
                key = json.dumps(e.get("attributes", {}), sort_keys=True)
                if key in index:
                    for f, x in e.items():
                        if f != "attributes":
                            index[key][f] = index[key].get(f, 0) + x
                else:
                    dst[k].append(json.loads(json.dumps(e)))
                    index[key] = dst[k][-1]
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            dst[k] += v


def attrs(resource):
    out = {}
    for a in resource.get("attributes", []):
        v = a.get("value", {})
        out[a["key"]] = v.get("stringValue", v.get("intValue"))
    return out


def lines(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def split(path, outdir):
    os.makedirs(outdir, exist_ok=True)
    files = {}
    for obj in lines(path):
        for kind in ("resourceSpans", "resourceMetrics"):
            for r in obj.get(kind, []):
                a = attrs(r.get("resource", {}))
                if a.get("service.name") == "mcp-bpftrace":
                    continue
                pid = str(a.get("process.pid"))
                if pid not in files:
                    files[pid] = open(os.path.join(outdir, pid + ".jsonl"), "w", encoding="utf-8")
                files[pid].write(json.dumps({kind: [r]}) + "\n")
    for f in files.values():
        f.close()
    print(" ".join(sorted(files)))


def resources(path, cid, pids, absent):
    bad = []
    span_pids = defaultdict(int)
    vpids = {}
    n = 0
    for obj in lines(path):
        for kind in ("resourceSpans", "resourceMetrics"):
            for r in obj.get(kind, []):
                n += 1
                a = attrs(r.get("resource", {}))
                if a.get("container.id") != cid:
                    bad.append(f"{kind} resource without container.id {cid}: {a}")
                pid = str(a.get("process.pid"))
                if pid in absent:
                    bad.append(f"telemetry from process {pid}, which is not in the container")
                if kind == "resourceSpans":
                    nspans = sum(len(s.get("spans", [])) for s in r.get("scopeSpans", []))
                    span_pids[pid] += nspans
                    if a.get("container.process.pid") in (None, ""):
                        bad.append(f"span resource of pid {pid} without container.process.pid")
                    else:
                        vpids[pid] = a["container.process.pid"]
    if n == 0:
        bad.append("no telemetry at all")
    if set(span_pids) != set(pids):
        bad.append(f"spans came from pids {sorted(span_pids)}, expected {sorted(pids)}")
    for b in bad[:20]:
        print("FAIL", b)
    if not bad:
        print("resources ok: " + ", ".join(f"pid {p} (in the container {vpids.get(p)}): {c} spans"
                                         for p, c in sorted(span_pids.items())))
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "merge":
        merge(argv[1], argv[2:])
        return 0
    if len(argv) == 3 and argv[0] == "split":
        split(argv[1], argv[2])
        return 0
    if len(argv) >= 2 and argv[0] == "resources":
        opts = dict(zip(argv[2::2], argv[3::2]))
        return resources(argv[1], opts["--id"], set(opts["--pids"].split(",")),
                         set(filter(None, opts.get("--absent", "").split(","))))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
