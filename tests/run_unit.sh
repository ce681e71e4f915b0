#!/usr/bin/env bash
# Runs every unit-test binary (built with ASan/UBSan) and adds up their
# "N passed, M failed" lines.
set -u
total_pass=0 total_fail=0 broken=0
for t in "$@"; do
  out=$("$t" 2>&1); rc=$?
  line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  if [ -z "$line" ] || [ $rc -ne 0 ]; then
    printf '%s\n' "$out" | tail -n 30
    echo "unit: $(basename "$t") FAILED (exit $rc)"
    broken=$((broken + 1))
  fi
  p=$(sed -E 's/^(.*[^0-9])?([0-9]+) passed.*/\2/' <<<"${line:-0 passed}")
  f=$(sed -E 's/.*, ([0-9]+) failed.*/\1/' <<<"${line:-, 0 failed}")
  echo "  $(basename "$t"): ${p} passed, ${f} failed"
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
done
total_fail=$((total_fail + broken))
echo "unit: ${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ]
