#!/usr/bin/env bash
# Issue 19 item 4: Node.js functions bound by name in a running node
# (tests/node/main.js, its methods named in tests/node/agents.probes), the
# wrappers injected through the inspector SIGUSR1 opens (--pid --inject).
#  1. export == ledger: every call made through a wrapper (sync, async, a
#     sync one inside another as its child, thrown and rejected) is one span
#     with its attributes and error type;
#     the checker fails on a ledger one call short; the same for a node in
#     a network namespace of its own (as in a container);
#  2. detach: the program sees its original methods again and calls go on
#     through them; the inspector port is closed; a binding whose module is
#     not loaded is told, not loaded by the tracer;
#  3. tracer killed (-9): the lease ends, the originals come back; killed
#     inside the window (port open): the port is closed all the same;
#  4. refused before any signal: a program with its own SIGUSR1 handler (it
#     never runs), a node started with --inspect, no --inject, a command the
#     tracer would start; --list says which nodes can take the wrappers.
source "$(dirname "$0")/lib.sh"
NODE_DIR=$ROOT/tests/node
MAP=$NODE_DIR/agents.probes
NCHECK="python3 $ROOT/tests/e2e/node_functions_check.py"
command -v node >/dev/null || fail "node is not installed (tools/install-deps.sh)"

# Starts main.js (cwd tests/node: the map's ./agents.js is relative to it);
# sets NPID once it loops.
start_main() { # dir [wrapped iterations]
  local d=$1; mkdir -p "$d"
  (cd "$NODE_DIR" && exec node main.js "$d/ledger.json" ${2:-}) >"$d/out" 2>"$d/err" &
  NPID=$!; bg "$NPID"
  wait_for "$d/out" '^ready' 10 || { cat "$d/err"; fail "$d: main.js did not start"; }
}
# The TCP ports pid listens on (the inspector's would show here).
listening() { ss -Hltnp 2>/dev/null | grep -c "pid=$1," || true; }
ledger() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }

# 1. The export equals the ledger.
d=$WORK/exact
start_main "$d" 300
"$TRACER" -v -P "$MAP" --inject --pid "$NPID" -o "$d/out.jsonl" >"$d/tracer.log" 2>&1 ||
  { grep -v '^libbpf' "$d/tracer.log" | tail -20; fail "exact: the tracer exited with $?"; }
wait "$NPID" || fail "exact: main.js exited with $?"
grep -q "dropped 0 (ring buffer full)" "$d/tracer.log" || { tail "$d/tracer.log"; fail "exact: records dropped"; }
[ "$(ledger "$d/ledger.json" wrapped_iterations)" = 300 ] || fail "exact: main.js made $(ledger "$d/ledger.json" wrapped_iterations) wrapped iterations, not 300"
$NCHECK --ledger "$d/ledger.json" --otlp "$d/out.jsonl" >"$d/check" 2>&1 || { cat "$d/check"; fail "exact: export differs from the ledger"; }
note "exact: $(tail -n 1 "$d/check")"
python3 - "$d/ledger.json" "$d/short.json" <<'PY'
import json, sys
l = json.load(open(sys.argv[1])); l["calls"].pop(); json.dump(l, open(sys.argv[2], "w"))
PY
if $NCHECK --ledger "$d/short.json" --otlp "$d/out.jsonl" >/dev/null 2>&1; then
  fail "exact: the checker passed a ledger one call short"
fi
window=$(grep -oE "inspector port [0-9]+ open [0-9.]+ ms.*" "$d/tracer.log") || fail "exact: no inspector timing in the log"
note "exact: $window"
# What the program printed: its own line, and node's inspector lines on
# stderr (a visible change node makes, README says so); nothing else.
[ "$(cat "$d/out")" = ready ] || fail "exact: main.js's stdout changed: $(head -3 "$d/out")"
grep -q '^Debugger listening on ws://127.0.0.1:' "$d/err" || fail "exact: no inspector line on the target's stderr"
if grep -vE '^(Debugger listening on ws://|For help, see: https://nodejs.org/en/docs/inspector|Debugger attached\.|Debugger ending on ws://)' "$d/err"; then
  fail "exact: the target's stderr has more than node's inspector lines"
