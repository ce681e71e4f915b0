#!/usr/bin/env bash
# Python functions bound by name (README, "Python functions (--inject)"):
# tests/python/funcs/funcs_app.py, an unmodified CPython program, traced
# with tests/python/funcs/funcs.map. The export must equal the ledger the
# program writes (spans, parents, error types, attributes, point events, an
# LLM call over HTTPS as the child of the bound method that made it):
#  1. --pid: attached while it runs; after detach the program finds its
#     original functions, no module of ours and no descriptor left open;
#  2. -- COMMAND: started by the tracer, wrapped once the interpreter is up;
#  3. kill -9 of the tracer: the wrappers stop writing markers (write()
#     syscalls counted from inside, /proc/self/io) while the program runs on;
#  4. python: bindings without --inject are refused (exit 2), --list says
#     whether the target can take the wrappers.
# The runs keep to the sources under test (--sources python[,tls]).
source "$(dirname "$0")/lib.sh"
F=$ROOT/tests/python/funcs
MAP=$F/funcs.map
CHECK_F="python3 $F/funcs_check.py"

# wait_path PATH SECONDS
wait_path() {
  local end=$((SECONDS + $2))
  until [ -e "$1" ]; do [ $SECONDS -ge "$end" ] && return 1; sleep 0.05; done
}

# An HTTPS mock of the LLM APIs, when node is there (tests/llm).
LLM_ARG=()
if command -v node >/dev/null && [ -d "$ROOT/tests/llm/node_modules" ]; then
  "$ROOT/tests/llm/make_cert.sh" "$WORK" >/dev/null 2>&1
  node "$ROOT/tests/llm/mock.js" --cert "$WORK/cert.pem" --key "$WORK/key.pem" --port-file "$WORK/port" \
    2>"$WORK/mock.err" &
  bg $!
  wait_path "$WORK/port" 10 && [ -s "$WORK/port" ] || { cat "$WORK/mock.err"; fail "the LLM mock did not start"; }
  sleep 0.1
  LLM_ARG=(--llm "127.0.0.1:$(cat "$WORK/port"):$WORK/cert.pem")
else
  note "no node or tests/llm/node_modules: the LLM-under-a-Python-span check is skipped"
fi

# --- 4. refused without --inject, before anything starts --------------------
set +e
"$TRACER" -P "$MAP" --no-top -- /bin/true >"$WORK/noinj.out" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || { cat "$WORK/noinj.out"; fail "python: bindings without --inject: exit $rc, not 2"; }
grep -q -- "--inject" "$WORK/noinj.out" || { cat "$WORK/noinj.out"; fail "the refusal does not name --inject"; }

# --- 1. --pid ----------------------------------------------------------------
D=$WORK/pid; mkdir -p "$D"
python3 "$F/funcs_app.py" --dir "$D" --mode pid --iterations 40 "${LLM_ARG[@]}" >"$D/app.log" 2>&1 &
app=$!; bg $app
wait_path "$D/ready" 20 || fail "pid: the program did not start"
"$TRACER" -P "$MAP" --inject --sources python,tls --pid $app --no-top --otlp-file "$D/out.jsonl" >"$D/tr.out" 2>"$D/tr.err" &
tr=$!
wait_path "$D/done" 120 || { cat "$D/tr.err" "$D/app.log"; fail "pid: the program never finished its calls"; }
kill -INT $tr
wait $tr || { cat "$D/tr.err"; fail "pid: tracer exited with $?"; }
touch "$D/detached"
wait $app || { cat "$D/app.log"; fail "pid: the program failed after detach"; }
grep -q "dropped 0 (ring buffer full)" "$D/tr.out" || { cat "$D/tr.out"; fail "pid: records dropped"; }
! grep -q "capture errors" "$D/tr.out" || { cat "$D/tr.out"; fail "pid: capture errors"; }
$CHECK_F --ledger "$D/ledger.json" --otlp "$D/out.jsonl" >"$D/check" 2>&1 ||
  { cat "$D/check"; fail "pid: export differs from the ledger"; }
