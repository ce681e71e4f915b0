#!/usr/bin/env bash
# The demo's own ledger equals what the tracer exported: counters and
# histogram counts exactly, spans ok/error per name, parent links, error
# shape, and inner <= traced duration <= outer. Fixed cases plus random
# ones (printed, so a failure can be replayed), because it must hold for
# any seed, thread count, op count and error rate.
source "$(dirname "$0")/lib.sh"
trace_and_check fixed-7  "$PROBES" --seed 7 --threads 4 --ops 20000
trace_and_check one-thread "$PROBES" --seed 3 --threads 1 --ops 3000 --error-rate 0.3
trace_and_check no-errors "$PROBES" --seed 11 --threads 8 --ops 4000 --error-rate 0
trace_and_check all-errors "$PROBES" --seed 5 --threads 2 --ops 1500 --error-rate 1
# Uprobes as one perf-event link each (kernels before 6.6), not uprobe_multi.
TRACER_ARGS=--no-uprobe-multi trace_and_check perf-event-uprobes "$PROBES" --seed 9 --threads 3 --ops 3000
for i in 1 2; do
  seed=$((RANDOM * 7 + i)); threads=$((RANDOM % 6 + 1)); ops=$((RANDOM % 4000 + 500))
  rate=$(python3 -c "import random; print(round(random.random()*0.5, 3))")
  trace_and_check "random-$i" "$PROBES" --seed $seed --threads $threads --ops $ops --error-rate $rate
done
