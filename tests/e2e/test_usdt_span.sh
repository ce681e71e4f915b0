#!/usr/bin/env bash
# A span bound to two USDT probes (start and done, as PostgreSQL's
# query__start/query__done): counted exactly, nested per thread like a
# function span (the functions called between the probes are its
# children), with and without following children; a missing done probe is
# named at start.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/progs/harm_lib.sh"
cat >"$WORK/u.probes" <<'MAP'
span consensus_building harm_work
span plan_execution usdt:harm:harm_usdt_span usdt:harm:harm_usdt_span_done
MAP
for args in "" "--no-follow"; do
  # shellcheck disable=SC2086 # args: one word or none
  "$TRACER" $args -P "$WORK/u.probes" --no-top --otlp-file "$WORK/u.jsonl" -- \
    "$HARM" --ledger "$WORK/u.ledger" work:10 usdt:50 threads:2x100 usdt:7 >"$WORK/u.log" 2>&1 ||
    { cat "$WORK/u.log"; fail "tracer exited with $? ($args)"; }
  pid=$(sed -n 's/.*harm-target (pid \([0-9]*\)) exited with status 0$/\1/p' "$WORK/u.log")
  $HCHECK --ledger "$WORK/u.ledger" --log "$WORK/u.log" --pid "$pid" ||
    { cat "$WORK/u.ledger" "$WORK/u.log"; fail "counts differ from the ledger ($args)"; }
  python3 - "$WORK/u.jsonl" <<'PY' || fail "USDT spans do not nest as function spans do ($args)"
import json, sys
spans = {}
for line in open(sys.argv[1]):
    for rs in json.loads(line).get("resourceSpans", []):
        for ss in rs["scopeSpans"]:
            for s in ss["spans"]:
                spans[s["spanId"]] = s
usdt = {i for i, s in spans.items() if s["name"] == "plan_execution"}
work = [s for s in spans.values() if s["name"] == "consensus_building"]
inside = [s for s in work if s.get("parentSpanId") in usdt]
assert len(usdt) == 57, f"{len(usdt)} USDT spans, want 57"
assert len(inside) == 114, f"{len(inside)} harm_work spans inside them, want 2 x 57"
assert len(work) == 10 + 114 + 200, f"{len(work)} harm_work spans"
for s in inside:
    p = spans[s["parentSpanId"]]
    assert p["traceId"] == s["traceId"] and int(p["startTimeUnixNano"]) <= int(s["startTimeUnixNano"]) \
        and int(s["endTimeUnixNano"]) <= int(p["endTimeUnixNano"]), "child outside its USDT span"
print(f"{len(usdt)} USDT spans, {len(inside)} children inside them")
PY
  rm -f "$WORK/u.ledger" "$WORK/u.jsonl"
done
# The done probe must exist, and is named when it does not.
printf 'span plan_execution usdt:harm:harm_usdt_span usdt:harm:no_such_done\n' >"$WORK/bad.probes"
rc=0; "$TRACER" -P "$WORK/bad.probes" --no-top -- "$HARM" quick >"$WORK/bad.log" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "USDT probe harm:no_such_done not found" "$WORK/bad.log" ||
  { cat "$WORK/bad.log"; fail "a missing done probe: exit $rc"; }
echo "PASS: USDT start/done spans: exact, nested, a missing probe named"
