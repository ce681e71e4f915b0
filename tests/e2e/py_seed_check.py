#!/usr/bin/env python3
"""Compare what mcp-bpftrace exported for the Python seed scenario
(tests/python/seed/scenario.py, its methods bound by tests/python/seed.map and
injected with --inject) with the scenario's own ledger of the calls it made.

usage: py_seed_check.py --ledger LEDGER.json [--otlp FILE...] [--require FLAG...]
                        [--require-false FLAG...] [--same-as LEDGER] [-v]

Checked, per operation: the number of calls, ok and failed by exception type
(error.type); the bound attribute values (types exact: 5 != 5.0 != "5");
the nesting (every call's chain of enclosing calls, each with its
attributes, equals the ledger's); span names; the error shape (status,
error.type, an "exception" event); children inside their parent in time and
trace; point events (cache hit/miss, branch, retry, rollback) as events on the
span they fired in; the spans' durations between the ledger's time inside
and around the calls; and the counters the catalog derives from these calls.
--require FLAG: the ledger's FLAG (a map function -> bool the scenario wrote
from inside, e.g. original_after_detach) must be true for every function;
--require-false FLAG: false for every one (original_at_go: all wrapped).
--same-as LEDGER: the program did the same calls, with the same results, as
in that run (same --seed and --rounds, untraced): tracing changed nothing.
Prints "FAIL ..." lines, then "py_seed_check: N passed, M failed"; exit 0 iff
nothing failed, 1 if a check failed, 2 if an input cannot be read."""
import argparse
import json
import os
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_ledger import Report, attr_key, attrs_dict, close, dedupe_spans, load_export, total  # noqa: E402

STATUS_ERROR = 2
SPAN_NAMES = {"agent_collaboration": "agent_collaboration_session",
              "agent_iteration": "agent_iteration_{mcp.agent_name}",
              "consensus_building": "consensus_building",
              "model_routing": "model_routing", "model_selection": "model_selection",
              "model_inference": "model_inference", "workflow_execution": "workflow_execution",
              "workflow_step": "workflow_step_{mcp.step_name}"}
POINT_EVENTS = {"Cache hit": "model_cache_hit", "Cache miss": "model_cache_miss",
                "Branch taken": "workflow_branch", "Step retry": "workflow_retry",
                "Rollback": "workflow_rollback"}
COMPUTED = {"mcp.service", "mcp.operation", "mcp.error_type"}  # set by the catalog, not bound
# (metric, operation, when, attributes, value): the counters the catalog
# (docs/catalog.md) updates for these operations. An attribute is a bound key,
# "mcp.success" or "mcp.error_type" (computed); model_type counts as "auto" when unbound.
COUNTERS = [
    ("mcp_agent_collaboration_total", "agent_collaboration", "all", ("mcp.collaboration_type", "mcp.success"), 1),
    ("mcp_agent_collaboration_success_total", "agent_collaboration", "ok", ("mcp.collaboration_type",), 1),
    ("mcp_agent_collaboration_errors_total", "agent_collaboration", "failed",
     ("mcp.collaboration_type", "mcp.error_type"), 1),
    ("mcp_model_routing_total", "model_routing", "all", ("mcp.model_type", "mcp.success"), 1),
    ("mcp_model_routing_success_total", "model_routing", "ok", ("mcp.model_type",), 1),
    ("mcp_model_routing_errors_total", "model_routing", "failed", ("mcp.model_type", "mcp.error_type"), 1),
    ("mcp_model_usage_total", "model_inference", "all", ("mcp.model_type",), 1),
    ("mcp_model_token_usage_total", "model_inference", "ok", ("mcp.model_type",), "mcp.tokens_used"),
    ("mcp_model_errors_total", "model_inference", "failed", ("mcp.model_type", "mcp.error_type"), 1),
    ("mcp_model_cache_hits_total", "model_cache_hit", "all", ("mcp.model_type",), 1),
    ("mcp_model_cache_misses_total", "model_cache_miss", "all", ("mcp.model_type",), 1),
    ("mcp_workflow_execution_total", "workflow_execution", "all", ("mcp.workflow_type", "mcp.success"), 1),
    ("mcp_workflow_success_total", "workflow_execution", "ok", ("mcp.workflow_type",), 1),
    ("mcp_workflow_errors_total", "workflow_execution", "failed", ("mcp.workflow_type", "mcp.error_type"), 1),
    ("mcp_workflow_step_total", "workflow_step", "all", ("mcp.step_type", "mcp.success"), 1),
    ("mcp_workflow_step_success_total", "workflow_step", "ok", ("mcp.step_type",), 1),
    ("mcp_workflow_step_errors_total", "workflow_step", "failed", ("mcp.step_type", "mcp.error_type"), 1),
    ("mcp_workflow_branch_total", "workflow_branch", "all", ("mcp.branch_name",), 1),
    ("mcp_workflow_retry_total", "workflow_retry", "all", ("mcp.step_name",), 1),
    ("mcp_workflow_rollback_total", "workflow_rollback", "all", ("mcp.reason",), 1),
]
ACTIVE = ("mcp_active_agent_collaborations", "mcp_active_model_routings", "mcp_active_workflows")
DEFAULT_MODEL_TYPE = "auto"
# The catalog's defaults (docs/catalog.md, "Default"): an unbound or missing
# attribute that the span and its metrics carry all the same.
DEFAULTS = {op: {"mcp.model_type": DEFAULT_MODEL_TYPE}
            for op in ("model_routing", "model_inference", "model_cache_hit", "model_cache_miss")}
