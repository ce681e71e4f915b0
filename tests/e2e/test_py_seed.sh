#!/usr/bin/env bash
# Issue 19's ground truth: the seed's own Python agent-collaboration,
# model-routing and workflow code (tests/python/seed/mcp, OpenTelemetry
# taken out), driven by a scenario that writes a ledger of every call it
# makes to a bound method. The tracer attaches to the running interpreter,
# injects its wrappers (--inject, tests/python/seed.map binds the methods by
# name) and detaches; the export equals the ledger (counts, error types,
# attributes, nesting, counters), the program did exactly what an untraced
# run does, and after detach its bound functions are the originals again
# (checked from inside). Then: the tracer killed mid-run (the program runs
# on unharmed), and a main thread asleep in C while the tracer injects (the
# tracer says it timed out; nothing in the program changed).
source "$(dirname "$0")/lib.sh"
SEED=$ROOT/tests/python/seed
MAP=$ROOT/tests/python/seed.map
PYCHECK="python3 $ROOT/tests/e2e/py_seed_check.py"
PY=/usr/bin/python3.11
ROUNDS=${PY_SEED_ROUNDS:-150}
INJECTED_RE=${PY_SEED_INJECTED_RE:-"injected"}
TIMEOUT_RE="has not returned to Python in [0-9]+ ms"

python3 -m unittest discover -s "$ROOT/tests/e2e" -p test_py_seed_check.py >"$WORK/selftest.log" 2>&1 ||
  { cat "$WORK/selftest.log"; fail "py_seed_check's own test"; }

# The untraced run every traced one must equal (the scenario is deterministic).
"$PY" "$SEED/scenario.py" --ledger "$WORK/ref.json" --rounds "$ROUNDS" ||
  fail "the scenario fails untraced"

# Starts the scenario under PYTHON in DIR, waiting at --go; sets SPID.
start_scenario() { # dir python [scenario args...]
  local d=$1 py=$2; shift 2
  mkdir -p "$d"
  "$py" "$SEED/scenario.py" --ledger "$d/ledger.json" --rounds "$ROUNDS" --ready "$d/ready" \
    --go "$d/go" --done "$d/done" --detached "$d/detached" "$@" >"$d/scenario.log" 2>&1 &
  SPID=$!; bg "$SPID"
  wait_for "$d/ready" . 20 || { cat "$d/scenario.log"; fail "$d: the scenario did not start"; }
}

# Starts the tracer on SPID with the seed's map injected; sets TPID once
# it says the wrappers are in.
start_tracer() { # dir
  local d=$1
  "$TRACER" --pid "$SPID" --inject -P "$MAP" --no-top --otlp-file "$d/out.jsonl" >"$d/tracer.log" 2>&1 &
  TPID=$!; bg "$TPID"
  wait_for "$d/tracer.log" "$INJECTED_RE" 30 || { cat "$d/tracer.log"; fail "$d: no '$INJECTED_RE' from the tracer"; }
}

wait_scenario() { # dir
  local rc=0
  wait "$SPID" || rc=$?
  [ "$rc" = 0 ] || { cat "$1/scenario.log"; fail "$1: the scenario exited with $rc"; }
}

# Attach, inject, run, detach (Ctrl-C), then the checks.
attached_run() { # name python
  local d=$WORK/$1 py=$2 rc=0
  start_scenario "$d" "$py"
  start_tracer "$d"
  touch "$d/go"
  wait_for "$d/done" . 300 || { cat "$d/scenario.log"; fail "$1: the measured phase did not end"; }
  kill -INT "$TPID"
  wait "$TPID" || rc=$?
  [ "$rc" = 0 ] || { cat "$d/tracer.log"; fail "$1: the tracer exited with $rc"; }
  grep -q "dropped 0 (ring buffer full)" "$d/tracer.log" || { cat "$d/tracer.log"; fail "$1: records were dropped"; }
  touch "$d/detached"
  wait_scenario "$d"
  $PYCHECK --ledger "$d/ledger.json" --otlp "$d/out.jsonl" --same-as "$WORK/ref.json" \
    --require original_after_detach original_at_exit --require-false original_at_go >"$d/check.log" 2>&1 ||
    { cat "$d/check.log"; tail -n 20 "$d/tracer.log"; fail "$1: the export differs from the ledger"; }
  note "$1 ($("$py" -c 'import sys; print(sys.version.split()[0])')): $(python3 -c '
import json, sys; d = json.load(open(sys.argv[1])); print(len(d["calls"]), "bound calls,", d["rounds"])' "$d/ledger.json"),
    $(tail -n 1 "$d/check.log"); the originals back after detach"
}

attached_run debian "$PY"
for py in "$HOME"/.pyenv/versions/3.11.*/bin/python3.11; do  # the 3.11 under pyenv, when there is one
  if [ -x "$py" ]; then attached_run pyenv "$py"; break; fi
done

# The tracer killed (SIGKILL) in the middle of the measured phase: no undo
# ran, the wrappers must pass calls through unharmed; the program ends as
# an untraced run does.
d=$WORK/killed
start_scenario "$d" "$PY"
start_tracer "$d"
touch "$d/go"
sleep 0.3
[ -e "$d/done" ] && note "killed: the measured phase ended before the kill (raise PY_SEED_ROUNDS)"
kill -KILL "$TPID"; wait "$TPID" 2>/dev/null || true
touch "$d/detached"
wait_scenario "$d"
$PYCHECK --ledger "$d/ledger.json" --same-as "$WORK/ref.json" >"$d/check.log" 2>&1 ||
  { cat "$d/check.log"; fail "killed: the program did not run on as untraced after the tracer died"; }
note "killed: the tracer killed mid-run; $(tail -n 1 "$d/check.log") (same calls and results as untraced)"

# The main thread asleep in C (time.sleep) while the tracer injects: the
# tracer names the timeout; the program sleeps its full time, then runs
# with its original functions (the queued call, defused, does nothing).
d=$WORK/blocked
BLOCK=${PY_SEED_BLOCK_S:-20}
start_scenario "$d" "$PY" --block "$BLOCK"
rc=0
timeout 120 "$TRACER" --pid "$SPID" --inject -P "$MAP" --no-top --otlp-file "$d/out.jsonl" \
  >"$d/tracer.log" 2>&1 || rc=$?
grep -qE "$TIMEOUT_RE" "$d/tracer.log" || { cat "$d/tracer.log"; fail "blocked: no timeout message (exit $rc)"; }
touch "$d/go" "$d/detached"
wait_scenario "$d"
$PYCHECK --ledger "$d/ledger.json" --same-as "$WORK/ref.json" \
  --require original_after_block original_at_go original_after_detach original_at_exit >"$d/check.log" 2>&1 ||
  { cat "$d/check.log"; fail "blocked: the program changed"; }
python3 - "$d/ledger.json" "$BLOCK" <<'PY' || fail "blocked: the sleep was cut short"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["blocked_s"] >= float(sys.argv[2]) - 0.01, d["blocked_s"]
PY
note "blocked: tracer exit $rc, '$(grep -oE "$TIMEOUT_RE" "$d/tracer.log" | head -n 1)'; the program unchanged"
echo "PASS: the seed's Python code traced by name, injected and undone, exactly as its ledger"
