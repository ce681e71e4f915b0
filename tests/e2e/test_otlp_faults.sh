#!/usr/bin/env bash
# OTLP/HTTP under trouble, against the test receiver's scripted faults:
#  - 503 three times, then 200: retried with growing backoff, nothing lost
#  - 429 with Retry-After: 2: the next try waits those 2 s, nothing lost
#  - 400: not retried, reported once however often it happens, the lost
#    spans counted exactly in the exit summary
#  - a partial success: logged with its counts
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/otlp_lib.sh"
DEMO_ARGS=(--threads 4 --ops 1500)
# run NAME SEED [tracer flags...]: the demo under the tracer, to the receiver.
run() {
  local name=$1 seed=$2; shift 2
  # --sources uprobe: spans are counted against the demo's ledger alone.
  "$TRACER" --sources uprobe -P "$PROBES" --no-top --otlp-queue 100000 --otlp-shutdown-timeout 30 \
    --otlp "http://127.0.0.1:$RPORT" "$@" \
    -- "$DEMO" --seed "$seed" "${DEMO_ARGS[@]}" --ledger "$WORK/$name.ledger" >"$WORK/$name.log" 2>&1 ||
    { cat "$WORK/$name.log"; fail "$name: tracer failed"; }
  grep -q "dropped 0 (ring buffer full)" "$WORK/$name.log" || { cat "$WORK/$name.log"; fail "$name: records dropped"; }
}

# 1. 503 x3 then 200
start_receiver r503 --fail 503:3::traces
run r503 21
check_receiver r503 "$WORK/r503.ledger"
python3 - "$RLOG" <<'PY' || fail "r503: retry shape"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1]) if '"path"' in l and "/v1/traces" in l]
st = [r["status"] for r in reqs[:4]]
assert st == [503, 503, 503, 200], st
assert len({r["bytes"] for r in reqs[:4]}) == 1, "the same batch is retried"
gaps = [reqs[i + 1]["t"] - reqs[i]["t"] for i in range(3)]
# exponential backoff with jitter: 0.5 s, 1 s, 2 s steps, each 50..100 %
for g, step in zip(gaps, (0.5, 1, 2)):
    assert 0.45 * step <= g <= step + 0.5, (gaps, step)
print("-- r503: retried after " + ", ".join(f"{g:.2f}s" for g in gaps) + "; nothing lost")
PY
grep -q "HTTP 503 (retrying with backoff)" "$WORK/r503.log" || fail "r503: the outage was not reported"
grep -q "delivery resumed" "$WORK/r503.log" || fail "r503: the recovery was not reported"
grep -q "spans dropped by export" "$WORK/r503.log" && fail "r503: spans were dropped"
stop_receiver

# 2. 429 with Retry-After: 2, twice
start_receiver r429 --fail 429:2:2:traces
run r429 22
check_receiver r429 "$WORK/r429.ledger"
python3 - "$RLOG" <<'PY' || fail "r429: Retry-After not honoured"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1]) if '"path"' in l and "/v1/traces" in l]
assert [r["status"] for r in reqs[:3]] == [429, 429, 200], [r["status"] for r in reqs[:3]]
gaps = [reqs[i + 1]["t"] - reqs[i]["t"] for i in range(2)]
assert all(1.95 <= g <= 3.0 for g in gaps), gaps
print("-- r429: Retry-After: 2 honoured, waited " + ", ".join(f"{g:.2f}s" for g in gaps))
PY
grep -q "retrying after Retry-After: 2s" "$WORK/r429.log" || fail "r429: not reported"
stop_receiver

# 3. 400, twice: not retried, reported once, counted
start_receiver r400 --fail 400:2::traces
run r400 23
n400=$(grep -c "HTTP 400" "$WORK/r400.log" || true)
[ "$n400" -eq 1 ] || { cat "$WORK/r400.log"; fail "r400: expected one report, got $n400"; }
grep -q "traces not retried" "$WORK/r400.log" || fail "r400: the report does not say it is not retried"
grep -q "scripted fault 400" "$WORK/r400.log" || fail "r400: the receiver's google.rpc.Status message is not shown"
dropped=$(grep -oE "spans dropped by export [0-9]+" "$WORK/r400.log" | grep -oE "[0-9]+$")
errors=$(grep -oE "export errors [0-9]+" "$WORK/r400.log" | grep -oE "[0-9]+$")
delivered=$(stat "items['traces']")
total=$(ledger_spans "$WORK/r400.ledger")
python3 - "$RLOG" <<'PY' || fail "r400: a 400 was retried"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1]) if '"path"' in l and "/v1/traces" in l]
assert [r["status"] for r in reqs[:3]] == [400, 400, 200], [r["status"] for r in reqs[:3]]
PY
[ "$errors" -eq 2 ] || fail "r400: expected 2 export errors in the summary, got $errors"
[ $((delivered + dropped)) -eq "$total" ] ||
  fail "r400: delivered $delivered + dropped $dropped != $total spans the demo made"
note "r400: reported once, not retried; delivered $delivered + dropped $dropped = $total spans, export errors $errors"
stop_receiver

# 4. partial success
start_receiver rpartial --partial "5:spans too old"
run rpartial 24
grep -q 'partial success: 5 of [0-9]* spans rejected: "spans too old"' "$WORK/rpartial.log" ||
  { cat "$WORK/rpartial.log"; fail "rpartial: the partial success was not logged with its counts"; }
grep -q "receiver rejected 5 spans" "$WORK/rpartial.log" || fail "rpartial: not in the exit line"
note "rpartial: $(grep -o 'partial success: .*' "$WORK/rpartial.log")"
stop_receiver
