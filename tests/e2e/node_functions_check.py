#!/usr/bin/env python3
"""Compares an OTLP/JSON export with tests/node/main.js's ledger: every call
made through a wrapper as a span with its operation, its parent's
operation, its error type and its bound attributes. Multisets: one call
more, less or different fails. The export is read by check_ledger's loader.

usage: node_functions_check.py --ledger FILE --otlp FILE
"""
import argparse
import json
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_ledger import attrs_dict, load_export  # noqa: E402

OPS = ("agent_collaboration", "model_routing", "agent_iteration")
# Attributes every span of an operation has, not bound by the probe map.
COMPUTED = ("mcp.service", "mcp.operation")

ap = argparse.ArgumentParser()
ap.add_argument("--ledger", required=True)
ap.add_argument("--otlp", required=True)
a = ap.parse_args()

exp = load_export([a.otlp])
if exp.parse_errors:
    sys.exit("FAIL: " + "; ".join(exp.parse_errors[:3]))
by_id = {s["spanId"]: s for s in exp.spans}
if len(by_id) != len(exp.spans):
    sys.exit("FAIL: a span id exported twice")


def call_key(op, parent, error, at):
    return json.dumps([op, parent, error, sorted(at.items())])


got = Counter()
for s in exp.spans:
    at = attrs_dict(s.get("attributes"))
    if at.get("mcp.operation") not in OPS:
        continue
    parent = by_id.get(s.get("parentSpanId", ""))
    failed = s.get("status", {}).get("code") == 2
    bound = {k: v for k, v in at.items()
             if k.startswith("mcp.") and k not in COMPUTED and not k.endswith(("_success", "_duration_ms"))}
    got[call_key(at["mcp.operation"], attrs_dict(parent.get("attributes")).get("mcp.operation") if parent else None,
                 at.get("error.type") if failed else None, bound)] += 1

calls = json.load(open(a.ledger))["calls"]
want = Counter(call_key(c["op"], c["parent"], c["error"], c["attrs"]) for c in calls)
missing, extra = want - got, got - want
for label, diff in (("missing", missing), ("extra", extra)):
    for k, n in list(diff.items())[:8]:
        print(label, n, k)
if missing or extra:
    sys.exit(f"FAIL: export differs from the ledger ({sum(missing.values())} missing, {sum(extra.values())} extra)")
print(f"ok: {len(calls)} calls ({sum(1 for c in calls if c['error'])} failed) equal the ledger")
