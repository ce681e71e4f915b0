#!/usr/bin/env bash
# Runs the end-to-end tests: tests/e2e/test_*.sh (each a user's session
# with the real tracer, as root) and the ledger checker's own tests.
set -u
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "e2e: needs root (BPF and uprobes); run 'sudo make test'"; exit 1
fi
pass=0 fail=0 failed=()
run() { # name, command...
  local name=$1; shift
  local log; log=$(mktemp)
  local t0=$SECONDS
  if "$@" >"$log" 2>&1; then
    pass=$((pass + 1)); echo "  PASS $name ($((SECONDS - t0))s)"
  else
    fail=$((fail + 1)); failed+=("$name"); echo "  FAIL $name ($((SECONDS - t0))s)"
    tail -n 40 "$log" | sed 's/^/      /'
  fi
  rm -f "$log"
}
run check_ledger_selftest python3 -m unittest discover -s tests/e2e -p 'test_check_ledger.py'
only=${E2E_ONLY:-}
for t in tests/e2e/test_*.sh; do
  [ -n "$only" ] && [[ "$t" != *"$only"* ]] && continue
  run "$(basename "$t" .sh)" bash "$t"
done
echo "e2e: ${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
