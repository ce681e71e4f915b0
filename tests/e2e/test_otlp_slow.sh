#!/usr/bin/env bash
# A slow receiver (300 ms per request) never stalls the ring-buffer
# consumer: the span sink only enqueues, and when the exporter falls behind
# its small queue drops the oldest spans (counted) instead of blocking.
# With a 256 KiB ring buffer (a few hundred records) a consumer stalled for
# even one request would lose records; none may be lost. Then the bounded
# shutdown: with a receiver that takes 4 s per request, SIGINT or SIGTERM
# ends the tracer within --otlp-shutdown-timeout (2 s), and what could not
# be sent is counted as dropped in the summary.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/otlp_lib.sh"

start_receiver slow --delay-ms 300
# --sources uprobe: spans are counted against the demo's ledger alone.
"$TRACER" --sources uprobe -P "$PROBES" --no-top --ringbuf-size 256K --otlp-queue 600 --otlp-shutdown-timeout 30 \
  --otlp "http://127.0.0.1:$RPORT" -- "$DEMO" --seed 41 --threads 4 --ops 3000 \
  --ledger "$WORK/slow.ledger" >"$WORK/slow.log" 2>&1 || { cat "$WORK/slow.log"; fail "slow: tracer failed"; }
grep -q "dropped 0 (ring buffer full)" "$WORK/slow.log" ||
  { cat "$WORK/slow.log"; fail "slow: the consumer stalled: records were lost from the ring buffer"; }
dropped=$(grep -oE "spans dropped by export [0-9]+" "$WORK/slow.log" | grep -oE "[0-9]+$" || echo 0)
delivered=$(stat "items['traces']")
total=$(ledger_spans "$WORK/slow.ledger")
[ "$dropped" -gt 0 ] || { cat "$WORK/slow.log"; fail "slow: a 600-span queue should have overflowed"; }
[ $((delivered + dropped)) -eq "$total" ] || fail "slow: delivered $delivered + dropped $dropped != $total"
note "slow: ring buffer drops 0; export queue dropped $dropped (oldest first), delivered $delivered of $total"
stop_receiver

# Lines of the tracer's output, each stamped with the time it appeared.
stamp() { while IFS= read -r l; do echo "$(date +%s.%N) $l"; done; }
for sig in INT TERM; do
  start_receiver "stuck-$sig" --delay-ms 4000
  log=$WORK/stuck-$sig.log
  "$TRACER" -P "$PROBES" --no-top --otlp-shutdown-timeout 2 --otlp "http://127.0.0.1:$RPORT" \
    -- "$DEMO" --seed 42 --threads 2 --duration 30 --rate 200 > >(stamp >"$log") 2>&1 &
  tpid=$!
  bg $tpid
  wait_for "$log" "probes attached" 15 || fail "stuck-$sig: the tracer did not start"
  sleep 2.5
  t0=$(date +%s.%N)
  kill -$sig $tpid
  rc=0; wait $tpid || rc=$?
  t1=$(date +%s.%N)
  sleep 0.2 # the stamping reader catches up
  [ $rc -eq 0 ] || { cat "$log"; fail "stuck-$sig: tracer exit status $rc"; }
  t_otlp=$(grep -m1 "otlp: .* spans sent" "$log" | cut -d' ' -f1)
  [ -n "$t_otlp" ] || { cat "$log"; fail "stuck-$sig: no export summary"; }
  read -r export_s total_s < <(python3 -c "print(round($t_otlp - $t0, 2), round($t1 - $t0, 2))")
  # 2 s bound, plus the main loop noticing the signal and the final metrics encode.
  python3 -c "import sys; sys.exit(0 if $export_s <= 3.0 else 1)" ||
    { cat "$log"; fail "stuck-$sig: the export took ${export_s}s to give up, the bound is 2 s"; }
  grep -qE "spans dropped by export [1-9]" "$log" ||
    { cat "$log"; fail "stuck-$sig: unsent spans not counted as dropped"; }
  grep -q "retrying" "$log" && { cat "$log"; fail "stuck-$sig: shutdown reported as a retry"; }
  note "stuck-$sig: export gave up ${export_s}s after SIG$sig (tracer exited after ${total_s}s);" \
    "$(grep -oE 'export errors [0-9]+, spans dropped by export [0-9]+' "$log")"
  stop_receiver
done