EXAMPLES = 3


def bound(attrs):
    """The attributes a binding set: mcp.* keys less the catalog's computed ones
    (mcp.service, mcp.operation, mcp.*_success, mcp.*_duration_ms)."""
    return {k: v for k, v in attrs.items() if k.startswith("mcp.") and k not in COMPUTED
            and not k.endswith(("_success", "_duration_ms"))}


class Call:
    """One bound call, from the ledger or from the export. duration: the
    span's; from the ledger (outer, inner): the time around the call of the
    bound method and the time in the function it awaits."""
    def __init__(self, op, attrs, error, parent, span=None, times=None):
        self.op, self.attrs, self.error, self.parent, self.span = op, attrs, error, parent, span
        self.times = times

    def sig(self):
        return (self.op, self.error, attr_key(self.attrs))


def fmt_sig(sig):
    op, error, akey = sig
    return f"{op}{'!' + error if error else ''}{{" + ", ".join(f"{k}={v}" for k, v in akey) + "}"


# ---------------------------------------------------------------- reading
def with_defaults(op, attrs):
    """The attributes a call's span carries: what the binding read (a None
    was left out), then the catalog's default for what is missing."""
    return {**DEFAULTS.get(op, {}), **attrs}


def ledger_calls(ledger):
    calls = {}
    for e in ledger["calls"]:
        times = (e["end_ns"] - e["start_ns"], e.get("inner_ns")) if "end_ns" in e else None
        calls[e["id"]] = Call(e["op"], with_defaults(e["op"], e["attrs"]), e.get("error"), e.get("parent"),
                              times=times)
    return calls


def export_calls(index):
    """Spans (spanId -> span) whose mcp.operation is one of ours, and the point events on them."""
    calls = {}
    for sid, s in index.items():
        attrs = attrs_dict(s.get("attributes"))
        op = attrs.get("mcp.operation")
        if op not in SPAN_NAMES:
            continue
        failed = int((s.get("status") or {}).get("code", 0)) == STATUS_ERROR
        error = attrs.get("error.type") if failed else None
        calls[sid] = Call(op, bound(attrs), error or ("<no error.type>" if failed else None),
                          s.get("parentSpanId") or None, s)
        for i, ev in enumerate(s.get("events", [])):
            point = POINT_EVENTS.get(ev.get("name"))
            if point:
                calls[f"{sid}/{i}"] = Call(point, bound(attrs_dict(ev.get("attributes"))), None, sid)
    return calls


# ---------------------------------------------------------------- checks
def paths(calls):
    """Each call's chain of signatures from its root down (a parent that is not
    among the calls ends the chain with a marker)."""
    memo = {}

    def path(cid):
        if cid not in memo:
            c = calls[cid]
            if c.parent is None:
                up = ()
            elif c.parent in calls:
                up = path(c.parent)
            else:
                up = (("<parent not exported>", None, ()),)
            memo[cid] = up + (c.sig(),)
        return memo[cid]
    return {cid: path(cid) for cid in calls}


def compare_multisets(rep, family, want, got, fmt):
    """want, got: op -> Counter; one check per operation."""
    for op in sorted(set(want) | set(got)):
        missing, extra = want[op] - got[op], got[op] - want[op]
        if not missing and not extra:
            rep.ok(family, op)
            continue
        parts = []
        if missing:
            parts.append(f"{sum(missing.values())} in the ledger not exported, e.g. "
                         + "; ".join(fmt(k) for k in list(missing)[:EXAMPLES]))
        if extra:
            parts.append(f"{sum(extra.values())} exported not in the ledger, e.g. "
                         + "; ".join(fmt(k) for k in list(extra)[:EXAMPLES]))
        rep.fail(family, op, " | ".join(parts))


