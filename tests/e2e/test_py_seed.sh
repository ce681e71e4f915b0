#!/usr/bin/env bash
# Issue 19's ground truth: the seed's own Python agent-collaboration,
# model-routing and workflow code (tests/python/seed/mcp, OpenTelemetry
# taken out), driven by a scenario that writes a ledger of every call it
# makes to a bound method. The tracer attaches to the running interpreter,
# injects its wrappers (--inject, tests/python/seed.map binds the methods by
# name) and detaches; the export equals the ledger (counts, error types,
# attributes, nesting, counters), the program did exactly what an untraced
# run does, and after detach its bound functions are the originals again
# (checked from inside); under Debian's 3.11 and pyenv's 3.11-3.13, and
# with concurrent coroutines (asyncio.gather). Then: the tracer killed
# mid-run (the program runs on unharmed), and a main thread asleep in C
# while the tracer injects (the tracer says it timed out; nothing in the
# program changed).
source "$(dirname "$0")/lib.sh"
SEED=$ROOT/tests/python/seed
MAP=$ROOT/tests/python/seed.map
PYCHECK="python3 $ROOT/tests/e2e/py_seed_check.py"
PY=/usr/bin/python3.11
ROUNDS=${PY_SEED_ROUNDS:-150}
TIMEOUT_RE="has not returned to Python in [0-9]+ ms"

python3 -m unittest discover -s "$ROOT/tests/e2e" -p test_py_seed_check.py >"$WORK/selftest.log" 2>&1 ||
  { cat "$WORK/selftest.log"; fail "py_seed_check's own test"; }

# The untraced runs traced ones must equal (the scenario is deterministic):
# iterations one after another, and concurrent (asyncio.gather).
"$PY" "$SEED/scenario.py" --ledger "$WORK/ref.json" --rounds "$ROUNDS" ||
  fail "the scenario fails untraced"
"$PY" "$SEED/scenario.py" --ledger "$WORK/ref-gather.json" --rounds "$ROUNDS" --gather ||
  fail "the scenario fails untraced (--gather)"

# Starts the scenario under PYTHON in DIR; sets SPID once it is ready to
# be attached to. By default its measured phase begins when it sees, from
# inside, that every bound function is wrapped (--go-when-wrapped).
start_scenario() { # dir python [scenario args...]
  local d=$1 py=$2; shift 2
  mkdir -p "$d"
  [ $# -gt 0 ] || set -- --go-when-wrapped
  "$py" "$SEED/scenario.py" --ledger "$d/ledger.json" --rounds "$ROUNDS" --ready "$d/ready" \
    --done "$d/done" --detached "$d/detached" --timeout 60 "$@" >"$d/scenario.log" 2>&1 &
  SPID=$!; bg "$SPID"
  wait_for "$d/ready" . 20 || { cat "$d/scenario.log"; fail "$d: the scenario did not start"; }
}

# The tracer on SPID with the seed's map, injected; sets TPID.
start_tracer() { # dir [tracer args...]
  local d=$1; shift
  "$TRACER" --pid "$SPID" --inject -P "$MAP" --no-top --otlp-file "$d/out.jsonl" "$@" >"$d/tracer.log" 2>&1 &
  TPID=$!; bg "$TPID"
}

# Waits for the measured phase to end (the scenario writes --done).
wait_done() { # dir
  wait_for "$1/done" . 300 || { cat "$1/scenario.log" "$1/tracer.log"; fail "$1: the measured phase did not end"; }
}

# The checker's verdict, the failed checks shortened (e2e shows a log's end).
show_check() { # check.log
  grep '^FAIL' "$1" | head -n 20 | cut -c1-500 || true
  tail -n 1 "$1"
}

wait_scenario() { # dir
  local rc=0
  wait "$SPID" || rc=$?
  [ "$rc" = 0 ] || { cat "$1/scenario.log"; fail "$1: the scenario exited with $rc"; }
}

# Attach, inject, run, detach (Ctrl-C), then the checks against the
# ledger and against the untraced run $REF.
REF=$WORK/ref.json
attached_run() { # name python [scenario args...]
  local name=$1 d=$WORK/$1 py=$2 rc=0; shift 2
  start_scenario "$d" "$py" "$@"
  start_tracer "$d"
  wait_done "$d"
  kill -INT "$TPID"
  wait "$TPID" || rc=$?
  [ "$rc" = 0 ] || { cat "$d/tracer.log"; fail "$name: the tracer exited with $rc"; }
  grep -q "dropped 0 (ring buffer full)" "$d/tracer.log" || { cat "$d/tracer.log"; fail "$name: records were dropped"; }
  touch "$d/detached"
  wait_scenario "$d"
  $PYCHECK --ledger "$d/ledger.json" --otlp "$d/out.jsonl" --same-as "$REF" \
    --require original_after_detach original_at_exit unchanged_after_detach --require-false original_at_go >"$d/check.log" 2>&1 ||
    { tail -n 12 "$d/tracer.log"; show_check "$d/check.log"; fail "$name: the export differs from the ledger"; }
  note "$name ($("$py" -c 'import sys; print(sys.version.split()[0])')): $(python3 -c '
import json, sys; d = json.load(open(sys.argv[1])); print(len(d["calls"]), "bound calls,", d["rounds"])' "$d/ledger.json"),
    $(tail -n 1 "$d/check.log"); the originals back after detach"
}

attached_run debian "$PY"
# The 3.11 under pyenv, and 3.12 and 3.13, where pyenv has them (the same
# scenario, seed and rounds do the same calls under every version).
for v in 11 12 13; do
  for py in "$HOME"/.pyenv/versions/3.$v.*/bin/python3.$v; do
    if [ -x "$py" ]; then attached_run "pyenv-3.$v" "$py"; break; fi
  done
done

# Agent iterations run concurrently (asyncio.gather): coroutines interleave
# on one thread, and each call's parent is still the call it was made in.
REF=$WORK/ref-gather.json attached_run gather "$PY" --gather --go-when-wrapped

# The tracer killed (SIGKILL) in the middle of the measured phase: no undo
# runs; its lease lapses and the wrappers pass calls through unharmed; the
# program ends as an untraced run does.
d=$WORK/killed
start_scenario "$d" "$PY" --go-when-wrapped --started "$d/started"
start_tracer "$d"
wait_for "$d/started" . 60 || { cat "$d/scenario.log" "$d/tracer.log"; fail "killed: no injection"; }
sleep 0.2
[ -e "$d/done" ] && note "killed: the measured phase ended before the kill (raise PY_SEED_ROUNDS)"
kill -KILL "$TPID"
wait "$TPID" 2>/dev/null || true
touch "$d/detached"
wait_scenario "$d"
$PYCHECK --ledger "$d/ledger.json" --same-as "$WORK/ref.json" >"$d/check.log" 2>&1 ||
  { show_check "$d/check.log"; fail "killed: the program did not run on as untraced after the tracer died"; }
note "killed: the tracer killed mid-run; $(tail -n 1 "$d/check.log") (same calls and results as untraced;
    $(python3 -c 'import json, sys; print(sum(not v for v in json.load(open(sys.argv[1]))["original_at_exit"].values()))' \
      "$d/ledger.json") functions still wrapped, passing calls through)"

