#!/usr/bin/env bash
# --mcp-capture: which way each traced process's reads and writes are
# captured, and that every way gives the ledgers exactly.
#   - auto (the default): a statically linked MCP pair (tests/progs/
#     static_mcp.c: no libc.so to probe) and a Python pair on glibc run at
#     the same time under one tracer: the static pair through the syscall
#     tracepoints, attached while it runs and detached after, the Python
#     pair through libc probes, each exported exactly once (both ways on at
#     once must not count a call twice);
#   - libc: the static pair is said not to be captured and shows nowhere
#     in the export; the Python pair still equals its ledger;
#   - a child forked by a traced process is probed before it runs: the
#     Python server's first read (initialize) is in every export;
#   - bad usage: libc with --all, an unknown mode.
source "$(dirname "$0")/lib.sh"
MCP=$ROOT/tests/mcp
CHECK_MCP="python3 $MCP/check_mcp_ledger.py"
cc -O2 -static -o "$WORK/static-mcp" "$ROOT/tests/progs/static_mcp.c" || fail "cannot build static_mcp.c with -static"
file "$WORK/static-mcp" | grep -q "statically linked" || fail "static-mcp is not statically linked"

# run MODE: both pairs at once under one tracer with --mcp-capture=MODE.
run() {
  local m=$1
  "$TRACER" -v --no-top --mcp-capture="$m" --otlp-file "$WORK/$m.jsonl" -- sh -c \
    "'$WORK/static-mcp' '$WORK/$m.static.ledger' 40 & python3 '$MCP/py_client.py' --ledger '$WORK/$m.py.ledger' --calls 10; wait" \
    >"$WORK/$m.out" 2>"$WORK/$m.err" || { tail -n 20 "$WORK/$m.err"; fail "$m: tracer exited with $?"; }
  grep -q "dropped 0 (ring buffer full)" "$WORK/$m.out" || { cat "$WORK/$m.out"; fail "$m: records dropped"; }
  $CHECK_MCP --ledger "$WORK/$m.py.ledger" --otlp "$WORK/$m.jsonl" >"$WORK/$m.py.check" 2>&1 ||
    { tail -n 20 "$WORK/$m.py.check"; fail "$m: the Python pair's export differs from its ledger"; }
}

run auto
grep -aq "(static-mcp): syscall capture: a static binary" "$WORK/auto.err" ||
  { grep -a "mcp:" "$WORK/auto.err"; fail "auto: the static client was not given the syscall capture"; }
grep -aq "syscall tracepoints attached" "$WORK/auto.err" || fail "auto: the tracepoints were never attached"
grep -aq "syscall tracepoints detached" "$WORK/auto.err" || fail "auto: the tracepoints stayed after the static pair ended"
# auto loads the syscall programs only when a process needs them (start-up).
[ "$(grep -ac "mcp: syscall programs loaded in" "$WORK/auto.err")" = 1 ] ||
  fail "auto: the syscall programs were not loaded once, on first need: $(grep -a "syscall programs" "$WORK/auto.err")"
grep -aqE "\(python3[^)]*\): libc capture" "$WORK/auto.err" || fail "auto: python was not captured with libc"
$CHECK_MCP --ledger "$WORK/auto.static.ledger" --otlp "$WORK/auto.jsonl" >"$WORK/auto.static.check" 2>&1 ||
  { tail -n 20 "$WORK/auto.static.check"; fail "auto: the static pair's export differs from its ledger"; }
note "auto: static pair on the tracepoints $(tail -n 1 "$WORK/auto.static.check"), python on libc $(tail -n 1 "$WORK/auto.py.check")"

run libc
grep -aq "(static-mcp): its reads and writes are not captured (--mcp-capture=libc): a static binary" "$WORK/libc.err" ||
  { grep -a "mcp:" "$WORK/libc.err"; fail "libc: no word that the static client is not captured"; }
