#!/usr/bin/env python3
"""Tests of py_seed_check.py: a real scenario ledger (tests/python/seed, a few
rounds), an export made from it as the tracer should write it, which must
pass; then the same export off by one call, one attribute, one type, one
parent, one error type, one point event, one counter ... each must fail.

Run: python3 -m unittest discover -s tests/e2e -p 'test_py_seed_check.py'
"""
import contextlib
import copy
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import py_seed_check as psc  # noqa: E402
from test_check_ledger import T0, attrs, counter, metrics_line, sid, tid, trace_line  # noqa: E402

SCENARIO = os.path.join(HERE, "..", "python", "seed", "scenario.py")
PYTHON = "/usr/bin/python3.11" if os.path.exists("/usr/bin/python3.11") else sys.executable
EVENT_OF = {op: name for name, op in psc.POINT_EVENTS.items()}
SERVICE = {"agent_": "agent-collaboration", "consen": "agent-collaboration", "model_": "model-router",
           "workfl": "workflow-orchestrator"}


def make_ledger(rounds=20):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "ledger.json")
        subprocess.run([PYTHON, SCENARIO, "--ledger", path, "--rounds", str(rounds), "--post-rounds", "2"],
                       check=True)
        with open(path, encoding="utf-8") as f:
            return json.load(f)


def export_from(ledger):
    """The spans, point events and counters the tracer should export for the ledger."""
    calls = {c["id"]: c for c in ledger["calls"]}
    base = min(c["start_ns"] for c in calls.values() if "start_ns" in c)
    spans = {}

    def root(i):
        return i if calls[i]["parent"] is None else root(calls[i]["parent"])
    for i, c in calls.items():
        bound = psc.with_defaults(c["op"], c["attrs"])
        if c["kind"] == "point":
            spans[c["parent"]]["events"].append({"timeUnixNano": spans[c["parent"]]["startTimeUnixNano"],
                                                 "name": EVENT_OF[c["op"]], "attributes": attrs(bound)})
            continue
        a = dict(bound, **{"mcp.operation": c["op"], "mcp.service": SERVICE[c["op"][:6]]})
        name = psc.SPAN_NAMES[c["op"]]
        for k, v in c["attrs"].items():
            name = name.replace("{" + k + "}", str(v))
        start, end = T0 + c["start_ns"] - base, T0 + c["end_ns"] - base  # the ledger's outer times
        s = {"traceId": tid(root(i)), "spanId": sid(i), "name": name, "kind": 1,
             "startTimeUnixNano": str(start), "endTimeUnixNano": str(end), "events": [], "status": {}}
        if c["parent"] is not None:
            s["parentSpanId"] = sid(c["parent"])
        # computed by the catalog, never compared with the ledger
        a.update({f"mcp.{c['op']}_success": c["error"] is None, f"mcp.{c['op']}_duration_ms": 0.5})
        if c["error"]:
            a["error.type"] = c["error"]
            s["status"] = {"code": 2}
            s["events"].append({"timeUnixNano": str(end), "name": "exception",
                                "attributes": attrs({"exception.type": c["error"]})})
        s["attributes"] = attrs(a)
        spans[i] = s
    counters = psc.expected_counters(psc.ledger_calls(ledger))
    per_metric = {}
    for (metric, akey), value in counters.items():
        per_metric.setdefault(metric, []).append(({k: json.loads(v) for k, v in akey}, value))
    metrics = [counter(m, pts) for m, pts in per_metric.items()]
    metrics.append(counter("mcp_active_model_routings", [({"mcp.model_type": "auto"}, 0)], monotonic=False))
    return [trace_line(list(spans.values())), metrics_line(metrics)]


def spans_of(lines):
    return lines[0]["resourceSpans"][0]["scopeSpans"][0]["spans"]


def find(lines, pred):
    return next(s for s in spans_of(lines) if pred(s, psc.attrs_dict(s["attributes"])))


def set_attr(span, key, change):
    """The span's attribute key gets change(its OTLP value)."""
    for kv in span["attributes"]:
        if kv["key"] == key:
            kv["value"] = change(kv["value"])