def check_counts(rep, want_calls, got_calls):
    want, got = defaultdict(Counter), defaultdict(Counter)
    for calls, table in ((want_calls, want), (got_calls, got)):
        for c in calls.values():
            table[c.op][c.error or "ok"] += 1
    for op in sorted(set(want) | set(got)):
        if want[op] == got[op]:
            rep.ok("count", op)
        else:
            rep.fail("count", op, f"expected {dict(sorted(want[op].items()))}, got {dict(sorted(got[op].items()))}")


def by_op(items):
    """(op, key) pairs -> op -> Counter of keys."""
    table = defaultdict(Counter)
    for op, key in items:
        table[op][key] += 1
    return table


def check_attrs_and_nesting(rep, want_calls, got_calls):
    compare_multisets(rep, "attributes", by_op((c.op, c.sig()) for c in want_calls.values()),
                      by_op((c.op, c.sig()) for c in got_calls.values()), fmt_sig)
    compare_paths(rep, "nesting", want_calls, got_calls)


def compare_paths(rep, family, want_calls, got_calls):
    """Every call with its chain of enclosing calls, as multisets per operation."""
    want_paths, got_paths = paths(want_calls), paths(got_calls)
    compare_multisets(rep, family, by_op((want_calls[i].op, p) for i, p in want_paths.items()),
                      by_op((got_calls[i].op, p) for i, p in got_paths.items()),
                      lambda p: " > ".join(fmt_sig(s) for s in p))


def span_problem(c, parent):
    """Name, error shape, and place inside the parent, of one exported span."""
    s = c.span
    want = SPAN_NAMES[c.op]
    for key, value in c.attrs.items():
        want = want.replace("{" + key + "}", str(value))
    if s.get("name") != want:
        return f"name {s.get('name')!r}, expected {want!r}"
    exc = [attrs_dict(e.get("attributes")) for e in s.get("events", []) if e.get("name") == "exception"]
    if c.error:
        if not any(e.get("exception.type") == c.error for e in exc):
            return f"failed with {c.error} but no 'exception' event with exception.type={c.error}"
    elif exc or "error.type" in attrs_dict(s.get("attributes")):
        return "ok span with error.type or an 'exception' event"
    if parent is not None:
        p = parent.span
        if p.get("traceId") != s.get("traceId"):
            return f"traceId {s.get('traceId')} differs from its parent's {p.get('traceId')}"
        if not (int(p["startTimeUnixNano"]) <= int(s["startTimeUnixNano"])
                <= int(s["endTimeUnixNano"]) <= int(p["endTimeUnixNano"])):
            return f"not inside its parent {p.get('name')} in time"
    return None


def check_spans(rep, got_calls):
    bad, seen = defaultdict(list), Counter()
    for c in got_calls.values():
        if c.span is None:
            continue
        seen[c.op] += 1
        problem = span_problem(c, got_calls.get(c.parent))
        if problem:
            bad[c.op].append(f"spanId={c.span.get('spanId')}: {problem}")
    for op in sorted(seen):
        if bad[op]:
            rep.fail("span_shape", op, f"{len(bad[op])} of {seen[op]} spans bad; first {bad[op][0]}")
        else:
            rep.ok("span_shape", op)


def check_durations(rep, want_calls, got_calls, tolerance_ns):
    """Per operation: the ledger's time in the awaited functions <= the sum
    of the spans' durations <= the ledger's time around the calls."""
    inner, outer, traced, spans = Counter(), Counter(), Counter(), Counter()
    for c in want_calls.values():
        if c.times:
            outer[c.op] += c.times[0]
            inner[c.op] += c.times[1] or 0
    for c in got_calls.values():
        if c.span is not None:
            traced[c.op] += int(c.span["endTimeUnixNano"]) - int(c.span["startTimeUnixNano"])
            spans[c.op] += 1
    for op in sorted(outer):
        tol = tolerance_ns * spans[op]
        if inner[op] - tol <= traced[op] <= outer[op] + tol:
            rep.ok("duration", op)
        else:
            rep.fail("duration", op, f"spans last {traced[op] / 1e6:.3f} ms in all, outside [{inner[op] / 1e6:.3f}, "
                     f"{outer[op] / 1e6:.3f}] ms (inside the awaited functions, around the calls; "
                     f"{tolerance_ns} ns slack per span)")


