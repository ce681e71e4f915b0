#!/usr/bin/env python3
"""Compare the git worktree spans and metrics of an OTLP/JSON export
(--otlp-file) with the ledger tests/progs/git_worktrees.sh wrote: one
"OP STATUS" line per command. Each git process is a resource of its own,
so a metric series is summed over resources. Spans by operation, failed ones, exit codes,
the catalog's counters, and the active-worktree count at the end.

usage: check_git_ledger.py LEDGER OTLP_JSONL
"""
import collections
import json
import sys


def value(v):
    for k in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if k in v:
            return v[k]
    return None


def attrs(lst):
    return {a["key"]: value(a["value"]) for a in lst or []}


def main(ledger_path, export_path):
    ledger = collections.Counter()
    failed = collections.Counter()
    codes = collections.Counter()
    for line in open(ledger_path):
        op, st = line.split()
        ledger[op] += 1
        failed[op] += st != "0"
        codes[(op, int(st))] += 1
    spans, per_res = {}, {}
    for line in open(export_path):
        obj = json.loads(line)
        for rs in obj.get("resourceSpans", []):
            for ss in rs["scopeSpans"]:
                for s in ss["spans"]:
                    spans[s["spanId"]] = s
        for rm in obj.get("resourceMetrics", []):
            res = json.dumps(attrs(rm.get("resource", {}).get("attributes")), sort_keys=True)
            for sm in rm["scopeMetrics"]:
                for m in sm["metrics"]:
                    data = m.get("sum") or m.get("gauge") or m.get("histogram") or m.get("exponentialHistogram")
                    for p in data["dataPoints"]:
                        key = (m["name"], tuple(sorted(attrs(p.get("attributes")).items())))
                        per_res[(res, key)] = int(p.get("asInt", p.get("count", 0)))
    # Every process is its own resource (process.pid): a series is the sum
    # of its last values over the resources.
    last = collections.Counter()
    for (_, key), v in per_res.items():
        last[key] += v
    fails = []

    def check(what, want, got):
        if want != got:
            fails.append(f"{what}: ledger {want}, export {got}")

    got, got_failed, got_codes = collections.Counter(), collections.Counter(), collections.Counter()
    for s in spans.values():
        if not s["name"].startswith("git_worktree_"):
            continue
        op = s["name"][len("git_worktree_"):]
        a = attrs(s.get("attributes"))
        got[op] += 1
        err = s.get("status", {}).get("code") == 2
        got_failed[op] += err
        got_codes[(op, int(a.get("process.exit.code", -1)))] += 1
        check(f"span {s['spanId']} mcp.git.operation", op, a.get("mcp.git.operation"))
        if s.get("kind") != 3:
            fails.append(f"span {s['spanId']}: kind {s.get('kind')}, want CLIENT (3)")
        if err and not a.get("error.type"):
            fails.append(f"span {s['spanId']}: failed without error.type")
        if s.get("parentSpanId") and s["parentSpanId"] not in spans:
            fails.append(f"span {s['spanId']}: parent {s['parentSpanId']} is not in the export")
    for op in sorted(set(ledger) | set(got)):
        check(f"git_worktree_{op} spans", ledger[op], got[op])
        check(f"git_worktree_{op} failed spans", failed[op], got_failed[op])
        ok = ledger[op] - failed[op]
        check(f"operations_total{{{op},true}}", ok,
              last.get(("mcp_git_worktree_operations_total", (("mcp.git.operation", op), ("mcp.success", "true"))), 0))
        check(f"operations_total{{{op},false}}", failed[op],
              last.get(("mcp_git_worktree_operations_total", (("mcp.git.operation", op), ("mcp.success", "false"))), 0))
        check(f"errors_total{{{op}}}", failed[op],
              last.get(("mcp_git_worktree_errors_total", (("mcp.git.operation", op),)), 0))
        check(f"duration_seconds{{{op}}} count", ledger[op],
              last.get(("mcp_git_worktree_duration_seconds", (("mcp.git.operation", op),)), 0))
    check("exit codes", sorted(codes.items()), sorted(got_codes.items()))
    active = (ledger["add"] - failed["add"]) - (ledger["remove"] - failed["remove"])
    check("mcp_active_git_worktrees", active, last.get(("mcp_active_git_worktrees", ()), 0))
    n = sum(ledger.values())
    for f in fails:
        print("FAIL:", f)
    print(f"git ledger: {n} commands, {len(fails)} mismatches")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
