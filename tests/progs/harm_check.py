#!/usr/bin/env python3
"""Compares a tracer's summary with harm-target's ledger, exactly.

  harm_check.py --ledger FILE --log TRACER_LOG --pid PID [--children] [--lost K=N,...] [--traced FN=N,...]

Every harm_* row of the summary must show as CALLS the calls of that
function that returned in process PID (its ledger lines; an exec'ed image
adds its own lines under the same pid) and, with --children (the tracer
follows children, its default), in every process of the ledger; nothing
dropped. --lost checks the
"not traced" counts (too_deep, returns_without_entry, abandoned, no_stack;
the line is absent when all are 0). --traced sets what a function must
show where the ledger cannot say it (calls nested deeper than the tracer
keeps return, but are not traced).
"""
import argparse, collections, re, sys

ap = argparse.ArgumentParser()
ap.add_argument("--ledger", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--pid", type=int, required=True)
ap.add_argument("--children", action="store_true")
ap.add_argument("--lost", default="")
ap.add_argument("--traced", default="")
a = ap.parse_args()

returned = collections.Counter()
for line in open(a.ledger):
    f = dict(kv.split("=", 1) for kv in line.split())
    if (a.children or int(f["pid"]) == a.pid) and "fn" in f:
        returned[f["fn"]] += int(f["returned"])

for kv in filter(None, a.traced.split(",")):
    fn, n = kv.split("=")
    returned[fn] = int(n)

log = open(a.log).read()
rows = {m.group(1): int(m.group(2)) for m in
        re.finditer(r"^\S+\s+(harm_\w+)\s+(\d+)\s+\d+\s", log, re.M)}
if not rows:
    sys.exit("no summary table in the tracer's log")
bad = []
for fn in sorted(set(rows) | set(returned)):
    got, want = rows.get(fn, 0), returned.get(fn, 0)
    print(f"{fn:20} traced {got:6}  ledger {want:6}{'' if got == want else '  <-- differs'}")
    if got != want:
        bad.append(fn)
m = re.search(r"dropped (\d+) \(ring buffer full\)", log)
if not m or int(m.group(1)):
    bad.append("dropped")
lost = dict.fromkeys(("too_deep", "returns_without_entry", "abandoned", "no_stack"), 0)
m = re.search(r"not traced: (\d+) too deep, (\d+) returns without entry, (\d+) abandoned, (\d+) no stack", log)
if m:
    lost = dict(zip(lost, map(int, m.groups())))
print("not traced:", ", ".join(f"{k} {v}" for k, v in lost.items()))
for kv in filter(None, a.lost.split(",")):
    k, v = kv.split("=")
    if lost[k] != int(v):
        print(f"{k}: {lost[k]}, expected {v}")
        bad.append(k)
if bad:
    sys.exit("differs: " + ", ".join(bad))
print(f"equal: {sum(rows.values())} calls")