grep -aq "syscall tracepoints attached" "$WORK/libc.err" && fail "libc: the tracepoints were attached"
# (its processes are traced: their exec spans are there, no MCP span)
python3 - "$WORK/libc.static.ledger" "$WORK/libc.jsonl" >"$WORK/libc.static.check" <<'EOF' ||
import json, sys
led = json.load(open(sys.argv[1]))
pids = {led["client_pid"], led["server_pid"]}
n = 0
for line in open(sys.argv[2]):
    for rs in json.loads(line).get("resourceSpans", []):
        attrs = {a["key"]: a["value"] for a in rs["resource"].get("attributes", [])}
        if int(attrs.get("process.pid", {}).get("intValue", 0)) not in pids:
            continue
        for ss in rs["scopeSpans"]:
            n += sum(any(a["key"] == "mcp.method.name" for a in s.get("attributes", [])) for s in ss["spans"])
print(f"{n} MCP spans of the static pair")
sys.exit(n != 0)
EOF
  { cat "$WORK/libc.static.check"; fail "libc: the static pair shows in the export"; }
note "libc: static pair not captured and said so, python $(tail -n 1 "$WORK/libc.py.check")"

# Held at fork and exec: every process the tracer probed was continued.
held=$(grep -ac " held .* at \(fork\|exec\)" "$WORK/auto.err" || true)
[ "$held" -gt 0 ] || fail "auto: no process was held at fork or exec"
grep -aq "processes held at fork or exec until probed" "$WORK/auto.err" || fail "auto: no hold summary"
note "auto: $held holds, $(grep -ao '[0-9.]* ms on average' "$WORK/auto.err")"

# Bad usage is said and exits 2.
set +e
"$TRACER" --all --mcp-capture=libc --no-top -d 0.1 >"$WORK/bad1.out" 2>&1; rc1=$?
"$TRACER" --mcp-capture=ebpf --no-top -- true >"$WORK/bad2.out" 2>&1; rc2=$?
set -e
[ $rc1 -eq 2 ] && grep -q "mcp-capture=libc probes each process by its pid" "$WORK/bad1.out" ||
  { cat "$WORK/bad1.out"; fail "--all --mcp-capture=libc: exit $rc1, expected 2 and why"; }
[ $rc2 -eq 2 ] && grep -q "expected auto, libc or syscalls" "$WORK/bad2.out" ||
  { cat "$WORK/bad2.out"; fail "--mcp-capture=ebpf: exit $rc2, expected 2 and what is accepted"; }
note "bad usage: libc with --all, an unknown mode"

# A tracer killed (SIGKILL) while a process waits for it at exec leaves it
# stopped no more: the tracer is stopped first (it cannot continue anyone),
# the shell's child is held at its exec, the tracer is killed, and its
# watchdog continues the child; the shell then ends its script. The shell's
# first child (sleep) may already be held when the tracer is stopped (the
# stop races its exec), or the second (/bin/true) is: either will do.
"$TRACER" --no-top -- sh -c "sleep 1; /bin/true; echo done > '$WORK/wd.done'" >"$WORK/wd.log" 2>&1 &
tpid=$!; bg $tpid
wait_for "$WORK/wd.log" "probes attached" 20 || { cat "$WORK/wd.log"; fail "watchdog: tracer did not attach"; }
kill -STOP $tpid
held=
for _ in $(seq 100); do
  held=$(ps -eo pid=,stat=,args= | awk '$2 ~ /^T/ && ($3 == "/bin/true" || ($3 == "sleep" && $4 == "1")) {print $1}')
  [ -n "$held" ] && break
  sleep 0.05
done
[ -n "$held" ] || { kill -9 $tpid; fail "watchdog: neither sleep nor /bin/true was held at its exec"; }
kill -9 $tpid
wait_for "$WORK/wd.done" done 10 || fail "watchdog: the held process (pid $held) stayed stopped after the tracer was killed"
note "watchdog: a process held when the tracer was killed went on"
