#!/usr/bin/env python3
"""Reads live-view screens (tmux capture-pane -p output, or --top=text output)
and checks them against the demo's ledger and the tracer's OTLP/JSON file.
Used by test_live_view.sh; each subcommand prints what it checked and exits
non-zero with "FAIL ..." lines when something is wrong.

  live SCREEN                      the table is there, alive, with durations
  final SCREEN LEDGER              per-operation CALLS/ERRORS == the ledger
  sorted SCREEN COLUMN asc|desc    rows ordered by that column, marker shown
  breakdown SCREEN LEDGER OP       the expanded OP's attribute rows == ledger
  errors SCREEN LEDGER OTLP        error spans: types, ids, spans in the file
  trees SCREEN OTLP                span trees: parent -> children as exported
  resized SCREEN WIDTH HEIGHT      layout fits the window and still works
  text OUT LEDGER                  --top=text: timestamped tables, final totals
"""
import fnmatch
import json
import re
import sys
from collections import defaultdict

from span_tree import PARENT_RULES, ROOT_SPANS

SPAN_OP = [("agent_collaboration_session", "agent_collaboration"),
           ("agent_iteration_*", "agent_iteration"), ("workflow_step_*", "workflow_step")]
POINT_COUNTERS = {"model_cache_hit": "mcp_model_cache_hits_total",
                  "model_cache_miss": "mcp_model_cache_misses_total",
                  "workflow_branch": "mcp_workflow_branch_total",
                  "workflow_retry": "mcp_workflow_retry_total",
                  "workflow_rollback": "mcp_workflow_rollback_total"}
# the operation's `_total` counter and the attribute the breakdown groups by
BREAKDOWN = {"model_routing": ("mcp_model_routing_total", "mcp.model_type",
                               "mcp_model_routing_errors_total"),
             "workflow_execution": ("mcp_workflow_execution_total", "mcp.workflow_type",
                                    "mcp_workflow_errors_total"),
             "agent_collaboration": ("mcp_agent_collaboration_total", "mcp.collaboration_type",
                                     "mcp_agent_collaboration_errors_total")}
MARKERS = {"▼": "desc", "▲": "asc", "v": "desc", "^": "asc"}
DURATION = re.compile(r"^(\d+(\.\d+)?)(ns|µs|us|ms|s)$")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg)


def ok(msg):
    print("ok   " + msg)


def done():
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


def span_op(name):
    for pat, op in SPAN_OP:
        if fnmatch.fnmatch(name, pat):
            return op
    return name


def ledger_ops(ledger):
    """operation -> (calls, errors) from what the demo did."""
    want = defaultdict(lambda: [0, 0])
    for name, c in ledger["spans"].items():
        w = want[span_op(name)]
        w[0] += c["ok"] + c["error"]
        w[1] += c["error"]
    for op, metric in POINT_COUNTERS.items():
        n = sum(e["value"] for e in ledger["counters"].get(metric, []))
        if n:
            want[op][0] += n
    return want


def seconds(cell):
    m = DURATION.match(cell)
    if not m:
        return None
    return float(m.group(1)) * {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1}[m.group(3)]


def number(cell):
    """A cell as a number for ordering; None for '-'."""
    if cell in ("-", ""):
        return None
    d = seconds(cell)
    if d is not None:
        return d
    cell = cell.rstrip("%").lstrip("$")
    mult = 1
    if cell[-1:] in "kMG" and cell[:-1]:
        mult = {"k": 1e3, "M": 1e6, "G": 1e9}[cell[-1]]
        cell = cell[:-1]
    try:
        return float(cell) * mult
    except ValueError:
        return None


class Table:
    """The operations table of a screen: column titles, rows by name, and
    breakdown rows under the row they belong to."""

    def __init__(self, lines):
        self.titles, self.sort, self.rows, self.order, self.brows = None, None, {}, [], defaultdict(list)
        start = next((i for i, l in enumerate(lines) if l.startswith("OPERATION")), None)
        if start is None:
            return
        toks = lines[start].split()
        self.titles = []
        for t in toks:
            if t in MARKERS and self.titles:
                self.sort = (self.titles[-1], MARKERS[t])
            else:
                self.titles.append(t)
        last = None
        for l in lines[start + 1:]:
            toks = l.split()
            if len(toks) < len(self.titles):
                if l.strip() == "" or l.startswith("output held") or "q quit" in l:
                    continue
                continue
            if toks[0] in ("├", "└", "|-", "`-"):
                if last:
                    self.brows[last].append(dict(zip(self.titles, toks[1:])))
                continue
            if len(toks) != len(self.titles) or not re.match(r"^[a-z_]+$", toks[0]):
                continue
            row = dict(zip(self.titles, toks))
            self.rows[toks[0]] = row
            self.order.append(toks[0])
            last = toks[0]