fi

# 1b. A node in a network namespace of its own (as in a container): its
# inspector and the lease are on its own loopback, reached from sockets
# made in that namespace.
d=$WORK/netns; mkdir -p "$d"
(cd "$NODE_DIR" && exec unshare -n sh -c 'ip link set lo up && exec node main.js "$1" 200' sh "$d/ledger.json") \
  >"$d/out" 2>"$d/err" &
wait_for "$d/out" '^ready' 10 || { cat "$d/err"; fail "netns: main.js did not start"; }
NPID=$(pgrep -n -f "node main.js $d/ledger.json") || fail "netns: no node process"
bg "$NPID"
[ "$(readlink "/proc/$NPID/ns/net")" != "$(readlink /proc/self/ns/net)" ] || fail "netns: node shares our network namespace"
"$TRACER" -P "$MAP" --inject --pid "$NPID" -o "$d/out.jsonl" >"$d/tracer.log" 2>&1 ||
  { grep -v '^libbpf' "$d/tracer.log" | tail -20; fail "netns: the tracer exited with $?"; }
$NCHECK --ledger "$d/ledger.json" --otlp "$d/out.jsonl" >"$d/check" 2>&1 || { cat "$d/check"; fail "netns: export differs from the ledger"; }
note "netns: $(tail -n 1 "$d/check")"

# 2. Detach: the originals again, seen from inside; the port closed; a
# binding whose module the program never loaded is told and left alone.
d=$WORK/detach
start_main "$d"
cp "$MAP" "$d/map"
printf 'span workflow_step node:./planner.js:Planner.prototype.step\n' >>"$d/map"
"$TRACER" --list -P "$d/map" --pid "$NPID" >"$d/list" 2>&1 || fail "detach: --list failed"
grep -qE '^#   node +the probe map.*: injectable' "$d/list" || { grep -E '^#   (node|python) ' "$d/list"; fail "detach: --list does not say the node is injectable"; }
before=$(listening "$NPID")
"$TRACER" -P "$d/map" --inject --pid "$NPID" -d 1 -o "$d/out.jsonl" >"$d/tracer.log" 2>&1 ||
  { grep -v '^libbpf' "$d/tracer.log" | tail -20; fail "detach: the tracer exited with $?"; }
grep -q "not bound node:./planner.js:Planner.prototype.step: not loaded" "$d/tracer.log" ||
  { grep -v '^libbpf' "$d/tracer.log" | tail; fail "detach: the module not loaded was not told"; }
[ "$(listening "$NPID")" = "$before" ] || fail "detach: process $NPID listens on a port more than before (the inspector?)"
sleep 0.5
kill -TERM "$NPID"; wait "$NPID" || fail "detach: main.js exited with $?"
[ "$(ledger "$d/ledger.json" wrapped_at_ms)" != None ] || fail "detach: no call went through a wrapper"
[ "$(ledger "$d/ledger.json" restored_at_ms)" != None ] || fail "detach: the originals did not come back"
n=$(ledger "$d/ledger.json" original_calls_after_restore)
[ "$n" -gt 0 ] || fail "detach: no call through the originals after detach"
note "detach: wrapped at $(ledger "$d/ledger.json" wrapped_at_ms) ms, originals back at $(ledger "$d/ledger.json" restored_at_ms) ms, $n calls through them after"

# 3. The tracer killed: the kernel closes its end of the lease.
d=$WORK/kill
start_main "$d"
"$TRACER" -P "$MAP" --inject --pid "$NPID" -o "$d/out.jsonl" >"$d/tracer.log" 2>&1 &
tpid=$!
wait_for "$d/tracer.log" "probes attached" 20 || { tail "$d/tracer.log"; fail "kill: the tracer did not attach"; }
sleep 0.3
kill -KILL "$tpid"; wait "$tpid" 2>/dev/null || true
sleep 0.5
kill -0 "$NPID" || fail "kill: main.js died with the tracer"
kill -TERM "$NPID"; wait "$NPID" || fail "kill: main.js exited with $?"
[ "$(ledger "$d/ledger.json" wrapped_at_ms)" != None ] || fail "kill: no call went through a wrapper"
[ "$(ledger "$d/ledger.json" restored_at_ms)" != None ] || fail "kill: the originals did not come back after the tracer died"
note "kill -9: originals back at $(ledger "$d/ledger.json" restored_at_ms) ms, $(ledger "$d/ledger.json" original_calls_after_restore) calls through them after"