def check(ledger, lines, flags=(), false_flags=()):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "out.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for line in lines:
                f.write(json.dumps(line) + "\n")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rep = psc.run(ledger, [path], flags, false_flags=false_flags)
        return rep, out.getvalue()


class PySeedCheck(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ledger = make_ledger()
        cls.good = export_from(cls.ledger)

    def assert_fails(self, lines, family, ledger=None, flags=()):
        rep, out = check(ledger or self.ledger, lines, flags)
        self.assertGreater(rep.failed, 0, out)
        self.assertIn(f"FAIL {family} ", out)
        return out

    def mutated(self):
        return copy.deepcopy(self.good)

    def test_scenario_has_the_cases(self):
        calls = self.ledger["calls"]
        ops = {c["op"] for c in calls}
        self.assertEqual(ops, set(psc.SPAN_NAMES) | set(psc.POINT_EVENTS.values()))
        self.assertTrue(any(c["error"] for c in calls if c["op"] == "model_routing"))
        self.assertTrue(any(c["thread"] == "worker" for c in calls))
        self.assertTrue(any(c["op"] == "model_routing" and "mcp.model_type" not in c["attrs"] for c in calls))

    def test_matching_export_passes(self):
        rep, out = check(self.ledger, self.good)
        self.assertEqual(rep.failed, 0, out)
        self.assertGreater(rep.passed, 40, out)

    def test_one_call_missing(self):
        lines = self.mutated()
        leaf = find(lines, lambda s, a: a["mcp.operation"] == "model_inference")
        spans_of(lines).remove(leaf)
        self.assert_fails(lines, "count")

    def test_span_exported_twice(self):
        lines = self.mutated()
        spans_of(lines).append(copy.deepcopy(spans_of(lines)[0]))
        self.assert_fails(lines, "span_unique")

    def test_one_call_too_many(self):
        lines = self.mutated()
        extra = copy.deepcopy(find(lines, lambda s, a: a["mcp.operation"] == "model_selection"))
        extra["spanId"] = sid(10 ** 9)
        spans_of(lines).append(extra)
        self.assert_fails(lines, "count")

    def test_wrong_attribute_value(self):
        lines = self.mutated()
        s = find(lines, lambda s, a: a["mcp.operation"] == "model_routing")
        set_attr(s, "mcp.prompt_length", lambda v: {"intValue": str(int(v["intValue"]) + 1)})
        self.assert_fails(lines, "attributes")

    def test_catalog_default_missing(self):
        lines = self.mutated()
        s = find(lines, lambda s, a: a["mcp.operation"] == "model_routing" and a["mcp.model_type"] == "auto")
        s["attributes"] = [kv for kv in s["attributes"] if kv["key"] != "mcp.model_type"]
        self.assert_fails(lines, "attributes")

    def test_wrong_attribute_type(self):
        lines = self.mutated()
        s = find(lines, lambda s, a: a["mcp.operation"] == "workflow_step")
        set_attr(s, "mcp.step_index", lambda v: {"doubleValue": float(v["intValue"])})
        self.assert_fails(lines, "attributes")

    def test_wrong_parent(self):
        lines = self.mutated()
        steps = [s for s in spans_of(lines) if psc.attrs_dict(s["attributes"])["mcp.operation"] == "workflow_step"]
        routing = find(lines, lambda s, a: a["mcp.operation"] == "model_routing" and s.get("parentSpanId"))
        other = next(s for s in steps if s["spanId"] != routing["parentSpanId"] and s["traceId"] == routing["traceId"])
        routing["parentSpanId"] = other["spanId"]
        self.assert_fails(lines, "nesting")

    def test_root_made_a_child(self):
        lines = self.mutated()
        roots = [s for s in spans_of(lines) if not s.get("parentSpanId")]
        roots[1]["parentSpanId"] = roots[0]["spanId"]
        self.assert_fails(lines, "nesting")

    def test_wrong_error_type(self):
        lines = self.mutated()
        s = find(lines, lambda s, a: a.get("error.type") == "ModelTimeoutError")
        set_attr(s, "error.type", lambda v: {"stringValue": "TimeoutError"})
        self.assert_fails(lines, "count")

    def test_error_without_exception_event(self):
        lines = self.mutated()
        s = find(lines, lambda s, a: "error.type" in a)
        s["events"] = [e for e in s["events"] if e["name"] != "exception"]
        self.assert_fails(lines, "span_shape")

    def test_point_event_on_another_span(self):
        lines = self.mutated()
        src = find(lines, lambda s, a: any(e["name"] == "Step retry" for e in s["events"]))
        ev = next(e for e in src["events"] if e["name"] == "Step retry")
        src["events"].remove(ev)
        dst = find(lines, lambda s, a: a["mcp.operation"] == "workflow_execution" and s is not src)
        dst["events"].append(ev)
        self.assert_fails(lines, "nesting")

    def test_child_outside_parent_in_time(self):
        lines = self.mutated()
        s = find(lines, lambda s, a: a["mcp.operation"] == "consensus_building")
        s["endTimeUnixNano"] = str(int(s["endTimeUnixNano"]) + 10 ** 9)
        self.assert_fails(lines, "span_shape")

    def test_spans_too_short(self):
        lines = self.mutated()
        for s in spans_of(lines):
            if psc.attrs_dict(s["attributes"])["mcp.operation"] == "workflow_execution":
                s["endTimeUnixNano"] = s["startTimeUnixNano"]
        self.assert_fails(lines, "duration")

    def test_span_too_long(self):
        lines = self.mutated()
        s = find(lines, lambda s, a: a["mcp.operation"] == "model_selection")
        s["startTimeUnixNano"] = str(int(s["startTimeUnixNano"]) - 10 ** 7)
        self.assert_fails(lines, "duration")

    def test_wrong_span_name(self):
        lines = self.mutated()
        s = find(lines, lambda s, a: a["mcp.operation"] == "agent_iteration")
        s["name"] = "agent_iteration"
        self.assert_fails(lines, "span_shape")

    def test_counter_off_by_one(self):
        lines = self.mutated()
        m = next(m for m in lines[1]["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
                 if m["name"] == "mcp_model_cache_misses_total")
        dp = m["sum"]["dataPoints"][0]
        dp["asInt"] = str(int(dp["asInt"]) + 1)
        self.assert_fails(lines, "counter")

    def test_call_left_active(self):
        lines = self.mutated()
        m = next(m for m in lines[1]["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
                 if m["name"] == "mcp_active_model_routings")
        m["sum"]["dataPoints"][0]["asInt"] = "1"
        self.assert_fails(lines, "counter")

    def test_flags_from_inside(self):
        ledger = copy.deepcopy(self.ledger)
        rep, out = check(ledger, self.good, ["original_after_detach"])
        self.assertEqual(rep.failed, 0, out)
        first = ledger["bound"][0]
        ledger["original_after_detach"][first] = False
        out = self.assert_fails(self.good, "inside", ledger, ["original_after_detach"])
        self.assertIn(first, out)
        self.assert_fails(self.good, "inside", ledger, ["no_such_flag"])
        # run untraced: every function was the original at go, none wrapped
        rep, out = check(ledger, self.good, false_flags=["original_at_go"])
        self.assertGreater(rep.failed, 0, out)
        ledger["original_at_go"] = {n: False for n in ledger["bound"]}
        rep, out = check(ledger, self.good, false_flags=["original_at_go"])
        self.assertEqual(rep.failed, 0, out)

    def failures_against(self, reference):
        with contextlib.redirect_stdout(io.StringIO()):
            return psc.run(self.ledger, [], reference=reference).failed

    def test_same_run(self):
        ref = copy.deepcopy(self.ledger)
        self.assertEqual(self.failures_against(ref), 0)
        ref["calls"][-1]["attrs"]["mcp.extra"] = 1
        self.assertGreater(self.failures_against(ref), 0)
        ref = copy.deepcopy(self.ledger)
        ref["rounds"] = {"main": 1, "worker": 0}
        self.assertGreater(self.failures_against(ref), 0)


if __name__ == "__main__":
    unittest.main()
