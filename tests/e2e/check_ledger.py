#!/usr/bin/env python3
"""Compare what mcp-bpftrace exported (OTLP/JSON lines, as the OpenTelemetry
Collector's file exporter writes them) with the demo workload's own ledger.

usage: check_ledger.py --ledger LEDGER.json --otlp FILE [FILE...] [--tolerance-ns N] [-v]
Prints one line per failed check ("FAIL <family> <what>: <detail>"), then
"check_ledger: N passed, M failed". Exit 0 iff nothing failed, 1 if a check
failed, 2 if an input cannot be read. Standard library only (Python 3.11).
"""
import argparse
import fnmatch
import json
import re
import sys
from collections import Counter, defaultdict

from span_tree import PARENT_RULES, ROOT_SPANS

HEALTH_PREFIX = "mcp_bpftrace_"   # the tracer's own health metrics: not in the ledger
STATUS_ERROR = 2
CUMULATIVE = 2
TRACE_ID_RE = re.compile(r"[0-9a-f]{32}")
SPAN_ID_RE = re.compile(r"[0-9a-f]{16}")
METRIC_KINDS = ("sum", "histogram", "exponentialHistogram")
SCALARS = {"stringValue": str, "intValue": int, "doubleValue": float, "boolValue": bool, "bytesValue": str}

class Report:
    def __init__(self, verbose=False):
        self.verbose, self.passed, self.failed = verbose, 0, 0

    def ok(self, family, what):
        self.passed += 1
        if self.verbose:
            print(f"ok   {family} {what}")

    def fail(self, family, what, detail):
        self.failed += 1
        print(f"FAIL {family} {what}: {detail}")

# ---------------------------------------------------------------- decoding
def any_value(v):
    """OTLP AnyValue (JSON encoding) -> Python value."""
    for field, conv in SCALARS.items():
        if field in v:
            return conv(v[field])
    if "arrayValue" in v:
        return [any_value(x) for x in v["arrayValue"].get("values", [])]
    if "kvlistValue" in v:
        return attrs_dict(v["kvlistValue"].get("values"))
    return None

def attrs_dict(lst):
    return {a["key"]: any_value(a.get("value", {})) for a in lst or []}

def attr_key(d):
    """Hashable, type-exact key of an attribute set ("5" != 5 != 5.0)."""
    return tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in d.items()))

def fmt_series(key):
    metric, akey = key
    return metric + "{" + ", ".join(f"{k}={v}" for k, v in akey) + "}"