note "pid: $(tail -n 1 "$D/check")"
if [ ${#LLM_ARG[@]} -gt 0 ]; then
  python3 - "$D/ledger.json" <<'EOF' || fail "pid: the ledger has no LLM call under a Python span"
import json, sys
sys.exit(0 if any(e["op"] == "llm" and e["parent"] == "model_routing" for e in json.load(open(sys.argv[1]))) else 1)
EOF
fi
undo=$(cat "$D/undo.json")
[ "$undo" = '{"originals": true, "module_gone": true, "fds_same": true, "main_clean": true}' ] ||
  fail "pid: after detach, from inside: $undo"
note "pid: after detach the program has its originals back, nothing of ours left ($undo)"

# --- 2. -- COMMAND -----------------------------------------------------------
D=$WORK/cmd; mkdir -p "$D"
"$TRACER" -P "$MAP" --inject --sources python --no-top --otlp-file "$D/out.jsonl" -- \
  python3 "$F/funcs_app.py" --dir "$D" --mode cmd --iterations 20 >"$D/tr.out" 2>"$D/tr.err" ||
  { cat "$D/tr.err"; fail "cmd: tracer exited with $?"; }
[ -e "$D/done" ] || { cat "$D/tr.err"; fail "cmd: the program did not finish"; }
$CHECK_F --ledger "$D/ledger.json" --otlp "$D/out.jsonl" >"$D/check" 2>&1 ||
  { cat "$D/check"; fail "cmd: export differs from the ledger"; }
note "cmd: $(tail -n 1 "$D/check")"

# A function of the script itself, under -- COMMAND: injected as the
# interpreter starts (inside its imports: the script waits for them to end),
# every call made once wrapped is exported.
printf 'span workflow_step python:__main__:work\n    mcp.step_index = param n as int\n' >"$WORK/main.map"
"$TRACER" -P "$WORK/main.map" --inject --sources python --no-top --otlp-file "$WORK/main.jsonl" -- \
  python3 "$F/main_funcs.py" "$WORK/main.count" >"$WORK/main.out" 2>"$WORK/main.err" ||
  { cat "$WORK/main.err"; fail "cmd __main__: tracer exited with $?"; }
n=$(grep -o '"name":"workflow_step_[^"]*"' "$WORK/main.jsonl" | wc -l)
[ -s "$WORK/main.count" ] && [ "$n" -eq "$(cat "$WORK/main.count")" ] && [ "$n" -eq 200 ] ||
  { cat "$WORK/main.err"; fail "cmd __main__: $n spans exported, $(cat "$WORK/main.count" 2>/dev/null) calls wrapped"; }
note "cmd __main__: $n calls made once wrapped, $n spans"

# --- 3. kill -9: the wrappers turn into pass-throughs -------------------------
D=$WORK/kill; mkdir -p "$D"
python3 "$F/funcs_app.py" --dir "$D" --mode kill >"$D/app.log" 2>&1 &
app=$!; bg $app
wait_path "$D/ready" 20 || fail "kill: the program did not start"
"$TRACER" -P "$MAP" --inject --sources python --pid $app --no-top >"$D/tr.out" 2>"$D/tr.err" &
tr=$!
wait_path "$D/done" 60 || { cat "$D/tr.err" "$D/app.log"; fail "kill: the program never got its wrappers"; }
kill -9 $tr
wait $tr 2>/dev/null || true
touch "$D/killed"
wait_path "$D/kill.json" 60 || { cat "$D/app.log"; fail "kill: no result from the program"; }
wait $app || { cat "$D/app.log"; fail "kill: the program failed after the tracer's death"; }
python3 - "$D/kill.json" <<'EOF' || fail "kill: $(cat "$D/kill.json")"
import json, sys
k = json.load(open(sys.argv[1]))
# Traced: 2 markers (entry, return) per call of the 200, 2 more for the
# nested iterate. Dead: none over 2000 calls, still wrapped, still right.
assert k["live_writes"] >= 4 * 200, k
assert k["dead_writes"] == 0, k
assert k["calls_ok"] and k["still_wrapped"], k
EOF
note "kill -9: $(cat "$D/kill.json")"

# --- 4. --list ----------------------------------------------------------------
sleep 30 &
sl=$!; bg $sl
python3 -c 'import time; time.sleep(30)' &
py=$!; bg $py
# (python3 may be a pyenv shim: a shell that execs the interpreter later)
for _ in $(seq 100); do [[ $(readlink /proc/$py/exe) == *python* ]] && break; sleep 0.05; done
"$TRACER" --list --pid $py >"$WORK/list_py.out" 2>&1 || { cat "$WORK/list_py.out"; fail "--list of a python failed"; }
grep -q "python .*injectable" "$WORK/list_py.out" || { grep -n python "$WORK/list_py.out"; fail "--list: python not said injectable"; }
"$TRACER" --list --pid $sl >"$WORK/list_sl.out" 2>&1 || true
grep -q "python " "$WORK/list_sl.out" && ! grep -q "python .*injectable (" "$WORK/list_sl.out" ||
  { grep -n python "$WORK/list_sl.out"; fail "--list: sleep said injectable"; }
note "--list: $(grep -m1 '^#   python  ' "$WORK/list_py.out")"
echo "PASS: python functions by name (pid, command, kill -9, refusal, --list)"
