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
# CO-RE against the kernel's whole BTF, as on a kernel the tracer was not
# built on (user/source/core_btf.h); --verbose says which way it went.
MCP_BPFTRACE_FULL_BTF=1 TRACER_ARGS=--verbose trace_and_check full-kernel-btf "$PROBES" --seed 13 --threads 3 --ops 3000
grep -q "CO-RE against the kernel's own BTF (MCP_BPFTRACE_FULL_BTF is set)" "$WORK/full-kernel-btf.log" ||
  fail "full-kernel-btf: the tracer did not say it used the kernel's BTF"
TRACER_ARGS=--verbose trace_and_check cut-btf "$PROBES" --seed 17 --threads 2 --ops 2000
grep -q "CO-RE against this kernel's BTF cut at build time" "$WORK/cut-btf.log" ||
  fail "cut-btf: a build on this kernel did not use its cut BTF: $(grep CO-RE "$WORK/cut-btf.log")"
# Uprobes as one perf-event link each (kernels before 6.6), not uprobe_multi.
TRACER_ARGS=--no-uprobe-multi trace_and_check perf-event-uprobes "$PROBES" --seed 9 --threads 3 --ops 3000
for i in 1 2; do
  seed=$((RANDOM * 7 + i)); threads=$((RANDOM % 6 + 1)); ops=$((RANDOM % 4000 + 500))
  rate=$(python3 -c "import random; print(round(random.random()*0.5, 3))")
  trace_and_check "random-$i" "$PROBES" --seed $seed --threads $threads --ops $ops --error-rate $rate
done
