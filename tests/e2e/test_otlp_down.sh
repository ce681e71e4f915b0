#!/usr/bin/env bash
# The receiver goes away for 5 s in the middle of a run (its listening
# socket and every open connection closed). The tracer keeps running, its
# memory stays bounded by --otlp-queue (the oldest spans are dropped, and
# counted in the exit summary and in mcp_bpftrace_dropped_spans_total),
# delivery resumes when the receiver is back, every span is either
# delivered or counted as dropped, and the cumulative metrics that arrive
# last still equal the demo's ledger exactly.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/otlp_lib.sh"

start_receiver down --down-after 1 --down-for-ms 5000
# --sources uprobe: spans are counted against the demo's ledger, which has
# no exec span of the process source.
"$TRACER" --sources uprobe -P "$PROBES" --no-top --otlp-queue 1000 --otlp-shutdown-timeout 30 --interval 1 \
  --otlp "http://127.0.0.1:$RPORT" -- "$DEMO" --seed 31 --threads 4 --duration 9 --rate 300 \
  --ledger "$WORK/down.ledger" >"$WORK/down.log" 2>&1 &
tpid=$!
bg $tpid
# Resident memory of the tracer, sampled while it runs.
while kill -0 $tpid 2>/dev/null; do
  rss=$(awk '/^VmRSS/ {print $2}' /proc/$tpid/status 2>/dev/null || true)
  [ -n "$rss" ] && echo "$(date +%s.%N) $rss" >>"$WORK/rss"
  sleep 0.1
done
wait $tpid || { cat "$WORK/down.log"; fail "the tracer did not survive the outage (exit $?)"; }
grep -q "dropped 0 (ring buffer full)" "$WORK/down.log" || { cat "$WORK/down.log"; fail "records dropped"; }
grep -q "Connection refused\|Couldn't connect\|Failure when receiving\|Server returned nothing" "$WORK/down.log" ||
  { cat "$WORK/down.log"; fail "the outage was not reported"; }
grep -q "delivery resumed" "$WORK/down.log" || { cat "$WORK/down.log"; fail "delivery did not resume"; }
dropped=$(grep -oE "spans dropped by export [0-9]+" "$WORK/down.log" | grep -oE "[0-9]+$" || echo 0)
delivered=$(stat "items['traces']")
total=$(ledger_spans "$WORK/down.ledger")
[ "$dropped" -gt 0 ] || { cat "$WORK/down.log"; fail "a 5 s outage with a 1000-span queue should drop spans"; }
[ $((delivered + dropped)) -eq "$total" ] ||
  { cat "$WORK/down.log"; fail "delivered $delivered + dropped $dropped != $total spans the demo made"; }
python3 - "$RLOG" "$WORK/rss" "$ROUT" "$dropped" <<'PY' || fail "outage behaviour"
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
down = next(e["t"] for e in log if e.get("event") == "down")
up = next(e["t"] for e in log if e.get("event") == "up")
after = [e for e in log if e.get("path") == "/v1/traces" and e["t"] > up and e["status"] == 200]
assert after, "no span batch delivered after the receiver came back"
rss = [tuple(map(float, l.split())) for l in open(sys.argv[2])]
before = [kb for t, kb in rss if t <= down]
during = [kb for t, kb in rss if down < t <= up]
assert before and during, "no memory samples around the outage"
growth = (max(during) - before[-1]) / 1024
# 1000 queued spans are ~4 MiB; the ~7000 spans made during the outage
# would be ~25 MiB if they were kept.
assert growth < 12, f"memory grew {growth:.1f} MiB during the outage"
# The tracer's own health metrics say what was lost.
health = {}
for line in open(sys.argv[3]):
    for rm in json.loads(line).get("resourceMetrics", []):
        for sm in rm["scopeMetrics"]:
            for m in sm["metrics"]:
                if m["name"].startswith("mcp_bpftrace_"):
                    for dp in m["sum"]["dataPoints"]:
                        health[m["name"]] = int(dp.get("asInt", 0))
assert health.get("mcp_bpftrace_dropped_spans_total", 0) > 0, health
print(f"-- down {up - down:.1f}s: memory +{growth:.1f} MiB during the outage; {len(after)} batches after;"
      f" mcp_bpftrace_dropped_spans_total={health['mcp_bpftrace_dropped_spans_total']} (final: {sys.argv[4]})")
PY
# The metrics that arrived last equal the ledger (spans are partly lost by design).
python3 - "$WORK/down.ledger" "$ROUT" "$WORK/metrics-only" <<'PY'
import json, sys
led = json.load(open(sys.argv[1]))
json.dump({k: v for k, v in led.items() if k not in ("spans", "durations")}, open(sys.argv[3] + ".ledger", "w"))
with open(sys.argv[3] + ".jsonl", "w") as f:
    for line in open(sys.argv[2]):
        if '"resourceMetrics"' in line:
            f.write(line)
PY
$CHECK --ledger "$WORK/metrics-only.ledger" --otlp "$WORK/metrics-only.jsonl" >"$WORK/m.check" 2>&1 ||
  { tail -n 20 "$WORK/m.check"; fail "the metrics after the outage differ from the ledger"; }
note "delivered $delivered + dropped $dropped = $total spans; metrics: $(tail -n 1 "$WORK/m.check")"
