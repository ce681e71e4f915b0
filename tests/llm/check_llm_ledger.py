#!/usr/bin/env python3
"""Compare what mcp-bpftrace exported (OTLP/JSON lines, --otlp-file) for LLM
calls over HTTPS with the ledgers the clients wrote of what their SDKs
returned (tests/llm/node_client.mjs, py_client.py, curl_client.sh).

Checked, per (gen_ai.operation.name, gen_ai.request.model):
  - CLIENT spans: count, failed ones (error.type), streamed ones, the HTTP
    status codes, the response models of the successful ones;
  - gen_ai.client.operation.duration: one observation per call;
  - gen_ai.client.token.usage: count and sum per gen_ai.token.type, and the
    spans' gen_ai.usage.* sums, over the successful calls;
  - mcp_model_usage_total / mcp_model_errors_total / mcp_model_token_usage_total
    / mcp_model_cost_total per mcp.model_type (the request model), the cost
    computed here from the same price table.
Ledger entries with "before_attach": true happened before the tracer
attached and are left out.

usage: check_llm_ledger.py --ledger L.json [L2.json...] --otlp FILE [FILE...]
                           --prices data/prices.tsv [-v]
Prints "FAIL <family> <what>: <detail>" per failed check, then
"check_llm_ledger: N passed, M failed". Exit 0 iff nothing failed.
"""
import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from check_ledger import Report, attrs_dict, close, load_export  # noqa: E402

SNAPSHOT = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$")


def load_prices(path):
    table = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.lstrip().startswith("#"):
                provider, model, pin, pout = line.rstrip("\r\n").split("\t")
                table[(provider, model)] = (float(pin), float(pout))
    return table


def price_of(table, provider, model):
    """prices.c: the model itself, or the listed model a dated snapshot is of."""
    if not model:
        return None
    if (provider, model) in table:
        return table[(provider, model)]
    m = SNAPSHOT.search(model)
    return table.get((provider, model[:m.start()])) if m else None


def expected(ledgers, prices):
    """Per (operation, model): what the ledgers say the export must hold."""
    exp = defaultdict(lambda: {"calls": 0, "errors": 0, "stream": 0, "status": Counter(),
                               "response_models": Counter(), "input": 0, "output": 0,
                               "input_n": 0, "output_n": 0, "cost": 0.0, "provider": None})
    for led in ledgers:
        for c in led["calls"]:
            if c.get("before_attach"):
                continue
            e = exp[(c["operation"], c["model"])]
            e["provider"] = c["provider"]
            e["calls"] += 1
            e["errors"] += bool(c["error"])
            e["stream"] += bool(c["stream"])
            e["status"][c["status"]] += 1
            if c["error"]:
                continue  # tokens and cost count on successful calls only
            e["response_models"][c["response_model"]] += 1
            i, o = c["input_tokens"], c["output_tokens"]
            if i is not None:
                e["input"] += i
                e["input_n"] += 1
            if o is not None:
                e["output"] += o
                e["output_n"] += 1
            p = price_of(prices, c["provider"], c["response_model"]) or price_of(prices, c["provider"], c["model"])
            if p and (i is not None or o is not None):
                e["cost"] += ((i or 0) * p[0] + (o or 0) * p[1]) / 1e6
    return exp


def genai_spans(export):
    out = defaultdict(list)
    seen = set()
    for s in export.spans:
        if s.get("spanId") in seen:
            continue
        seen.add(s.get("spanId"))
        a = attrs_dict(s.get("attributes"))
        # an MCP tools/call span has gen_ai.operation.name execute_tool: not a model call
        if "gen_ai.operation.name" in a and "mcp.method.name" not in a:
            out[(a["gen_ai.operation.name"], a.get("gen_ai.request.model"))].append((s, a))
    return out


def metric_sum(export, name, want, value="count"):
    """Sum over every series of `name` whose attributes include `want`;
    histograms give their count or sum, counters their value."""
    total, found = 0, False
    table = export.hists if value in ("count", "sum") else export.sums
    for (metric, akey), sources in table.items():
        if metric != name:
            continue
        attrs = {k: json.loads(v) for k, v in akey}
        if any(attrs.get(k) != v for k, v in want.items()):
            continue
        for v in sources.values():
            found = True
            if value == "count":
                total += v[0]
            elif value == "sum":
                total += v[1] or 0
            else:
                total += v
    return total if found else 0