def expected_counters(want_calls):
    series = Counter()
    for metric, op, when, keys, value in COUNTERS:
        for c in want_calls.values():
            if c.op != op or (when == "ok" and c.error) or (when == "failed" and not c.error):
                continue
            attrs = {}
            for k in keys:
                if k == "mcp.success":
                    attrs[k] = "false" if c.error else "true"
                elif k == "mcp.error_type":
                    attrs[k] = c.error
                else:
                    attrs[k] = c.attrs.get(k, "")
            series[(metric, attr_key(attrs))] += value if isinstance(value, int) else c.attrs[value]
    return series


def check_counters(rep, want_calls, exp):
    want = expected_counters(want_calls)
    got = {k: total(list(v.values())) for k, v in exp.sums.items()}
    for metric, *_ in COUNTERS:
        w = {k: v for k, v in want.items() if k[0] == metric}
        g = {k: v for k, v in got.items() if k[0] == metric and v != 0}
        wrong = [f"{dict(k[1])}: expected {w.get(k, 0)}, got {g.get(k, 0)}"
                 for k in sorted(set(w) | set(g)) if not close(w.get(k, 0), g.get(k, 0))]
        if wrong:
            rep.fail("counter", metric, f"{len(wrong)} series differ; " + "; ".join(wrong[:EXAMPLES]))
        else:
            rep.ok("counter", metric)
    for metric in ACTIVE:
        left = {k: v for k, v in got.items() if k[0] == metric and v != 0}
        if left:
            rep.fail("counter", metric, f"calls still active at the end: {left}")
        else:
            rep.ok("counter", metric)


def check_flags(rep, ledger, flags, want=True):
    for flag in flags:
        values = ledger.get(flag)
        if not isinstance(values, dict) or not values:
            rep.fail("inside", flag, "not in the ledger")
            continue
        wrong = sorted(k for k, v in values.items() if v is not want)
        if wrong:
            rep.fail("inside", flag, f"{not want} for {len(wrong)} of {len(values)}: {', '.join(wrong)}")
        else:
            rep.ok("inside", flag)


def check_same_run(rep, ledger, reference):
    """The scenario is deterministic: a traced run's calls (each with its chain
    of enclosing calls) equal an untraced run's."""
    for key in ("seed", "rounds", "post_rounds"):
        if ledger.get(key) != reference.get(key):
            rep.fail("same_run", key, f"{ledger.get(key)} here, {reference.get(key)} in the reference run")
    compare_paths(rep, "same_run", ledger_calls(reference), ledger_calls(ledger))


def run(ledger, otlp, flags=(), verbose=False, false_flags=(), reference=None, tolerance_ns=1000):
    rep = Report(verbose)
    check_flags(rep, ledger, flags)
    check_flags(rep, ledger, false_flags, want=False)
    if reference is not None:
        check_same_run(rep, ledger, reference)
    if otlp:
        exp = load_export(otlp)
        for err in exp.parse_errors:
            rep.fail("parse", "otlp", err)
        want, got = ledger_calls(ledger), export_calls(dedupe_spans(rep, exp.spans)[1])
        check_counts(rep, want, got)
        check_attrs_and_nesting(rep, want, got)
        check_spans(rep, got)
        check_durations(rep, want, got, tolerance_ns)
        check_counters(rep, want, exp)
    print(f"py_seed_check: {rep.passed} passed, {rep.failed} failed")
    return rep


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ledger", required=True, help="the scenario's ledger (JSON)")
    ap.add_argument("--otlp", action="extend", nargs="+", default=[], metavar="FILE",
                    help="the tracer's OTLP/JSON lines file(s); without: only --require is checked")
    ap.add_argument("--require", action="extend", nargs="+", default=[], metavar="FLAG",
                    help="ledger flags that must be true for every bound function")
    ap.add_argument("--require-false", action="extend", nargs="+", default=[], metavar="FLAG",
                    help="ledger flags that must be false for every bound function")
    ap.add_argument("--same-as", metavar="LEDGER", help="an untraced run's ledger the calls must equal")
    ap.add_argument("--tolerance-ns", type=int, default=1000,
                    help="slack per span for the duration bounds (default 1000)")
    ap.add_argument("-v", "--verbose", action="store_true", help="also print passed checks")
    args = ap.parse_args(argv)
    try:
        with open(args.ledger, encoding="utf-8") as f:
            ledger = json.load(f)
        reference = None
        if args.same_as:
            with open(args.same_as, encoding="utf-8") as f:
                reference = json.load(f)
        rep = run(ledger, args.otlp, args.require, args.verbose, args.require_false, reference, args.tolerance_ns)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"py_seed_check: cannot check: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    return 0 if rep.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