# The main thread asleep in C (time.sleep) while the tracer injects. The
# tracer names the timeout and keeps trying: once the sleep ends the
# wrappers go in and the export equals the ledger ...
BLOCK=${PY_SEED_BLOCK_S:-5}
attached_run blocked "$PY" --block "$BLOCK" --go-when-wrapped
grep -qE "$TIMEOUT_RE" "$WORK/blocked/tracer.log" || { cat "$WORK/blocked/tracer.log"; fail "blocked: no timeout message"; }
note "blocked: '$(grep -oE "$TIMEOUT_RE" "$WORK/blocked/tracer.log" | head -n 1)', then injected"

# ... and a tracer that stops before the sleep ends leaves nothing behind:
# the queued call, defused, does nothing when the main thread gets to it;
# the program sleeps its full time and runs with its original functions.
d=$WORK/gave_up
start_scenario "$d" "$PY" --block $((BLOCK * 2)) --go "$d/go"
rc=0
"$TRACER" --pid "$SPID" --inject -P "$MAP" --no-top --otlp-file "$d/out.jsonl" --duration "$BLOCK" \
  >"$d/tracer.log" 2>&1 || rc=$?
grep -qE "$TIMEOUT_RE" "$d/tracer.log" || { cat "$d/tracer.log"; fail "gave_up: no timeout message (exit $rc)"; }
touch "$d/go" "$d/detached"
wait_scenario "$d"
$PYCHECK --ledger "$d/ledger.json" --same-as "$WORK/ref.json" \
  --require original_after_block original_at_go original_after_detach original_at_exit unchanged_after_detach >"$d/check.log" 2>&1 ||
  { show_check "$d/check.log"; fail "gave_up: the program changed"; }
python3 - "$d/ledger.json" $((BLOCK * 2)) <<'PY' || fail "gave_up: the sleep was cut short"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["blocked_s"] >= float(sys.argv[2]) - 0.01, d["blocked_s"]
PY
note "gave_up: tracer exit $rc; the program slept its $((BLOCK * 2)) s and kept its original functions"
echo "PASS: the seed's Python code traced by name, injected and undone, exactly as its ledger"
