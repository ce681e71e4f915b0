#!/usr/bin/env python3
"""Compare what mcp-bpftrace exported (OTLP/JSON lines) with the ledgers the
MCP test clients wrote (client.mjs, py_client.py): every request the client
sent is one CLIENT span in the client's process and one SERVER span in the
server's, with the MCP semantic-convention attributes, and the SERVER span
is the child of the CLIENT span in the same trace; the operation-duration
histograms count the same calls; the session-duration histograms count one
session per side. Processes of an --untraced ledger must have exported
nothing at all.

usage: check_mcp_ledger.py --otlp FILE [FILE...] --ledger L [L...]
                           [--untraced L [L...]] [--side both|client|server]
                           [--no-metrics] [-v]
Prints one line per failed check ("FAIL <ledger> <what>: <detail>"), then
"check_mcp_ledger: N passed, M failed". Exit 0 iff nothing failed, 1 if a
check failed, 2 if an input cannot be read. Standard library only.

The contract (what the mcp source exports), from the OpenTelemetry MCP
semantic conventions and issue 14:
  span name   "{mcp.method.name} {target}": the tool (tools/call), the
              prompt (prompts/get), the URI (resources/read); else the method
  kind        CLIENT (3) in the process that sent the request, SERVER (2)
              in the one that read it
  attributes  mcp.method.name, jsonrpc.request.id (the id as text),
              network.transport (pipe | tcp), mcp.protocol.version (what
              initialize settled), mcp.session.id (Streamable HTTP),
              gen_ai.tool.name + gen_ai.operation.name=execute_tool
              (tools/call), gen_ai.prompt.name (prompts/get),
              mcp.resource.uri (resources/*), error.type (the JSON-RPC code,
              tool_error for isError, cancelled) with status ERROR
  metrics     mcp.client.operation.duration, mcp.server.operation.duration
              {mcp.method.name, gen_ai.tool.name?, error.type?, ...};
              mcp.client.session.duration, mcp.server.session.duration
"""
import argparse
import json
import sys
from collections import Counter, defaultdict

KIND_SERVER, KIND_CLIENT = 2, 3
STATUS_ERROR = 2
SCALARS = {"stringValue": str, "intValue": int, "doubleValue": float, "boolValue": bool}
OP_METRIC = {"client": "mcp.client.operation.duration", "server": "mcp.server.operation.duration"}
SESSION_METRIC = {"client": "mcp.client.session.duration", "server": "mcp.server.session.duration"}


class Report:
    def __init__(self, verbose=False):
        self.verbose, self.passed, self.failed = verbose, 0, 0

    def check(self, ok, where, what, detail=""):
        if ok:
            self.passed += 1
            if self.verbose:
                print(f"ok   {where} {what}")
        else:
            self.failed += 1
            print(f"FAIL {where} {what}: {detail}")
        return ok


def any_value(v):
    for field, conv in SCALARS.items():
        if field in v:
            return conv(v[field])
    if "arrayValue" in v:
        return [any_value(x) for x in v["arrayValue"].get("values", [])]
    return None


def attrs(lst):
    return {a["key"]: any_value(a.get("value", {})) for a in lst or []}


class Export:
    def __init__(self, paths):
        self.spans = defaultdict(list)    # pid -> [(span, attrs)] with mcp.method.name
        self.any_spans = Counter()        # pid -> spans of any kind
        self.hists = defaultdict(list)    # (pid, metric) -> [(attrs, count)] last point per series
        self.any_metrics = Counter()      # pid -> metric points of any kind
        for path in paths:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        self.add(json.loads(line))
        # keep the last cumulative point of each series
        for key, points in self.hists.items():
            last = {}
            for a, n in points:
                last[json.dumps(a, sort_keys=True)] = (a, n)
            self.hists[key] = list(last.values())

    @staticmethod
    def pid_of(resource):
        return attrs(resource.get("attributes")).get("process.pid")

    def add(self, obj):
        for rs in obj.get("resourceSpans", []):
            pid = self.pid_of(rs.get("resource", {}))
            for ss in rs.get("scopeSpans", []):
                for s in ss.get("spans", []):
                    self.any_spans[pid] += 1
                    a = attrs(s.get("attributes"))
                    if "mcp.method.name" in a:
                        self.spans[pid].append((s, a))
        for rm in obj.get("resourceMetrics", []):
            pid = self.pid_of(rm.get("resource", {}))
            for sm in rm.get("scopeMetrics", []):
                for m in sm.get("metrics", []):
                    kind = next((k for k in ("histogram", "exponentialHistogram", "sum", "gauge") if k in m), None)
                    if kind is None:
                        continue
                    for dp in m[kind].get("dataPoints", []):
                        self.any_metrics[pid] += 1
                        if kind in ("histogram", "exponentialHistogram"):
                            self.hists[(pid, m.get("name"))].append((attrs(dp.get("attributes")),
                                                                     int(dp.get("count", 0))))


def target_of(req):
    return req.get("tool") or req.get("prompt") or req.get("uri")


def span_name(req):
    t = target_of(req)
    return f"{req['method']} {t}" if t else req["method"]


def expected_error_type(req):
    return {"ok": None, "tool_error": "tool_error", "cancelled": "cancelled"}.get(
        req["outcome"], str(req.get("error_code")))


