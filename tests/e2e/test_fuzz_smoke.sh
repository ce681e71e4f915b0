#!/usr/bin/env bash
# Every libFuzzer harness (tests/fuzz/fuzz_*.c) runs briefly on its seed
# corpus and what it finds: a crash, a leak, a hang or an abort() of a
# harness's own check fails the test. FUZZ_SMOKE_SECONDS per harness
# (default 10); the long runs are `make fuzz FUZZ_SECONDS=N` (FUZZING.md).
source "$(dirname "$0")/lib.sh"
secs=${FUZZ_SMOKE_SECONDS:-10}
make -C "$ROOT" --no-print-directory BUILD="${BUILD:-build}" -j2 fuzz-build >"$WORK/build.log" 2>&1 ||
  { tail -n 30 "$WORK/build.log"; fail "the fuzz harnesses did not build"; }
out=$WORK/fuzz.out
"$ROOT/tests/fuzz/run.sh" "$BUILD_DIR" "$secs" >"$out" 2>&1 || { cat "$out"; fail "a fuzz harness failed"; }
cat "$out"
# The table has a row per harness, each with executions and 0 crashes.
n=$(find "$ROOT/tests/fuzz" -maxdepth 1 -name 'fuzz_*.c' | wc -l)
rows=$(awk 'NR > 1 && $1 != "fuzz:" && $2 ~ /^[0-9]+$/ && $2 > 0 && $6 == 0' "$out" | wc -l)
[ "$rows" -eq "$n" ] || fail "$rows of $n harnesses ran with executions and no crash"
note "$n harnesses, ${secs}s each, no crash"