def run(ledgers, export, prices, verbose=False):
    rep = Report(verbose)
    for err in export.parse_errors:
        rep.fail("parse", "otlp", err)
    exp = expected(ledgers, prices)
    spans = genai_spans(export)
    for key in sorted(set(spans) - set(exp), key=str):
        rep.fail("spans", f"{key}", f"{len(spans[key])} spans, none in the ledgers")
    for key, e in sorted(exp.items()):
        op, model = key
        got = spans.get(key, [])
        what = f"{op} {model}"

        def eq(family, want, have):
            if want == have or (isinstance(want, float) and close(want, have)):
                rep.ok(family, what)
            else:
                rep.fail(family, what, f"ledger {want}, export {have}")

        eq("span_count", e["calls"], len(got))
        eq("span_kind_client", len(got), sum(1 for s, _ in got if s.get("kind") in (3, "SPAN_KIND_CLIENT")))
        eq("span_name", {f"{op} {model}"}, {s.get("name") for s, _ in got} or {f"{op} {model}"})
        eq("span_errors", e["errors"], sum(1 for _, a in got if a.get("error.type")))
        eq("span_stream", e["stream"], sum(1 for _, a in got if a.get("gen_ai.request.stream") is True))
        eq("span_status", dict(e["status"]), dict(Counter(a.get("http.response.status_code", 0) for _, a in got)))
        ok = [a for _, a in got if not a.get("error.type")]
        eq("response_model", dict(e["response_models"]), dict(Counter(a.get("gen_ai.response.model") for a in ok)))
        eq("span_input_tokens", e["input"], sum(a.get("gen_ai.usage.input_tokens", 0) for a in ok))
        eq("span_output_tokens", e["output"], sum(a.get("gen_ai.usage.output_tokens", 0) for a in ok))
        base = {"gen_ai.operation.name": op, "gen_ai.request.model": model}
        eq("operation_duration", e["calls"], metric_sum(export, "gen_ai.client.operation.duration", base))
        for ttype, n, total in (("input", e["input_n"], e["input"]), ("output", e["output_n"], e["output"])):
            w = dict(base, **{"gen_ai.token.type": ttype})
            eq(f"token_usage_{ttype}_count", n, metric_sum(export, "gen_ai.client.token.usage", w))
            eq(f"token_usage_{ttype}_sum", float(total), float(metric_sum(export, "gen_ai.client.token.usage", w, "sum")))
    # the catalog's model_inference series, per mcp.model_type = request model
    per_model = defaultdict(lambda: {"calls": 0, "errors": 0, "tokens": 0, "cost": 0.0})
    for (op, model), e in exp.items():
        m = per_model[model]
        m["calls"] += e["calls"]
        m["errors"] += e["errors"]
        m["tokens"] += e["input"] + e["output"]
        m["cost"] += e["cost"]
    for model, m in sorted(per_model.items()):
        want = {"mcp.model_type": model}
        what = f"mcp.model_type={model}"
        for family, metric, value in (("mcp_model_usage", "mcp_model_usage_total", m["calls"]),
                                      ("mcp_model_errors", "mcp_model_errors_total", m["errors"]),
                                      ("mcp_model_tokens", "mcp_model_token_usage_total", m["tokens"]),
                                      ("mcp_model_cost", "mcp_model_cost_total", m["cost"])):
            have = metric_sum(export, metric, want, "value")
            if close(value, have) or value == have:
                rep.ok(family, what)
            else:
                rep.fail(family, what, f"ledger {value}, export {have}")
    print(f"check_llm_ledger: {rep.passed} passed, {rep.failed} failed")
    return rep


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ledger", required=True, action="extend", nargs="+")
    ap.add_argument("--otlp", required=True, action="extend", nargs="+")
    ap.add_argument("--prices", required=True)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    try:
        ledgers = []
        for path in args.ledger:
            with open(path, encoding="utf-8") as f:
                ledgers.append(json.load(f))
        rep = run(ledgers, load_export(args.otlp), load_prices(args.prices), args.verbose)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"check_llm_ledger: cannot check: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    return 0 if rep.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
