#!/usr/bin/env bash
# A ring buffer far too small: records are lost, and every lost record is
# counted. received + dropped must equal what the demo did, exactly.
source "$(dirname "$0")/lib.sh"
"$TRACER" --sources uprobe -P "$PROBES" --ringbuf-size 4K --otlp-file "$WORK/d.jsonl" -- "$DEMO" --seed 2 --threads 4 \
  --ops 4000 --time-scale 0 --ledger "$WORK/d.ledger" >"$WORK/d.log" 2>&1 || { cat "$WORK/d.log"; fail "tracer failed"; }
python3 - "$WORK/d.ledger" "$WORK/d.log" <<'PY'
import json, re, sys
led = json.load(open(sys.argv[1])); log = open(sys.argv[2]).read()
m = re.search(r"(\d+) records in .*dropped (\d+) \(ring buffer full\)", log)
got, dropped = int(m.group(1)), int(m.group(2))
spans = sum(v["ok"] + v["error"] for v in led["spans"].values())
points = sum(s["value"] for k in ("mcp_model_cache_hits_total", "mcp_model_cache_misses_total",
             "mcp_workflow_branch_total", "mcp_workflow_retry_total", "mcp_workflow_rollback_total")
             for s in led["counters"].get(k, []))
# Operations with an "active" up-down counter also send a start record.
starts = sum(led["spans"].get(n, {"ok": 0, "error": 0})[k] for n in
             ("agent_collaboration_session", "model_routing", "workflow_execution", "plan_execution")
             for k in ("ok", "error"))
want = spans + points + starts
print(f"received {got} + dropped {dropped} = {got + dropped}; demo produced {want}")
assert dropped > 0, "a 4 KiB ring buffer should have overflowed"
assert got + dropped == want, "lost records were not all counted"
PY
