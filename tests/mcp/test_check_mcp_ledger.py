#!/usr/bin/env python3
"""Unit tests for check_mcp_ledger.py: an export built to match a ledger
passes; each way of getting it wrong fails.

Run: python3 -m unittest discover -s tests/mcp -p 'test_check_mcp_ledger.py'
"""
import contextlib
import copy
import io
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_mcp_ledger as chk  # noqa: E402

T0 = 1_700_000_000_000_000_000
CLIENT_PID, SERVER_PID = 4100, 4200


def kv(key, value):
    v = {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value}
    return {"key": key, "value": v}


def ledger(transport="pipe", session=None):
    reqs = [
        {"id": 0, "method": "initialize", "outcome": "ok"},
        {"id": 1, "method": "tools/list", "outcome": "ok"},
        {"id": 2, "method": "tools/call", "tool": "echo", "outcome": "ok"},
        {"id": "py-3", "method": "tools/call", "tool": "fail", "outcome": "tool_error"},
        {"id": 4, "method": "resources/read", "uri": "mem://greeting", "outcome": "ok"},
        {"id": 5, "method": "prompts/get", "prompt": "nope", "outcome": "rpc_error", "error_code": -32602},
        {"id": 6, "method": "tools/call", "tool": "slow", "outcome": "cancelled"},
    ]
    for r in reqs:
        for k in ("tool", "prompt", "uri", "error_code"):
            r.setdefault(k, None)
        r["id_type"] = "number" if isinstance(r["id"], int) else "string"
    return {"ledger": "mcp", "sdk": "test", "transport": transport, "client_pid": CLIENT_PID,
            "server_pid": SERVER_PID, "protocol_version": "2025-06-18", "session_id": session,
            "requests": reqs, "notifications_sent": {}, "notifications_received": {}}


def span_for(led, req, kind, trace, span_id, parent):
    a = {"mcp.method.name": req["method"], "jsonrpc.request.id": str(req["id"]),
         "network.transport": led["transport"], "mcp.protocol.version": led["protocol_version"]}
    if led["session_id"]:
        a["mcp.session.id"] = led["session_id"]
    if req["tool"]:
        a["gen_ai.tool.name"] = req["tool"]
        a["gen_ai.operation.name"] = "execute_tool"
    if req["prompt"]:
        a["gen_ai.prompt.name"] = req["prompt"]
    if req["uri"]:
        a["mcp.resource.uri"] = req["uri"]
    err = chk.expected_error_type(req)
    if err:
        a["error.type"] = err
    s = {"traceId": trace, "spanId": span_id, "name": chk.span_name(req), "kind": kind,
         "startTimeUnixNano": str(T0), "endTimeUnixNano": str(T0 + 1000),
         "attributes": [kv(k, v) for k, v in a.items()], "status": {"code": 2} if err else {}}
    if parent:
        s["parentSpanId"] = parent
    return s, a


def export_for(led):
    """Spans and metrics exactly as the contract says, per process."""
    per_pid = {CLIENT_PID: [], SERVER_PID: []}
    hists = {CLIENT_PID: {}, SERVER_PID: {}}
    for i, req in enumerate(led["requests"]):
        trace = f"{i + 1:032x}"
        cid, sid = f"{2 * i + 1:016x}", f"{2 * i + 2:016x}"
        for pid, kind, span_id, parent, side in ((CLIENT_PID, 3, cid, None, "client"),
                                                  (SERVER_PID, 2, sid, cid, "server")):
            s, a = span_for(led, req, kind, trace, span_id, parent)
            per_pid[pid].append(s)
            key = (chk.OP_METRIC[side], req["method"], req["tool"], a.get("error.type"))
            hists[pid][key] = hists[pid].get(key, 0) + 1
    for pid, side in ((CLIENT_PID, "client"), (SERVER_PID, "server")):
        hists[pid][(chk.SESSION_METRIC[side], None, None, None)] = 1
    lines = []
    for pid in per_pid:
        res = {"attributes": [kv("process.pid", pid), kv("service.name", "t")]}
        lines.append({"resourceSpans": [{"resource": res, "scopeSpans": [{"spans": per_pid[pid]}]}]})
        metrics = []
        for (name, method, tool, err), n in hists[pid].items():
            a = []
            if method:
                a.append(kv("mcp.method.name", method))
            # as mcp-bpftrace exports them: an attribute a call lacks is ""
            a.append(kv("gen_ai.tool.name", tool or ""))
            a.append(kv("error.type", err or ""))
            metrics.append({"name": name, "unit": "s", "histogram": {"aggregationTemporality": 2, "dataPoints": [
                {"attributes": a, "count": str(n), "sum": 0.001 * n}]}})
        lines.append({"resourceMetrics": [{"resource": res, "scopeMetrics": [{"metrics": metrics}]}]})
    return lines


class CheckerTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, obj, lines=False):
        path = os.path.join(self.dir.name, name)
        with open(path, "w", encoding="utf-8") as f:
            if lines:
                for o in obj:
                    f.write(json.dumps(o) + "\n")
            else:
                json.dump(obj, f)
        return path

    def run_checker(self, led, lines, *extra):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = chk.main(["--otlp", self.write("otlp.jsonl", lines, True),
                           "--ledger", self.write("ledger.json", led), *extra])
        return rc, out.getvalue()

    def spans(self, lines, pid):
        for line in lines:
            for rs in line.get("resourceSpans", []):
                if chk.Export.pid_of(rs["resource"]) == pid:
                    return rs["scopeSpans"][0]["spans"]
        raise AssertionError(pid)

    def assert_fails(self, led, lines, needle, *extra):
        rc, out = self.run_checker(led, lines, *extra)
        self.assertEqual(rc, 1, out)
        self.assertIn(needle, out)

    def test_matching_export_passes(self):
        for led in (ledger(), ledger("tcp", "sess-1")):
            rc, out = self.run_checker(led, export_for(led))
            self.assertEqual(rc, 0, out)
            self.assertIn(" 0 failed", out)

    def test_missing_server_span(self):
        led = ledger()
        lines = export_for(led)
        self.spans(lines, SERVER_PID).pop(2)
        self.assert_fails(led, lines, "server span for tools/call id=2")

    def test_wrong_parent(self):
        led = ledger()
        lines = export_for(led)
        self.spans(lines, SERVER_PID)[3]["parentSpanId"] = "00000000000000ff"
        self.assert_fails(led, lines, "is the client span's child")

    def test_wrong_error_type_and_status(self):
        led = ledger()
        lines = export_for(led)
        s = self.spans(lines, CLIENT_PID)[3]
        s["attributes"] = [a for a in s["attributes"] if a["key"] != "error.type"]
        self.assert_fails(led, lines, "error.type")
        lines = export_for(led)
        self.spans(lines, CLIENT_PID)[5]["status"] = {}
        self.assert_fails(led, lines, "status")

    def test_extra_and_duplicate_spans(self):
        led = ledger()
        lines = export_for(led)
        extra = copy.deepcopy(self.spans(lines, CLIENT_PID)[2])
        extra["attributes"] = [kv("jsonrpc.request.id", "99") if a["key"] == "jsonrpc.request.id" else a
                               for a in extra["attributes"]]
        self.spans(lines, CLIENT_PID).append(extra)
        self.assert_fails(led, lines, "extra ids ['99']")
        lines = export_for(led)
        self.spans(lines, CLIENT_PID).append(copy.deepcopy(self.spans(lines, CLIENT_PID)[1]))
        self.assert_fails(led, lines, "exported twice")

    def test_span_name_and_kind(self):
        led = ledger()
        lines = export_for(led)
        self.spans(lines, CLIENT_PID)[4]["name"] = "resources/read"
        self.assert_fails(led, lines, "name")
        lines = export_for(led)
        self.spans(lines, SERVER_PID)[0]["kind"] = 3
        self.assert_fails(led, lines, "server span for initialize id=0")

    def test_attributes(self):
        led = ledger("tcp", "sess-1")
        lines = export_for(led)
        s = self.spans(lines, CLIENT_PID)[2]
        s["attributes"] = [a for a in s["attributes"] if a["key"] != "mcp.session.id"]
        self.assert_fails(led, lines, "mcp.session.id")

    def test_metrics(self):
        led = ledger()
        lines = export_for(led)
        pts = lines[1]["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["histogram"]["dataPoints"]
        pts[0]["count"] = str(int(pts[0]["count"]) + 1)
        self.assert_fails(led, lines, "mcp.client.operation.duration count")
        rc, out = self.run_checker(led, lines, "--no-metrics")
        self.assertEqual(rc, 0, out)
        lines = export_for(led)
        lines[3]["resourceMetrics"][0]["scopeMetrics"][0]["metrics"].pop()
        self.assert_fails(led, lines, "mcp.server.session.duration count")

    def test_one_side(self):
        led = ledger()
        lines = [line for line in export_for(led)
                 if all(chk.Export.pid_of(r["resource"]) == CLIENT_PID
                        for r in line.get("resourceSpans", []) + line.get("resourceMetrics", []))]
        rc, out = self.run_checker(led, lines, "--side", "client")
        self.assertEqual(rc, 0, out)
        self.assert_fails(led, lines, "server span for", "--side", "both")

    def test_untraced_exports_nothing(self):
        led = ledger()
        other = dict(ledger(), client_pid=CLIENT_PID + 1, server_pid=SERVER_PID + 1)
        rc, out = self.run_checker(led, export_for(led), "--untraced", self.write("u.json", other))
        self.assertEqual(rc, 0, out)
        self.assert_fails(led, export_for(led), "untraced pid", "--untraced", self.write("u2.json", ledger()))

    def test_unreadable_input(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = chk.main(["--otlp", os.path.join(self.dir.name, "none.jsonl"), "--ledger", "x"])
        self.assertEqual(rc, 2)


if __name__ == "__main__":
    unittest.main()
