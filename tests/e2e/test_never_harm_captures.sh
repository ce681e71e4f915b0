#!/usr/bin/env bash
# A capture the kernel cannot read (a bad offset in the probe map, a NULL
# pointer) is left out and counted, never exported as a 0 or "" the target
# never had. Before the fix, `mcp.plan_steps = arg0[0x7fffffff]` recorded
# 57 observations of 0 in mcp_plan_steps, with no counter anywhere.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/progs/harm_lib.sh"

cat >"$WORK/cap.probes" <<'P'
# harm_work(long x): x is a small number, x + 0x7fffffff no address.
span plan_creation harm_work
    mcp.plan_type = "bad"
    mcp.plan_steps = arg0[0x7fffffff] as int
# harm_outer(long x): a register, always readable.
span plan_creation harm_outer
    mcp.plan_type = "good"
    mcp.plan_steps = arg0 as int
P
"$TRACER" -P "$WORK/cap.probes" --no-top --otlp-file "$WORK/cap.jsonl" -- "$HARM" --ledger "$WORK/l" work:50 nest:7 \
  >"$WORK/t.log" 2>&1 || { cat "$WORK/t.log"; fail "tracer failed"; }
grep -q "^capture errors (memory not readable, attribute left out): harm_work 57$" "$WORK/t.log" ||
  { cat "$WORK/t.log"; fail "summary: no capture-error line for harm_work 57"; }
python3 - "$WORK/cap.jsonl" <<'PY'
import json, sys
steps, errors, spans = {}, {}, {"bad": [0, 0], "good": [0, 0]}
for line in open(sys.argv[1]):
    doc = json.loads(line)
    for rm in doc.get("resourceMetrics", []):
        for sm in rm["scopeMetrics"]:
            for m in sm["metrics"]:
                for dp in (m.get("exponentialHistogram") or m.get("histogram") or m.get("sum") or {}).get("dataPoints", []):
                    attrs = {a["key"]: list(a["value"].values())[0] for a in dp.get("attributes", [])}
                    if m["name"] == "mcp_plan_steps":
                        steps[attrs["mcp.plan_type"]] = (int(dp["count"]), dp["sum"])
                    if m["name"] == "mcp_bpftrace_capture_errors_total":
                        errors[attrs["binding"]] = int(dp["asInt"])
    for rs in doc.get("resourceSpans", []):
        for ss in rs["scopeSpans"]:
            for sp in ss["spans"]:
                attrs = {a["key"] for a in sp.get("attributes", [])}
                t = [list(a["value"].values())[0] for a in sp.get("attributes", []) if a["key"] == "mcp.plan_type"]
                if not t:
                    continue  # not one of ours (the tracer's own process spans)
                t = t[0]
                spans[t][0] += 1
                spans[t][1] += "mcp.plan_steps" in attrs
print("mcp_plan_steps:", steps, "capture errors:", errors, "spans (n, with plan_steps):", spans)
assert steps == {"good": (7, 28)}, "observations recorded from a value that was never read"
assert errors == {"harm_work": 57}, "capture errors not counted per binding"
assert spans == {"bad": [57, 0], "good": [7, 7]}, "unread attribute exported on spans"
PY
note "bad capture: left out of 57 spans, no mcp_plan_steps observation, mcp_bpftrace_capture_errors_total{binding=harm_work} 57"