def close(expected, got):
    """Integers exactly; otherwise relative 1e-9 (absolute 1e-9 around zero)."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return False
    if isinstance(expected, int) and isinstance(got, int):
        return expected == got
    a, b = float(expected), float(got)
    return abs(a - b) <= 1e-9 * (max(abs(a), abs(b)) if a and b else 1.0)

def total(values):
    """Sum across resources; stays an int when every value is one."""
    return sum(values) if all(isinstance(v, int) for v in values) else sum(map(float, values))

# ---------------------------------------------------------------- loading
class Export:
    """Everything read from the OTLP files. Metric tables keep, per series
    (metric, attribute key), the last data point of each source (resource, scope)."""
    def __init__(self):
        self.spans = []                      # every span, in file order
        self.sums = defaultdict(dict)        # key -> {source: value}
        self.hists = defaultdict(dict)       # key -> {source: (count, sum or None)}
        self.health = defaultdict(dict)      # mcp_bpftrace_* series, any kind
        self.shape = defaultdict(list)       # key -> problems (temporality, decrease, buckets)
        self.parse_errors = []

    def add_line(self, where, obj):
        for rs in obj.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                self.spans.extend(ss.get("spans", []))
        for rm in obj.get("resourceMetrics", []):
            res = attr_key(attrs_dict(rm.get("resource", {}).get("attributes")))
            for sm in rm.get("scopeMetrics", []):
                scope = sm.get("scope", {})
                source = (res, scope.get("name", ""), scope.get("version", ""))
                for m in sm.get("metrics", []):
                    self.add_metric(where, source, m)

    def add_metric(self, where, source, m):
        name = m.get("name", "")
        kind = next((k for k in METRIC_KINDS if k in m), None)
        if kind is None:
            return  # gauges, summaries: nothing in the ledger to compare with
        body = m[kind]
        monotonic = kind != "sum" or bool(body.get("isMonotonic"))
        for dp in body.get("dataPoints", []):
            key = (name, attr_key(attrs_dict(dp.get("attributes"))))
            if kind == "sum":
                value = int(dp["asInt"]) if "asInt" in dp else float(dp.get("asDouble", 0))
                level, table = value, self.sums
            else:
                value = (int(dp.get("count", 0)), float(dp["sum"]) if "sum" in dp else None)
                level, table = value[0], self.hists
                self.check_buckets(where, key, kind, dp, level)
            table = self.health if name.startswith(HEALTH_PREFIX) else table
            if body.get("aggregationTemporality") != CUMULATIVE:
                self.shape[key].append(f"{where}: aggregationTemporality "
                                       f"{body.get('aggregationTemporality')}, expected 2 (cumulative)")
            prev = table[key].get(source)
            prev_level = prev[0] if isinstance(prev, tuple) else prev
            if monotonic and prev_level is not None and level < prev_level:
                self.shape[key].append(f"{where}: cumulative value decreased from {prev_level} to {level}")
            table[key][source] = value

    def check_buckets(self, where, key, kind, dp, count):
        if kind == "histogram":
            buckets, bounds = [int(c) for c in dp.get("bucketCounts", [])], dp.get("explicitBounds", [])
            if buckets and len(buckets) != len(bounds) + 1:
                self.shape[key].append(f"{where}: {len(buckets)} buckets for {len(bounds)} bounds")
        else:
            buckets = [int(dp.get("zeroCount", 0))]
            for side in ("positive", "negative"):
                buckets += [int(c) for c in dp.get(side, {}).get("bucketCounts", [])]
        if (buckets or kind != "histogram") and sum(buckets) != count:  # explicit buckets optional
            self.shape[key].append(f"{where}: bucket counts add up to {sum(buckets)}, count is {count}")

def load_export(paths):
    exp = Export()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if line.strip():
                    try:
                        exp.add_line(f"{path}:{lineno}", json.loads(line))
                    except (ValueError, TypeError, KeyError, AttributeError) as e:
                        exp.parse_errors.append(f"{path}:{lineno}: {type(e).__name__}: {e}")
    return exp

# ---------------------------------------------------------------- metrics
def ledger_series(rep, family, section):
    out = {}
    for metric, entries in sorted(section.items()):
        for entry in entries:
            key = (metric, attr_key(entry.get("attributes", {})))
            if key in out:
                rep.fail(family, fmt_series(key), "series listed twice in the ledger")
            out[key] = entry
    return out

def check_counters(rep, section, exp):
    """Ledger counter series == exported sums (last point per source, summed over
    sources); non-zero exported series absent from the ledger fail too."""
    want = ledger_series(rep, "counter", section)
    got = {k: total(list(v.values())) for k, v in exp.sums.items()}
    for key in sorted(set(want) | set(got)):
        g = got.get(key)
        if key not in want:
            if g != 0:
                rep.fail("counter", fmt_series(key), f"expected absent (not in ledger), got {g}")
            continue
        e = want[key]["value"]
        if (g is None and e == 0) or (g is not None and close(e, g)):
            rep.ok("counter", fmt_series(key))
        else:
            rep.fail("counter", fmt_series(key), f"expected {e}, got {'nothing exported' if g is None else g}")

def check_histograms(rep, section, exp):
    """count exactly; sum too (rel 1e-9) unless the metric name ends in _seconds."""
    want = ledger_series(rep, "histogram", section)
    got = {}
    for key, per_source in exp.hists.items():
        counts, sums = zip(*per_source.values())
        got[key] = (sum(counts), None if None in sums else sum(sums))
    for key in sorted(set(want) | set(got)):
        if key not in want:
            if got[key][0] != 0:
                rep.fail("histogram", fmt_series(key), f"expected absent (not in ledger), got count {got[key][0]}")
            continue
        e_count, e_sum = int(want[key]["count"]), want[key].get("sum")
        g_count, g_sum = got.get(key, (0, None))
        problems = []
        if g_count != e_count:
            problems.append(f"count expected {e_count}, got {g_count if key in got else 'nothing exported'}")
        if key in got and not key[0].endswith("_seconds") and e_sum is not None:
            if g_sum is None or not close(float(e_sum), g_sum):
                problems.append(f"sum expected {e_sum!r}, got {'no sum' if g_sum is None else repr(g_sum)}")
        if problems:
            rep.fail("histogram", fmt_series(key), "; ".join(problems))
        else:
            rep.ok("histogram", fmt_series(key))

def check_series_shape(rep, exp):
    """Every exported series: cumulative, never decreasing (monotonic sums and
    histogram counts), bucket counts consistent with count."""
    for key in sorted(set(exp.sums) | set(exp.hists)):
        problems = exp.shape.get(key)
        if problems:
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            rep.fail("cumulative", fmt_series(key), problems[0] + more)
        else:
            rep.ok("cumulative", fmt_series(key))

def report_health(rep, exp):
    """The tracer's own mcp_bpftrace_* metrics: reported (verbose only), never checked."""
    for key in sorted(exp.health) if rep.verbose else []:
        values = [v[0] if isinstance(v, tuple) else v for v in exp.health[key].values()]
        print(f"info {fmt_series(key)} = {total(values)}")
        for problem in exp.shape.get(key, []):
            print(f"info {fmt_series(key)}: {problem}")