# 3b. The tracer killed inside the window (the inspector's line is on the
# target's stderr, the port open): the injecting child closes the port all
# the same, and the lease ends with it.
d=$WORK/kill-window
start_main "$d"
"$TRACER" -P "$MAP" --inject --pid "$NPID" >"$d/tracer.log" 2>&1 &
tpid=$!
wait_for "$d/err" "Debugger listening" 20 || { tail "$d/tracer.log"; fail "kill-window: no inspector opened"; }
kill -KILL "$tpid"; wait "$tpid" 2>/dev/null || true
for _ in $(seq 100); do [ "$(listening "$NPID")" = 0 ] && break; sleep 0.05; done
[ "$(listening "$NPID")" = 0 ] || fail "kill-window: the inspector port is still open 5 s after the tracer died in the window"
sleep 0.5
kill -TERM "$NPID"; wait "$NPID" || fail "kill-window: main.js exited with $?"
if [ "$(ledger "$d/ledger.json" wrapped_at_ms)" != None ]; then
  [ "$(ledger "$d/ledger.json" restored_at_ms)" != None ] || fail "kill-window: wrapped, and the originals did not come back"
fi
note "kill -9 in the window: port closed, wrapped at $(ledger "$d/ledger.json" wrapped_at_ms) ms, originals back at $(ledger "$d/ledger.json" restored_at_ms) ms"

# 4. Refusals, before any signal is sent.
d=$WORK/refuse; mkdir -p "$d"
node -e "process.on('SIGUSR1', () => console.log('own handler ran')); console.log('ready'); setInterval(() => {}, 50)" \
  >"$d/own.out" 2>&1 &
own=$!; bg "$own"
wait_for "$d/own.out" '^ready' 10 || fail "refuse: the SIGUSR1 program did not start"
rc=0; "$TRACER" -P "$MAP" --inject --pid "$own" -d 1 >"$d/own.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || { tail "$d/own.log"; fail "refuse: own SIGUSR1 handler: exit $rc, not 1"; }
grep -q "handles SIGUSR1 itself.*process.on('SIGUSR1')" "$d/own.log" || { tail "$d/own.log"; fail "refuse: own handler: no reason given"; }
"$TRACER" --list -P "$MAP" --pid "$own" >"$d/own.list" 2>&1 || fail "refuse: --list failed"
grep -qE "^#   node .*handles SIGUSR1 itself" "$d/own.list" || { grep -E '^#   node ' "$d/own.list"; fail "refuse: --list does not say why"; }
sleep 0.2
if grep -q "own handler ran" "$d/own.out"; then fail "refuse: the program's SIGUSR1 handler ran: a signal was sent"; fi
kill "$own"
node --inspect=127.0.0.1:0 -e "console.log('ready'); setInterval(() => {}, 50)" >"$d/insp.out" 2>&1 &
insp=$!; bg "$insp"
wait_for "$d/insp.out" '^ready' 10 || fail "refuse: the --inspect program did not start"
rc=0; "$TRACER" -P "$MAP" --inject --pid "$insp" -d 1 >"$d/insp.log" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "started with --inspect" "$d/insp.log" || { tail "$d/insp.log"; fail "refuse: --inspect: exit $rc"; }
kill "$insp"
rc=0; "$TRACER" -P "$MAP" --pid $$ >"$d/noinj.log" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "needs --inject" "$d/noinj.log" || { cat "$d/noinj.log"; fail "refuse: no --inject: exit $rc"; }
rc=0; (cd "$NODE_DIR" && "$TRACER" -P "$MAP" --inject -d 1 -- node main.js "$d/l.json") >"$d/launch.log" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "need a running node (--pid PID)" "$d/launch.log" || { tail "$d/launch.log"; fail "refuse: a launched command: exit $rc"; }
note "refused: own SIGUSR1 handler, --inspect, no --inject, a launched command"
