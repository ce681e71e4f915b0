#!/usr/bin/env python3
"""Unit tests for check_ledger.py on small hand-made fixtures.

Run: python3 -m unittest discover -s tests/e2e -p 'test_check_ledger.py'
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
import check_ledger  # noqa: E402

T0 = 1_700_000_000_000_000_000
MS = 1_000_000


# ---------------------------------------------------------------- OTLP builders

def kv(key, value):
    if isinstance(value, bool):
        v = {"boolValue": value}
    elif isinstance(value, int):
        v = {"intValue": str(value)}
    elif isinstance(value, float):
        v = {"doubleValue": value}
    else:
        v = {"stringValue": value}
    return {"key": key, "value": v}


def attrs(d):
    return [kv(k, v) for k, v in d.items()]


def tid(n):
    return f"{n:032x}"


def sid(n):
    return f"{n:016x}"


def span(name, trace, span_id, start_ms, end_ms, parent=None, error=None, kind=1, events=()):
    """A span as the tracer writes it: start/end events, error shape on failure."""
    start, end = T0 + start_ms * MS, T0 + end_ms * MS
    a = {"mcp.service": "demo", "mcp.operation": name}
    evs = [{"timeUnixNano": str(start), "name": f"{name} started", "attributes": []}]
    evs += [{"timeUnixNano": str(T0 + t * MS), "name": n, "attributes": []} for n, t in events]
    if error:
        a["error.type"] = error
        evs.append({"timeUnixNano": str(end), "name": f"{name} failed", "attributes": []})
        evs.append({"timeUnixNano": str(end), "name": "exception",
                    "attributes": attrs({"exception.type": error})})
    else:
        evs.append({"timeUnixNano": str(end), "name": f"{name} completed", "attributes": []})
    s = {"traceId": tid(trace), "spanId": sid(span_id), "name": name, "kind": kind,
         "startTimeUnixNano": str(start), "endTimeUnixNano": str(end),
         "attributes": attrs(a), "events": evs,
         "status": {"code": 2, "message": error} if error else {}}
    if parent is not None:
        s["parentSpanId"] = sid(parent)
    return s


def trace_line(spans, pid=100):
    return {"resourceSpans": [{
        "resource": {"attributes": attrs({"service.name": "mcp-demo", "process.pid": pid})},
        "scopeSpans": [{"scope": {"name": "mcp-bpftrace"}, "spans": spans}]}]}


def counter(name, points, monotonic=True):
    dps = []
    for a, v in points:
        dp = {"attributes": attrs(a), "startTimeUnixNano": str(T0), "timeUnixNano": str(T0 + 1)}
        dp["asDouble" if isinstance(v, float) else "asInt"] = v if isinstance(v, float) else str(v)
        dps.append(dp)
    return {"name": name, "sum": {"dataPoints": dps, "aggregationTemporality": 2,
                                  "isMonotonic": monotonic}}


def histogram(name, points):
    """Explicit-bucket histogram; every observation lands in the first bucket."""
    dps = [{"attributes": attrs(a), "count": str(c), "sum": s, "bucketCounts": [str(c), "0"],
            "explicitBounds": [1e9], "startTimeUnixNano": str(T0), "timeUnixNano": str(T0 + 1)}
           for a, c, s in points]
    return {"name": name, "histogram": {"dataPoints": dps, "aggregationTemporality": 2}}


def exp_histogram(name, points):
    dps = [{"attributes": attrs(a), "count": str(c), "sum": s, "scale": 3, "zeroCount": "0",
            "positive": {"offset": 7, "bucketCounts": [str(c)]},
            "startTimeUnixNano": str(T0), "timeUnixNano": str(T0 + 1)}
           for a, c, s in points]
    return {"name": name, "exponentialHistogram": {"dataPoints": dps, "aggregationTemporality": 2}}


def metrics_line(metrics, pid=100):
    return {"resourceMetrics": [{
        "resource": {"attributes": attrs({"service.name": "mcp-demo", "process.pid": pid})},
        "scopeMetrics": [{"scope": {"name": "mcp-bpftrace"}, "metrics": metrics}]}]}


# ---------------------------------------------------------------- the matching pair

ROUTE_GPT = {"mcp.model_type": "gpt", "mcp.success": "true"}
ROUTE_ERR = {"mcp.model_type": "gpt", "mcp.success": "false"}


def good_fixture():
    """A ledger and the export lines that match it exactly."""
    spans = [
        span("agent_collaboration_session", 1, 1, 0, 100, kind=2),
        span("agent_iteration_alice", 1, 2, 10, 40, parent=1),
        span("agent_iteration_bob", 1, 3, 40, 70, parent=1, error="timeout"),
        span("consensus_building", 1, 4, 70, 90, parent=1),
        span("model_routing", 2, 5, 200, 300, kind=2, events=[("Cache hit", 250)]),
        span("model_selection", 2, 6, 210, 220, parent=5),
        span("model_inference", 2, 7, 220, 290, parent=5),
        span("model_routing", 3, 8, 400, 450, kind=2, error="no_model"),
        span("workflow_execution", 4, 9, 500, 600, kind=2),
        span("workflow_step_fetch", 4, 10, 510, 550, parent=9),
        span("plan_creation", 5, 11, 700, 710, kind=2),
        span("plan_execution", 6, 12, 720, 800, kind=2),
        span("plan_validation", 6, 13, 730, 740, parent=12),
        span("feedback_loop", 7, 14, 900, 950),
        span("verification", 7, 15, 910, 920, parent=14),
    ]
    ledger = {
        "spans": {
            "agent_collaboration_session": {"ok": 1, "error": 0},
            "agent_iteration_alice": {"ok": 1, "error": 0},
            "agent_iteration_bob": {"ok": 0, "error": 1},
            "consensus_building": {"ok": 1, "error": 0},
            "model_routing": {"ok": 1, "error": 1},
            "model_selection": {"ok": 1, "error": 0},
            "model_inference": {"ok": 1, "error": 0},
            "workflow_execution": {"ok": 1, "error": 0},
            "workflow_step_fetch": {"ok": 1, "error": 0},
            "plan_creation": {"ok": 1, "error": 0},
            "plan_execution": {"ok": 1, "error": 0},
            "plan_validation": {"ok": 1, "error": 0},
            "feedback_loop": {"ok": 1, "error": 0},
            "verification": {"ok": 1, "error": 0},
        },
        "counters": {
            "mcp_model_routing_total": [{"attributes": ROUTE_GPT, "value": 5},
                                        {"attributes": ROUTE_ERR, "value": 1}],
            "mcp_model_cost_total": [{"attributes": {"mcp.model_type": "gpt"}, "value": 0.3}],
            "mcp_active_model_routings": [{"attributes": {"mcp.model_type": "gpt"}, "value": 0}],
        },
        "histograms": {
            "mcp_model_routing_duration_seconds": [
                {"attributes": {"mcp.model_type": "gpt"}, "count": 6, "sum": 0.15}],
            "mcp_plan_steps": [{"attributes": {"mcp.plan_type": "linear"}, "count": 3, "sum": 12}],
        },
        "durations": {
            "model_routing": {"inner_sum_s": 0.149, "outer_sum_s": 0.151},
            "agent_iteration_alice": {"inner_sum_s": 0.030, "outer_sum_s": 0.030},
        },
    }

    def metric_export(routed_ok, cost, active, steps_count, steps_sum, pid, routed_err=0):
        return metrics_line([
            counter("mcp_model_routing_total", [(ROUTE_GPT, routed_ok)]
                    + ([(ROUTE_ERR, routed_err)] if routed_err else [])),
            counter("mcp_model_cost_total", [({"mcp.model_type": "gpt"}, cost)]),
            counter("mcp_active_model_routings", [({"mcp.model_type": "gpt"}, active)],
                    monotonic=False),
            histogram("mcp_model_routing_duration_seconds",
                      [({"mcp.model_type": "gpt"}, routed_ok + routed_err, 0.2)]),
            exp_histogram("mcp_plan_steps", [({"mcp.plan_type": "linear"}, steps_count, steps_sum)]),
            counter("mcp_bpftrace_events_lost_total", [({}, 0)]),
        ], pid=pid)

    lines = [
        trace_line(spans[:8]),
        # interval export of process 100, then a second traced process 101, then final exports
        metric_export(2, 0.1, 1, 1, 4.0, pid=100),
        metric_export(1, 0.1, 0, 1, 5.0, pid=101),
        trace_line(spans[8:]),
        metric_export(4, 0.2, 0, 2, 7.0, pid=100, routed_err=1),
        metric_export(1, 0.1, 0, 1, 5.0, pid=101),
    ]
    return ledger, lines


# ---------------------------------------------------------------- helpers

def find_span(lines, span_id):
    for line in lines:
        for rs in line.get("resourceSpans", []):
            for s in rs["scopeSpans"][0]["spans"]:
                if s["spanId"] == sid(span_id):
                    return s
    raise KeyError(span_id)


def find_points(lines, metric, pid):
    """Data points of a metric in the LAST metrics export of process pid."""
    for line in reversed(lines):
        for rm in line.get("resourceMetrics", []):
            if kv("process.pid", pid) in rm["resource"]["attributes"]:
                for m in rm["scopeMetrics"][0]["metrics"]:
                    if m["name"] == metric:
                        return next(iter(v for k, v in m.items() if k != "name"))["dataPoints"]
    raise KeyError(metric)


class CheckLedgerTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.ledger, self.lines = good_fixture()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, ledger=None, lines=None):
        lpath = os.path.join(self.tmp.name, "ledger.json")
        opath = os.path.join(self.tmp.name, "otlp.jsonl")
        with open(lpath, "w") as f:
            json.dump(self.ledger if ledger is None else ledger, f)
        with open(opath, "w") as f:
            for line in self.lines if lines is None else lines:
                f.write(json.dumps(line) + "\n")
        return lpath, opath

    def check(self, *extra):
        """Run the checker in-process; returns (exit code, output)."""
        lpath, opath = self.write()
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = check_ledger.main(["--ledger", lpath, "--otlp", opath, *extra])
        return rc, out.getvalue()

    def assertFails(self, family, *needles):
        rc, out = self.check()
        self.assertEqual(rc, 1, out)
        fails = [l for l in out.splitlines() if l.startswith(f"FAIL {family} ")]
        self.assertTrue(fails, f"no FAIL {family} line in:\n{out}")
        for needle in needles:
            self.assertIn(needle, "\n".join(fails))
        summary = out.splitlines()[-1]
        self.assertRegex(summary, r"^check_ledger: \d+ passed, [1-9]\d* failed$")
        self.assertEqual(int(summary.split()[3]), sum(l.startswith("FAIL ") for l in out.splitlines()))

    # -------- the matching pair

    def test_matching_pair_passes(self):
        rc, out = self.check()
        self.assertEqual(rc, 0, out)
        self.assertNotIn("FAIL", out)
        self.assertRegex(out.splitlines()[-1], r"^check_ledger: [1-9]\d* passed, 0 failed$")

    def test_cli_subprocess_and_split_files(self):
        lpath, _ = self.write()
        paths = []
        for i, line in enumerate(self.lines):  # one file per line, in order
            paths.append(os.path.join(self.tmp.name, f"part{i}.jsonl"))
            with open(paths[-1], "w") as f:
                f.write(json.dumps(line) + "\n")
        cmd = [sys.executable, os.path.join(HERE, "check_ledger.py"), "--ledger", lpath,
               "--otlp", *paths[:3], "--otlp", *paths[3:], "--verbose"]
        res = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertIn("mcp_bpftrace_events_lost_total", res.stdout)  # verbose health report
        self.assertRegex(res.stdout.splitlines()[-1], r"^check_ledger: \d+ passed, 0 failed$")

    def test_health_metrics_ignored(self):
        find_points(self.lines, "mcp_bpftrace_events_lost_total", 100)[0]["asInt"] = "7"
        rc, out = self.check()
        self.assertEqual(rc, 0, out)
        self.assertNotIn("mcp_bpftrace_", out)

    def test_tolerance_widens_duration_bounds(self):
        self.ledger["durations"]["model_routing"] = {"inner_sum_s": 0.1505, "outer_sum_s": 0.16}
        self.assertEqual(self.check()[0], 1)
        self.assertEqual(self.check("--tolerance-ns", "300000")[0], 0)  # 2 spans x 0.3 ms

    # -------- counters

    def test_counter_off_by_one(self):
        find_points(self.lines, "mcp_model_routing_total", 101)[0]["asInt"] = "2"
        self.assertFails("counter", "mcp_model_routing_total", "expected 5, got 6")

    def test_counter_double_mismatch(self):
        find_points(self.lines, "mcp_model_cost_total", 100)[0]["asDouble"] = 0.2000001
        self.assertFails("counter", "mcp_model_cost_total", "expected 0.3")

    def test_counter_missing_series(self):
        self.ledger["counters"]["mcp_model_cache_hits_total"] = [
            {"attributes": {"mcp.model_type": "gpt"}, "value": 1}]
        self.assertFails("counter", "mcp_model_cache_hits_total", "got nothing exported")

    def test_counter_extra_series(self):
        del self.ledger["counters"]["mcp_model_routing_total"][1]
        self.assertFails("counter", 'mcp.success="false"', "not in ledger")

    def test_counter_attribute_mismatch_is_missing_and_extra(self):
        self.ledger["counters"]["mcp_model_routing_total"][0]["attributes"] = {
            "mcp.model_type": "gpt", "mcp.success": True}
        rc, out = self.check()
        self.assertEqual(rc, 1)
        self.assertIn("got nothing exported", out)
        self.assertIn("not in ledger", out)

    def test_up_down_counter_not_back_to_zero(self):
        find_points(self.lines, "mcp_active_model_routings", 100)[0]["asInt"] = "1"
        self.assertFails("counter", "mcp_active_model_routings", "expected 0, got 1")

    def test_decreasing_cumulative_counter(self):
        # process 100 exports 2 then 4; make the interval export 5: 5 -> 4 decreases
        self.lines[1]["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0][
            "sum"]["dataPoints"][0]["asInt"] = "5"
        self.assertFails("cumulative", "mcp_model_routing_total", "decreased from 5 to 4")

    def test_up_down_counter_may_decrease(self):
        rc, out = self.check()  # mcp_active_model_routings goes 1 -> 0 in the fixture
        self.assertEqual(rc, 0, out)

    # -------- histograms

    def test_histogram_count_mismatch(self):
        dp = find_points(self.lines, "mcp_model_routing_duration_seconds", 100)[0]
        dp["count"], dp["bucketCounts"] = "4", ["4", "0"]
        self.assertFails("histogram", "mcp_model_routing_duration_seconds", "count expected 6, got 5")

    def test_seconds_histogram_sum_not_checked(self):
        find_points(self.lines, "mcp_model_routing_duration_seconds", 100)[0]["sum"] = 99.0
        self.assertEqual(self.check()[0], 0)

    def test_value_histogram_sum_mismatch(self):
        find_points(self.lines, "mcp_plan_steps", 101)[0]["sum"] = 6.0
        self.assertFails("histogram", "mcp_plan_steps", "sum expected 12, got 13.0")

    def test_histogram_missing_series(self):
        self.ledger["histograms"]["mcp_plan_steps"].append(
            {"attributes": {"mcp.plan_type": "dag"}, "count": 1, "sum": 2})
        self.assertFails("histogram", 'mcp.plan_type="dag"', "got nothing exported")

    def test_histogram_buckets_inconsistent(self):
        find_points(self.lines, "mcp_plan_steps", 101)[0]["positive"]["bucketCounts"] = ["2"]
        self.assertFails("cumulative", "mcp_plan_steps", "bucket counts add up to 2, count is 1")

    # -------- spans

    def test_span_count_mismatch(self):
        self.ledger["spans"]["model_routing"]["ok"] = 2
        self.assertFails("span_count", "model_routing", "expected ok=2 error=1, got ok=1 error=1")

    def test_span_not_in_ledger(self):
        del self.ledger["spans"]["verification"]
        self.assertFails("span_count", "verification", "not in ledger")

    def test_duplicate_span(self):
        self.lines.append(trace_line([copy.deepcopy(find_span(self.lines, 15))]))
        self.assertFails("span_unique", "verification", sid(15))

    def test_broken_parent_link(self):
        find_span(self.lines, 7)["parentSpanId"] = sid(99)
        self.assertFails("parent_link", "model_inference", "not among exported spans")

    def test_parent_with_other_trace_id(self):
        find_span(self.lines, 10)["traceId"] = tid(42)
        self.assertFails("parent_link", "workflow_step_fetch", "differs from parent")

    def test_wrong_catalog_parent(self):
        s = find_span(self.lines, 15)
        s["parentSpanId"], s["traceId"] = sid(12), tid(6)
        self.assertFails("parent_link", "verification", "expected one of ['feedback_loop']")

    def test_root_with_parent(self):
        s = find_span(self.lines, 11)
        s["parentSpanId"], s["traceId"] = sid(12), tid(6)
        self.assertFails("parent_link", "plan_creation", "expected a root span")

    def test_roots_sharing_trace_id(self):
        find_span(self.lines, 11)["traceId"] = tid(6)
        self.assertFails("parent_link", "plan_execution", "shares traceId")

    def test_bad_ids(self):
        find_span(self.lines, 11)["traceId"] = "0" * 32
        self.assertFails("parent_link", "plan_creation", "bad traceId")

    def test_error_span_without_exception_event(self):
        s = find_span(self.lines, 8)
        s["events"] = [e for e in s["events"] if e["name"] != "exception"]
        self.assertFails("error_shape", "model_routing", "without an 'exception' event")

    def test_error_span_without_error_type(self):
        s = find_span(self.lines, 3)
        s["attributes"] = [a for a in s["attributes"] if a["key"] != "error.type"]
        self.assertFails("error_shape", "agent_iteration_bob", "error.type")

    def test_ok_span_with_error_type(self):
        find_span(self.lines, 2)["attributes"].append(kv("error.type", "x"))
        self.assertFails("error_shape", "agent_iteration_alice", "ok span carries error.type")

    def test_duration_outside_bounds(self):
        self.ledger["durations"]["model_routing"] = {"inner_sum_s": 0.2, "outer_sum_s": 0.3}
        self.assertFails("duration", "model_routing", "0.150000000s", "0.199999999", "0.300000001")

    def test_duration_above_outer(self):
        find_span(self.lines, 2)["endTimeUnixNano"] = str(T0 + 40 * MS + 2)
        find_span(self.lines, 2)["events"][-1]["timeUnixNano"] = str(T0 + 40 * MS + 2)
        self.assertFails("duration", "agent_iteration_alice", "outside")

    def test_start_event_time_mismatch(self):
        find_span(self.lines, 6)["events"][0]["timeUnixNano"] = str(T0 + 211 * MS)
        self.assertFails("events", "model_selection", "expected start")

    def test_event_outside_span(self):
        find_span(self.lines, 5)["events"][1]["timeUnixNano"] = str(T0 + 301 * MS)
        self.assertFails("events", "model_routing", "outside")

    # -------- inputs

    def test_bad_json_line(self):
        lpath, opath = self.write()
        with open(opath, "a") as f:
            f.write("{not json\n")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = check_ledger.main(["--ledger", lpath, "--otlp", opath])
        self.assertEqual(rc, 1)
        self.assertIn("FAIL parse", out.getvalue())

    def test_missing_file(self):
        lpath, _ = self.write()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            rc = check_ledger.main(["--ledger", lpath, "--otlp", "/nonexistent/otlp.jsonl"])
        self.assertEqual(rc, 2)


if __name__ == "__main__":
    unittest.main()
