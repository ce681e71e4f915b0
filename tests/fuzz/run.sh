#!/usr/bin/env bash
# Runs every libFuzzer harness built in BUILD/fuzz for SECONDS each (or only
# those named), one after the other, and prints per harness the executions,
# their rate, the coverage libFuzzer reached and the crashes. Exit 1 when a
# harness crashed, leaked, timed out or ran out of memory (the input is in
# BUILD/fuzz/crashes/, its report in BUILD/fuzz/logs/NAME.log).
#
# The corpus a run finds goes to BUILD/fuzz/corpus/NAME/ and seeds the next
# run together with tests/fuzz/corpus/NAME/ (which it never writes).
#   usage: tests/fuzz/run.sh BUILD SECONDS [NAME...]
set -u
cd "$(dirname "$0")/../.."
build=${1:?usage: run.sh BUILD SECONDS [NAME...]} secs=${2:?seconds}
shift 2
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do n=${f##*/fuzz_}; names+=("${n%.c}"); done
fi
mkdir -p "$build/fuzz/crashes" "$build/fuzz/logs"
printf '%-18s %12s %10s %8s %8s %8s\n' HARNESS EXECUTIONS EXEC/S COV CORPUS CRASHES
failed=0 total=0
for n in "${names[@]}"; do
  bin=$build/fuzz/fuzz_$n log=$build/fuzz/logs/$n.log corpus=$build/fuzz/corpus/$n
  [ -x "$bin" ] || { echo "fuzz: $bin not built (make BUILD=$build fuzz-build)"; failed=$((failed + 1)); continue; }
  mkdir -p "$corpus"
  seeds=(); [ -d "tests/fuzz/corpus/$n" ] && seeds=("tests/fuzz/corpus/$n")
  dict=(); [ -f "tests/fuzz/$n.dict" ] && dict=("-dict=tests/fuzz/$n.dict")
  rm -f "$build/fuzz/crashes/$n-"*
  # -timeout: one input taking 10 s is a hang; the outer timeout is a
  # backstop for a harness that hangs libFuzzer itself.
  timeout -k 10 $((secs + 120)) "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/fuzz/crashes/$n-" "${dict[@]}" \
    "$corpus" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -oE ' cov: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+')
  crashes=$(find "$build/fuzz/crashes" -name "$n-*" | wc -l)
  printf '%-18s %12s %10s %8s %8s %8s\n' "$n" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
    "$(find "$corpus" -type f | wc -l)" "$crashes"
  total=$((total + ${execs:-0}))
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    failed=$((failed + 1))
    echo "fuzz: $n failed (exit $rc); report:"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written|^    #[0-9]' "$log" | head -n 25 | sed 's/^/    /'
  fi
done
echo "fuzz: ${#names[@]} harnesses, $total executions, $failed failed"
[ "$failed" -eq 0 ]