def read_screen(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")


def cmd_live(screen):
    lines = read_screen(screen)
    t = Table(lines)
    if "mcp-bpftrace" not in lines[0] or "mcp-demo[" not in lines[0]:
        fail(f"title bar names the tracer and the target: {lines[0]!r}")
    if not any(l.startswith("Records ") and "Dropped 0" in l for l in lines[:3]):
        fail("header shows records and 'Dropped 0'")
    if not any(l.startswith("Export ") for l in lines[:4]):
        fail("header shows the export status")
    if not t.titles:
        fail("no column titles")
        return
    if t.sort != ("CALLS/s", "desc"):
        fail(f"default sort is CALLS/s descending, got {t.sort}")
    busy = [n for n, r in t.rows.items() if (number(r["CALLS/s"]) or 0) > 0]
    timed = [n for n, r in t.rows.items() if seconds(r["P50"]) is not None and seconds(r["P99"]) is not None]
    if len(busy) < 10:
        fail(f"at least 10 operations with calls/s > 0 while the demo runs, got {busy}")
    if len(timed) < 8:
        fail(f"at least 8 operations with p50/p99 durations, got {timed}")
    for n, r in t.rows.items():
        p50, p95, p99 = (seconds(r[k]) for k in ("P50", "P95", "P99"))
        if None not in (p50, p95, p99) and not p50 <= p95 * 1.0001 <= p99 * 1.0002:
            fail(f"{n}: p50 <= p95 <= p99, got {p50} {p95} {p99}")
    ok(f"live table: {len(t.rows)} rows, {len(busy)} busy, {len(timed)} with percentiles")


def cmd_final(screen, ledger_path):
    lines = read_screen(screen)
    ledger = json.load(open(ledger_path))
    want = ledger_ops(ledger)
    t = Table(lines)
    if not any("Tracing stopped" in l for l in lines[:6]):
        fail("the finished view says tracing stopped")
    if not any(l.startswith("Records ") and "Dropped 0" in l for l in lines[:3]):
        fail("no records dropped (else totals cannot match)")
    for op, (calls, errors) in sorted(want.items()):
        r = t.rows.get(op)
        if not r:
            fail(f"{op}: no row (ledger: {calls} calls)")
            continue
        if int(r["CALLS"]) != calls or int(r["ERRORS"]) != errors:
            fail(f"{op}: CALLS/ERRORS {r['CALLS']}/{r['ERRORS']}, ledger {calls}/{errors}")
        else:
            ok(f"{op}: {calls} calls, {errors} errors")
    for op in t.rows:
        r = t.rows[op]
        if op == "process_exec" and (r["CALLS"], r["ERRORS"]) == ("1", "0"):
            ok("process_exec: the demo's own exec (the tracer launched it)")
        elif op not in want:
            fail(f"{op}: a row, but the ledger has no such operation")
    # tokens/cost only where the catalog counts them: model_inference
    for op, r in t.rows.items():
        has = r["TOKENS/s"] != "-"
        if has != (op == "model_inference"):
            fail(f"{op}: TOKENS/s {r['TOKENS/s']!r}")
    tok = sum(e["value"] for e in ledger["counters"].get("mcp_model_token_usage_total", []))
    if tok and "model_inference" in t.rows and (number(t.rows["model_inference"]["TOKENS/s"]) or 0) <= 0:
        fail("model_inference TOKENS/s > 0 when the ledger counts tokens")


def cmd_sorted(screen, col, direction):
    t = Table(read_screen(screen))
    if t.sort != (col, direction):
        fail(f"sort marker on {col} {direction}, got {t.sort}")
    if col == "OPERATION":
        want = sorted(t.order, reverse=(direction == "desc"))
        if t.order != want:
            fail(f"rows ordered by name {direction}: {t.order}")
        else:
            ok(f"{len(t.order)} rows ordered by name {direction}")
        return
    vals = [number(t.rows[n][col]) for n in t.order]
    nums = [v for v in vals if v is not None]
    if vals[:len(nums)] != nums:
        fail(f"rows without a value ('-') come last: {vals}")
    want = sorted(nums, reverse=(direction == "desc"))
    if nums != want:
        fail(f"rows ordered by {col} {direction}: {list(zip(t.order, vals))}")
    else:
        ok(f"{len(t.order)} rows ordered by {col} {direction}")


def cmd_breakdown(screen, ledger_path, op):
    ledger = json.load(open(ledger_path))
    t = Table(read_screen(screen))
    metric, key, err_metric = BREAKDOWN[op]
    want = defaultdict(int)
    for e in ledger["counters"].get(metric, []):
        want[e["attributes"][key]] += e["value"]
    want_err = defaultdict(int)
    for e in ledger["counters"].get(err_metric, []):
        want_err[e["attributes"]["mcp.error_type"]] += e["value"]
    got, got_err = {}, {}
    short = key[4:] if key.startswith("mcp.") else key
    for b in t.brows.get(op, []):
        k, _, v = b["OPERATION"].partition("=")
        if k == short:
            got[v] = int(b["CALLS"])
        elif k == "error.type":
            got_err[v] = int(b["CALLS"])
    if not t.brows.get(op):
        fail(f"{op} is not expanded")
    if got != dict(want):
        fail(f"{op} by {short}: {got}, ledger {dict(want)}")
    else:
        ok(f"{op} by {short}: {got}")
    if got_err != dict(want_err):
        fail(f"{op} by error.type: {got_err}, ledger {dict(want_err)}")
    else:
        ok(f"{op} by error.type: {got_err}")
    if op in t.rows and sum(got.values()) != int(t.rows[op]["CALLS"]):
        fail(f"{op}: breakdown adds up to {sum(got.values())}, row says {t.rows[op]['CALLS']}")


def load_spans(otlp_path):
    spans = {}
    with open(otlp_path, encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            for rs in obj.get("resourceSpans", []):
                for ss in rs.get("scopeSpans", []):
                    for s in ss.get("spans", []):
                        spans[(s["traceId"], s["spanId"])] = s
    by_trace = defaultdict(list)
    for s in spans.values():
        by_trace[s["traceId"]].append(s)
    return by_trace


def cmd_errors(screen, ledger_path, otlp_path):
    lines = read_screen(screen)
    ledger = json.load(open(ledger_path))
    types = {e["attributes"]["mcp.error_type"] for m, es in ledger["counters"].items()
             if m.endswith("errors_total") for e in es}
    by_trace = load_spans(otlp_path)
    if not any(l.startswith("Recent error spans") for l in lines):
        fail("errors panel title")
    start = next((i for i, l in enumerate(lines) if l.startswith("TIME ")), None)
    rows = []
    for l in lines[start + 1:] if start is not None else []:
        m = re.match(r"^(\d\d:\d\d:\d\d\.\d{3}) +(\S+) (\S+) +([0-9a-f]{32}) (\S+)( .*)?$", l)
        if m:
            tm, dur, etype, trace, span, _ = m.groups()
            rows.append((tm, span_op(span), span, etype, dur, trace, None))
    if len(rows) < 5:
        fail(f"at least 5 error spans shown, got {len(rows)}")
    for tm, op, span, etype, dur, trace, _ in rows:
        if seconds(dur) is None:
            fail(f"duration {dur!r}")
        match = [s for s in by_trace.get(trace, []) if s["name"] == span
                 and s.get("status", {}).get("code") == 2
                 and any(a["key"] == "error.type" and a["value"].get("stringValue") == etype
                         for a in s.get("attributes", []))]
        if not match:
            fail(f"no exported error span {span} with error.type {etype} in trace {trace}")
    counted = {r[3] for r in rows if r[1] in ("model_routing", "workflow_execution", "plan_execution")}
    if not counted <= types:
        fail(f"error types {sorted(counted - types)} not in the ledger's error counters")
    times = [r[0] for r in rows]
    if times != sorted(times, reverse=True):
        fail("error spans are newest first")
    ok(f"{len(rows)} error spans, types {sorted({r[3] for r in rows})}")


def cmd_trees(screen, otlp_path):
    lines = read_screen(screen)
    by_trace = load_spans(otlp_path)
    if not any(l.startswith("Recent span trees") for l in lines):
        fail("trees panel title")
    trees, cur = [], None
    for l in lines:
        m = re.match(r"^\d\d:\d\d:\d\d\.\d{3}  trace ([0-9a-f]{32})  pid (\d+)  (\d+) spans?", l)
        if m:
            cur = {"trace": m.group(1), "nodes": [], "count": int(m.group(3))}
            trees.append(cur)
            continue
        if cur is None or not l.startswith("  "):
            cur = None if not l.strip() else cur
            continue
        body = l[2:]
        depth, i = 0, 0
        while True:
            seg = body[i:i + 3]
            if seg in ("├─ ", "└─ ", "|- ", "`- "):
                depth += 1
                i += 3
                break
            if seg in ("│  ", "|  ", "   "):
                depth += 1
                i += 3
                continue
            break
        name = body[i:].split()[0] if body[i:].split() else ""
        cur["nodes"].append((depth, name))
    if trees and len(trees[-1]["nodes"]) < trees[-1]["count"]:
        trees.pop()  # cut by the bottom of the screen
    if len(trees) < 3:
        fail(f"at least 3 span trees, got {len(trees)}")
    nested = 0
    for t in trees:
        nodes = t["nodes"]
        if nodes == [(0, "exec")]:
            continue  # the demo's own exec span (the tracer launched it), alone in its trace
        if not nodes or nodes[0][0] != 0 or nodes[0][1] not in ROOT_SPANS:
            fail(f"trace {t['trace']}: root {nodes[:1]} is a root span")
            continue
        stack = []
        for depth, name in nodes:
            stack = stack[:depth]
            if depth:
                nested += 1
                parent = stack[-1] if stack else None
                rule = next((v for k, v in PARENT_RULES.items() if fnmatch.fnmatch(name, k)), None)
                if rule is None or parent not in rule:
                    fail(f"trace {t['trace']}: {name} under {parent}")
            stack.append(name)
        exported = sorted(s["name"] for s in by_trace.get(t["trace"], []))
        shown = sorted(n for _, n in nodes)
        if exported != shown:
            fail(f"trace {t['trace']}: shown {shown}, exported {exported}")
    if not nested:
        fail("no tree with children")
    ok(f"{len(trees)} span trees, {nested} child spans, all as exported")


def cmd_resized(screen, width, height):
    lines = read_screen(screen)
    width, height = int(width), int(height)
    while lines and lines[-1] == "":
        lines.pop()
    if len(lines) > height:
        fail(f"{len(lines)} lines on a {height}-line screen")
    wide = [l for l in lines if len(l) > width]
    if wide:
        fail(f"lines wider than {width}: {wide[:2]}")
    t = Table(lines)
    if "mcp-bpftrace" not in lines[0]:
        fail("title bar after the resize")
    if not t.titles or t.titles[:2] != ["OPERATION", "CALLS/s"]:
        fail(f"column titles after the resize: {t.titles}")
    if len(t.rows) < min(5, height - 9):
        fail(f"rows after the resize: {t.order}")
    if width >= 150 and "COST/s" not in (t.titles or []):
        fail("all columns back at full width")
    if width < 100 and "COST/s" in (t.titles or []):
        fail("narrow screen drops the least important columns")
    if "quit" not in lines[-1]:
        fail(f"footer on the last line: {lines[-1]!r}")
    ok(f"{width}x{height}: {len(t.titles or [])} columns, {len(t.rows)} rows")


def cmd_text(out_path, ledger_path):
    text = open(out_path, encoding="utf-8").read()
    blocks = [b for b in re.split(r"\n(?====)", text) if b.startswith("=== ")]
    if len(blocks) < 3:
        fail(f"a table every refresh: {len(blocks)} tables")
    for b in blocks:
        if not re.match(r"^=== \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} mcp-bpftrace ", b):
            fail(f"timestamp header line: {b.splitlines()[0]!r}")
            break
    final = blocks[-1] if blocks else ""
    if "FINISHED" not in final.splitlines()[0]:
        fail("the last table is the final one")
    t = Table(final.split("\n"))
    want = ledger_ops(json.load(open(ledger_path)))
    for op, (calls, errors) in sorted(want.items()):
        r = t.rows.get(op)
        if not r or int(r["CALLS"]) != calls or int(r["ERRORS"]) != errors:
            fail(f"text {op}: {r and (r['CALLS'], r['ERRORS'])}, ledger {calls}/{errors}")
    if "\x1b" in text:
        fail("no terminal escape sequences in text mode")
    ok(f"text mode: {len(blocks)} tables, final totals == ledger for {len(want)} operations")


def main():
    cmds = {"live": cmd_live, "final": cmd_final, "sorted": cmd_sorted, "breakdown": cmd_breakdown,
            "errors": cmd_errors, "trees": cmd_trees, "resized": cmd_resized, "text": cmd_text}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__)
        sys.exit(2)
    cmds[sys.argv[1]](*sys.argv[2:])
    done()


if __name__ == "__main__":
    main()