def check_span(rep, where, led, req, s, a, kind):
    what = f"{req['method']} id={req['id']}"
    rep.check(s.get("kind") == kind, where, f"{what} kind", f"{s.get('kind')}, expected {kind}")
    rep.check(s.get("name") == span_name(req), where, f"{what} name", f"{s.get('name')!r}, expected {span_name(req)!r}")
    want = {
        "mcp.method.name": req["method"],
        "jsonrpc.request.id": str(req["id"]),
        "network.transport": led["transport"],
        "mcp.protocol.version": led.get("protocol_version"),
        "mcp.session.id": led.get("session_id"),
        "gen_ai.tool.name": req.get("tool"),
        "gen_ai.operation.name": "execute_tool" if req["method"] == "tools/call" else None,
        "gen_ai.prompt.name": req.get("prompt"),
        "mcp.resource.uri": req.get("uri"),
        "error.type": expected_error_type(req),
    }
    for key, value in want.items():
        rep.check(a.get(key) == value, where, f"{what} {key}", f"{a.get(key)!r}, expected {value!r}")
    err = want["error.type"] is not None
    code = int((s.get("status") or {}).get("code", 0))
    rep.check((code == STATUS_ERROR) == err, where, f"{what} status", f"code {code}, error.type {want['error.type']!r}")
    start, end = int(s.get("startTimeUnixNano", 0)), int(s.get("endTimeUnixNano", 0))
    rep.check(0 < start <= end, where, f"{what} times", f"start {start}, end {end}")


def by_id(rep, where, spans, kind):
    """The MCP spans of one kind in one process, by request id (a duplicate is a failure)."""
    out = {}
    for s, a in spans:
        if s.get("kind") != kind:
            continue
        rid = a.get("jsonrpc.request.id")
        rep.check(rid not in out, where, f"one span per request id {rid}", "exported twice")
        out[rid] = (s, a)
    return out


def check_ledger(rep, exp, path, side, metrics):
    with open(path, encoding="utf-8") as f:
        led = json.load(f)
    where = f"{path}({led.get('sdk')}, {led.get('transport')})"
    sides = {"client": (led["client_pid"], KIND_CLIENT), "server": (led["server_pid"], KIND_SERVER)}
    wanted = [k for k in ("client", "server") if side in ("both", k)]
    found = {k: by_id(rep, where, exp.spans.get(sides[k][0], []), sides[k][1]) for k in wanted}
    reqs = led["requests"]
    for k in wanted:
        ids = {str(r["id"]) for r in reqs}
        extra = sorted(set(found[k]) - ids, key=str)
        rep.check(not extra, where, f"{k} spans only for the ledger's requests", f"extra ids {extra[:10]}")
    for req in reqs:
        rid = str(req["id"])
        got = {}
        for k in wanted:
            pid, kind = sides[k]
            hit = found[k].get(rid)
            if rep.check(hit is not None, where, f"{k} span for {req['method']} id={rid}", f"none in pid {pid}"):
                check_span(rep, f"{where} {k}", led, req, hit[0], hit[1], kind)
                got[k] = hit[0]
        if len(got) == 2:
            c, s = got["client"], got["server"]
            rep.check(s.get("traceId") == c.get("traceId") and s.get("parentSpanId") == c.get("spanId"),
                      where, f"server span of id={rid} is the client span's child",
                      f"trace {s.get('traceId')} parent {s.get('parentSpanId')}, client trace "
                      f"{c.get('traceId')} span {c.get('spanId')}")
    if metrics:
        for k in wanted:
            check_metrics(rep, where, exp, sides[k][0], k, reqs)


def check_metrics(rep, where, exp, pid, side, reqs):
    want = Counter((r["method"], r.get("tool"), expected_error_type(r)) for r in reqs)
    got = Counter()
    for a, n in exp.hists.get((pid, OP_METRIC[side]), []):
        # a series attribute the call did not have is exported as "": absent
        got[tuple(a.get(k) or None for k in ("mcp.method.name", "gen_ai.tool.name", "error.type"))] += n
    for key in sorted(set(want) | set(got), key=str):
        rep.check(want[key] == got[key], where, f"{OP_METRIC[side]} count {key}", f"{got[key]}, expected {want[key]}")
    sessions = sum(n for _, n in exp.hists.get((pid, SESSION_METRIC[side]), []))
    rep.check(sessions == 1, where, f"{SESSION_METRIC[side]} count", f"{sessions}, expected 1")


def check_untraced(rep, exp, path):
    with open(path, encoding="utf-8") as f:
        led = json.load(f)
    for pid in (led["client_pid"], led["server_pid"]):
        rep.check(exp.any_spans[pid] == 0 and exp.any_metrics[pid] == 0, path, f"untraced pid {pid} exported nothing",
                  f"{exp.any_spans[pid]} spans, {exp.any_metrics[pid]} metric points")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--otlp", nargs="+", required=True)
    ap.add_argument("--ledger", nargs="+", default=[])
    ap.add_argument("--untraced", nargs="+", default=[])
    ap.add_argument("--side", choices=("both", "client", "server"), default="both")
    ap.add_argument("--no-metrics", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    rep = Report(a.verbose)
    try:
        exp = Export(a.otlp)
        for path in a.ledger:
            check_ledger(rep, exp, path, a.side, not a.no_metrics)
        for path in a.untraced:
            check_untraced(rep, exp, path)
    except (OSError, ValueError, KeyError) as e:
        print(f"check_mcp_ledger: cannot read input: {type(e).__name__}: {e}")
        return 2
    print(f"check_mcp_ledger: {rep.passed} passed, {rep.failed} failed")
    return 1 if rep.failed or not rep.passed else 0


if __name__ == "__main__":
    sys.exit(main())
