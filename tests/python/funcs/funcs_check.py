#!/usr/bin/env python3
"""Compares an OTLP/JSON export with funcs_app.py's ledger: every bound
call as a span with its operation, its parent's operation, its error type
and its attributes, every point as an event on its parent span, every LLM
call over TLS as a span under the bound function that made it. Multisets:
one call more, less or different fails.

usage: funcs_check.py --ledger FILE --otlp FILE
"""
import argparse
import collections
import json
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--ledger", required=True)
ap.add_argument("--otlp", required=True)
a = ap.parse_args()


def value(v):
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        return int(v["intValue"])
    if "doubleValue" in v:
        return round(float(v["doubleValue"]), 6)
    if "boolValue" in v:
        return v["boolValue"]
    return None


spans = []
for line in open(a.otlp):
    d = json.loads(line)
    for rs in d.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            spans += ss.get("spans", [])
by_id = {s["spanId"]: s for s in spans}
if len(by_id) != len(spans):
    sys.exit("FAIL: a span id exported twice")


def attrs(s):
    return {x["key"]: value(x["value"]) for x in s.get("attributes", [])}


def op_of(s):
    at = attrs(s)
    if "gen_ai.operation.name" in at:
        return "llm"
    return at.get("mcp.operation")


def key(op, parent, error, at):
    return json.dumps([op, parent, error, sorted((k, round(v, 6) if isinstance(v, float) else v)
                                                 for k, v in at.items())])


got = collections.Counter()
for s in spans:
    op = op_of(s)
    p = by_id.get(s.get("parentSpanId", ""))
    parent = op_of(p) if p else None
    at = attrs(s)
    err = at.get("error.type") if s.get("status", {}).get("code") == 2 else None
    if op == "llm":
        got[key("llm", parent, None, {})] += 1
        continue
    keep = {k: v for k, v in at.items() if k.startswith("mcp.") and not k.endswith(("_success", "_duration_ms"))
            and k not in ("mcp.service", "mcp.operation")}
    got[key(op, parent, err, keep)] += 1
    for e in s.get("events", []):
        if e["name"] == "Cache hit":
            got[key("event:Cache hit", op, None, {x["key"]: value(x["value"]) for x in e.get("attributes", [])})] += 1

want = collections.Counter(key(e["op"], e["parent"], e["error"], e["attrs"]) for e in json.load(open(a.ledger)))
missing, extra = want - got, got - want
for k, n in list(missing.items())[:10]:
    print("missing", n, k)
for k, n in list(extra.items())[:10]:
    print("extra", n, k)
if missing or extra:
    sys.exit(f"FAIL: export differs from the ledger ({sum(missing.values())} missing, {sum(extra.values())} extra)")
print(f"ok: {sum(want.values())} calls, events and LLM calls equal the ledger")