# ---------------------------------------------------------------- spans
def status_code(span):
    return int((span.get("status") or {}).get("code", 0))

def times(span):
    return int(span.get("startTimeUnixNano", 0)), int(span.get("endTimeUnixNano", 0))

def dedupe_spans(rep, spans):
    """Each spanId must be exported once; returns (unique spans, spanId -> span)."""
    index, dups = {}, defaultdict(list)
    for s in spans:
        sid = s.get("spanId", "")
        if sid in index:
            dups[s.get("name", "")].append(sid)
        else:
            index[sid] = s
    for name in sorted({s.get("name", "") for s in spans}):
        if dups[name]:
            rep.fail("span_unique", f"span {name}", f"{len(dups[name])} duplicate spanId(s), first {dups[name][0]}")
        else:
            rep.ok("span_unique", f"span {name}")
    return list(index.values()), index

def check_span_counts(rep, section, spans):
    got = defaultdict(lambda: {"ok": 0, "error": 0})
    for s in spans:
        got[s.get("name", "")]["error" if status_code(s) == STATUS_ERROR else "ok"] += 1
    for name in sorted(set(section) | set(got)):
        g, e = got[name], section.get(name)
        e = None if e is None else {"ok": int(e.get("ok", 0)), "error": int(e.get("error", 0))}
        if e == g:
            rep.ok("span_count", f"span {name}")
        else:
            want = "absent (not in ledger)" if e is None else f"ok={e['ok']} error={e['error']}"
            rep.fail("span_count", f"span {name}", f"expected {want}, got ok={g['ok']} error={g['error']}")

def per_span(rep, family, spans, check):
    """One check per span name: passes when check(span) finds no problem in any span."""
    bad, names = defaultdict(list), defaultdict(int)
    for s in spans:
        names[s.get("name", "")] += 1
        problem = check(s)
        if problem:
            bad[s.get("name", "")].append(f"spanId={s.get('spanId', '')}: {problem}")
    for name in sorted(names):
        if not bad[name]:
            rep.ok(family, f"span {name}")
            continue
        rep.fail(family, f"span {name}", f"{len(bad[name])} of {names[name]} spans bad; first {bad[name][0]}")
        for extra in bad[name][1:] if rep.verbose else []:
            print(f"     {extra}")

def allowed_parents(name):
    return next((p for pattern, p in PARENT_RULES.items() if fnmatch.fnmatchcase(name, pattern)), None)

def link_checker(index):
    """IDs well formed; parent exported, same trace, allowed by the catalog;
    catalog roots have no parent; no two roots share a traceId."""
    roots_by_trace = {}

    def check(s):
        name, tid, sid = s.get("name", ""), s.get("traceId", ""), s.get("spanId", "")
        pid, allowed = s.get("parentSpanId") or "", allowed_parents(name)
        if not TRACE_ID_RE.fullmatch(tid) or set(tid) == {"0"}:
            return f"bad traceId {tid!r} (expected 32 lowercase hex, not all zero)"
        if not SPAN_ID_RE.fullmatch(sid) or set(sid) == {"0"}:
            return f"bad spanId {sid!r} (expected 16 lowercase hex, not all zero)"
        if not pid:
            if allowed:
                return f"no parent, expected parent {sorted(allowed)}"
            if tid in roots_by_trace:
                return f"root shares traceId {tid} with root spanId={roots_by_trace[tid]}"
            roots_by_trace[tid] = sid
            return None
        if name in ROOT_SPANS:
            return f"has parentSpanId {pid}, expected a root span"
        parent = index.get(pid)
        if parent is None:
            return f"parent {pid} not among exported spans"
        if parent.get("traceId") != tid:
            return f"traceId {tid} differs from parent's {parent.get('traceId')}"
        if allowed and parent.get("name") not in allowed:
            return f"parent is {parent.get('name')!r}, expected one of {sorted(allowed)}"
        return None
    return check

def check_error_shape(s):
    """Error spans: non-empty error.type + 'exception' event with exception.type; ok spans: neither."""
    attrs = attrs_dict(s.get("attributes"))
    exc = [attrs_dict(e.get("attributes")) for e in s.get("events", []) if e.get("name") == "exception"]
    if status_code(s) != STATUS_ERROR:
        if "error.type" in attrs:
            return f"ok span carries error.type={attrs['error.type']!r}"
        return "ok span carries an 'exception' event" if exc else None
    if not isinstance(attrs.get("error.type"), str) or not attrs["error.type"]:
        return "error span without a non-empty error.type attribute"
    if not exc:
        return "error span without an 'exception' event"
    if not all(isinstance(e.get("exception.type"), str) and e["exception.type"] for e in exc):
        return "'exception' event without a non-empty exception.type attribute"
    return None

