#!/usr/bin/env python3
"""Compares an OTLP/JSON export with tests/node/main.js's ledger: every call
made through a wrapper as a span with its operation, its parent's
operation, its error type and its bound attributes. Multisets: one call
more, less or different fails.

usage: node_functions_check.py --ledger FILE --otlp FILE
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
    for k, f in (("stringValue", str), ("intValue", int), ("doubleValue", float), ("boolValue", bool)):
        if k in v:
            return f(v[k])
    return None


spans = []
for line in open(a.otlp):
    for rs in json.loads(line).get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            spans += ss.get("spans", [])
by_id = {s["spanId"]: s for s in spans}
if len(by_id) != len(spans):
    sys.exit("FAIL: a span id exported twice")


def attrs(s):
    return {x["key"]: value(x["value"]) for x in s.get("attributes", [])}


def key(op, parent, error, at):
    return json.dumps([op, parent, error, sorted(at.items())])


got = collections.Counter()
for s in spans:
    at = attrs(s)
    op = at.get("mcp.operation")
    if op not in ("agent_collaboration", "model_routing"):
        continue
    p = by_id.get(s.get("parentSpanId", ""))
    err = at.get("error.type") if s.get("status", {}).get("code") == 2 else None
    keep = {k: v for k, v in at.items() if k.startswith("mcp.") and k not in ("mcp.service", "mcp.operation")
            and not k.endswith(("_success", "_duration_ms"))}
    got[key(op, attrs(p).get("mcp.operation") if p else None, err, keep)] += 1

ledger = json.load(open(a.ledger))
want = collections.Counter(key(c["op"], c["parent"], c["error"], c["attrs"]) for c in ledger["calls"])
missing, extra = want - got, got - want
for k, n in list(missing.items())[:8]:
    print("missing", n, k)
for k, n in list(extra.items())[:8]:
    print("extra", n, k)
if missing or extra:
    sys.exit(f"FAIL: export differs from the ledger ({sum(missing.values())} missing, {sum(extra.values())} extra)")
errors = sum(1 for c in ledger["calls"] if c["error"])
print(f"ok: {sum(want.values())} calls ({errors} failed) equal the ledger")