def check_events(s):
    """'* started' at start, '* completed'/'* failed' at end, every event inside [start, end]."""
    start, end = times(s)
    if end < start:
        return f"endTimeUnixNano {end} < startTimeUnixNano {start}"
    for e in s.get("events", []):
        name, t = e.get("name", ""), int(e.get("timeUnixNano", 0))
        if name.endswith(" started") and t != start:
            return f"event {name!r} at {t}, expected start {start}"
        if name.endswith((" completed", " failed")) and t != end:
            return f"event {name!r} at {t}, expected end {end}"
        if not start <= t <= end:
            return f"event {name!r} at {t} outside [{start}, {end}]"
    return None

def check_durations(rep, section, spans, tolerance_ns):
    """inner_sum_s - tol <= sum(end - start) <= outer_sum_s + tol, per span name."""
    per_name = defaultdict(list)
    for s in spans:
        start, end = times(s)
        per_name[s.get("name", "")].append(end - start)
    for name in sorted(section):
        inner, outer = float(section[name]["inner_sum_s"]), float(section[name]["outer_sum_s"])
        durs = per_name.get(name, [])
        traced = sum(durs) / 1e9
        tol = tolerance_ns * len(durs) * 1e-9 + 1e-9
        if inner - tol <= traced <= outer + tol:
            rep.ok("duration", f"span {name}")
        else:
            rep.fail("duration", f"span {name}", f"traced sum {traced:.9f}s over {len(durs)} spans outside "
                     f"[{inner - tol:.9f}, {outer + tol:.9f}] (inner_sum_s {inner}, outer_sum_s {outer}, tol {tol:.9f}s)")

# ---------------------------------------------------------------- processes
EXEC_METRIC = "mcp_process_exec_duration_seconds"


def split_process_source(rep, exp):
    """The process source's own telemetry (the demo's exec, when the tracer
    launched it) is no part of the demo's ledger: take it out, and check it
    stands for the demo alone: at most one `exec` span per process, ok, of
    the demo's executable, as many as the exec histogram counts."""
    execs = [s for s in exp.spans if s.get("name", "").startswith("exec ")]
    exp.spans = [s for s in exp.spans if not s.get("name", "").startswith("exec ")]
    counted = 0
    for key in [k for k in exp.hists if k[0] == EXEC_METRIC]:
        counted += total([v[0] for v in exp.hists.pop(key).values()])
    per_pid = Counter()
    for s in execs:
        a = attrs_dict(s.get("attributes"))
        per_pid[a.get("process.pid")] += 1
        if status_code(s) == 2 or not str(a.get("process.executable.name", "")).startswith("mcp-demo"):
            rep.fail("process", s["name"], f"not the demo's own exec: {a}")
    if any(n > 1 for n in per_pid.values()):
        rep.fail("process", "exec spans", f"more than one per process: {dict(per_pid)}")
    if counted != len(execs):
        rep.fail("process", EXEC_METRIC, f"counts {counted}, {len(execs)} exec spans")
    else:
        rep.ok("process", f"{len(execs)} exec span(s) of the demo")


# ---------------------------------------------------------------- main
def run(ledger, exp, tolerance_ns=0, verbose=False):
    rep = Report(verbose)
    for err in exp.parse_errors:
        rep.fail("parse", "otlp", err)
    split_process_source(rep, exp)
    check_counters(rep, ledger.get("counters", {}), exp)
    check_histograms(rep, ledger.get("histograms", {}), exp)
    check_series_shape(rep, exp)
    report_health(rep, exp)
    spans, index = dedupe_spans(rep, exp.spans)
    check_span_counts(rep, ledger.get("spans", {}), spans)
    per_span(rep, "parent_link", spans, link_checker(index))
    per_span(rep, "error_shape", spans, check_error_shape)
    per_span(rep, "events", spans, check_events)
    check_durations(rep, ledger.get("durations", {}), spans, tolerance_ns)
    print(f"check_ledger: {rep.passed} passed, {rep.failed} failed")
    return rep

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ledger", required=True, help="LEDGER.json written by the demo")
    ap.add_argument("--otlp", required=True, action="extend", nargs="+", metavar="FILE",
                    help="OTLP/JSON lines file(s) from the collector's file exporter, in write order")
    ap.add_argument("--tolerance-ns", type=int, default=0,
                    help="allowed per-span timing slack for the duration bounds (default 0)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="also print passed checks and the tracer's mcp_bpftrace_* metrics")
    args = ap.parse_args(argv)
    try:
        with open(args.ledger, encoding="utf-8") as f:
            ledger = json.load(f)
        rep = run(ledger, load_export(args.otlp), args.tolerance_ns, args.verbose)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"check_ledger: cannot check: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    return 0 if rep.failed == 0 else 1

if __name__ == "__main__":
    sys.exit(main())
