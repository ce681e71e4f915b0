#!/usr/bin/env bash
# --list shows what can be bound and proposes a probe map that loads.
source "$(dirname "$0")/lib.sh"
"$TRACER" --list -- "$DEMO" > "$WORK/list.probes" || fail "--list failed"
for op in agent_collaboration model_routing model_inference workflow_step plan_validation feedback_loop; do
  grep -qE "^span $op mcp_$op\$" "$WORK/list.probes" || fail "--list did not propose $op"
done
for op in model_cache_hit workflow_retry; do
  grep -qE "^point $op mcp_$op\$" "$WORK/list.probes" || fail "--list did not propose point $op"
done
grep -q "usdt:mcp_demo:cache_hit (semaphore)" "$WORK/list.probes" || fail "--list missed the USDT probes"
# The proposal is a valid probe map as it stands.
"$TRACER" -P "$WORK/list.probes" --no-summary -- "$DEMO" --ops 50 >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; fail "proposed map does not load"; }
# And for a running process, with runtime addresses (PIE bias applied).
"$DEMO" --wait-signal 2>/dev/null & dpid=$!; bg $dpid
sleep 0.3
"$TRACER" --list --pid $dpid > "$WORK/pid.list" || fail "--list --pid failed"
addr=$(awk '$2=="mcp_model_routing"{print $4}' "$WORK/pid.list")
start=$(awk -v exe="$(readlink /proc/$dpid/exe)" '$6==exe && $2 ~ /x/ {split($1,a,"-"); print a[1]; exit}' /proc/$dpid/maps)
python3 -c "import sys; a=int(sys.argv[1],16); s=int(sys.argv[2],16); assert a > s, (hex(a), hex(s))" "$addr" "$start" ||
  fail "runtime address $addr is not inside the mapped executable ($start)"
note "--list: proposals ok, runtime address $addr"

# ---- Objects: the work is often in libraries ----
# curl is a thin program over libcurl and libssl: --list -- curl names
# them with their counts (from its DT_NEEDED entries: nothing runs).
"$TRACER" --list -- curl >"$WORK/curl.list" || fail "--list -- curl failed"
for lib in libcurl.so.4 libssl.so.3 libcrypto.so.3; do
  n=$(awk -v l="$lib" '$1=="#" && $2==l {print $3}' "$WORK/curl.list")
  [ -n "$n" ] && [ "$n" -gt 50 ] || { cat "$WORK/curl.list"; fail "--list -- curl: $lib missing or without functions ($n)"; }
done
grep -q "curl itself has 0 functions" "$WORK/curl.list" || fail "no hint that curl's work is in its libraries"
"$TRACER" --list --object libssl.so.3 -- curl >"$WORK/ssl.list" || fail "--list --object libssl.so.3 failed"
grep -Eq '^#   SSL_read +0x' "$WORK/ssl.list" || fail "--object libssl.so.3 does not list SSL_read"
rc=0; "$TRACER" --list --object libnothere -- curl >/dev/null 2>"$WORK/obj.err" || rc=$?
[ $rc -eq 2 ] && grep -q "no such object" "$WORK/obj.err" || fail "--object of a missing object: status $rc, $(cat "$WORK/obj.err")"
note "--list -- curl: libcurl $(awk '$2=="libcurl.so.4"{print $3}' "$WORK/curl.list"), libssl $(awk '$2=="libssl.so.3"{print $3}' "$WORK/curl.list") functions"

# Debian's python3.11 (not a pyenv shim), running: its USDT probes (in
# the executable here, or in libpython where a build links it) and every
# library it has mapped, with runtime addresses inside the library's mapping.
/usr/bin/python3.11 -c 'import ssl, sys, time; sys.stdout.write("ready\n"); sys.stdout.flush(); time.sleep(30)' >"$WORK/py.out" &
ppid=$!; bg $ppid
wait_for "$WORK/py.out" ready 10 || fail "python3.11 did not start"
"$TRACER" --list --pid $ppid >"$WORK/py.list" || fail "--list --pid python3.11 failed"
grep -q "usdt:python:function__entry" "$WORK/py.list" || fail "python's USDT probes not listed"
usdt=$(awk '$1=="#" && ($2 ~ /^python3/ || $2 ~ /^libpython/) && $4 > 0 {print $2 ": " $4; exit}' "$WORK/py.list")
[ -n "$usdt" ] || fail "no object with USDT probes in the inventory"
grep -Eq '^#   libssl\.so\.3 +[0-9]+' "$WORK/py.list" || fail "libssl (loaded by import ssl) not in the inventory"
"$TRACER" --list --pid $ppid --object libc.so.6 >"$WORK/libc.list" || fail "--object libc.so.6 failed"
addr=$(awk '$2=="malloc"{print $4}' "$WORK/libc.list")
python3 - "$addr" $ppid <<'PY' || fail "malloc's runtime address is not in libc's mapping"
import sys
a, pid = int(sys.argv[1], 16), sys.argv[2]
for line in open(f"/proc/{pid}/maps"):
    f = line.split()
    if len(f) >= 6 and "libc.so" in f[5] and "x" in f[1]:
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        sys.exit(0 if lo <= a < hi else 1)
sys.exit(1)
PY
note "--list --pid python3.11: USDT in $usdt; malloc at $addr in libc"

# Proposals across objects: an agent whose operations live in its own
# library (outside the standard directories). The proposal names the
# library with `object PATH`, loads, and counts every call exactly.
mkdir -p "$WORK/agent"
cat >"$WORK/agent/ops.c" <<'C'
long agent_model_inference(long x) { return x * 3 + 1; }
long agent_workflow_step(long x) { return x ^ 5; }
C
cat >"$WORK/agent/main.c" <<'C'
long agent_model_inference(long);
long agent_workflow_step(long);
int main(void) { long s = 0; for (long i = 0; i < 700; i++) s += agent_model_inference(i); for (long i = 0; i < 300; i++) s += agent_workflow_step(i); return s == 0; }
C
cc -O1 -fPIC -shared -o "$WORK/agent/libagentops.so" "$WORK/agent/ops.c" || fail "cc lib"
cc -O1 -o "$WORK/agent/agent" "$WORK/agent/main.c" -L"$WORK/agent" -lagentops -Wl,-rpath,'$ORIGIN' || fail "cc agent"
"$TRACER" --list -- "$WORK/agent/agent" >"$WORK/agent.probes" || fail "--list agent failed"
grep -qx "object $WORK/agent/libagentops.so" "$WORK/agent.probes" || { cat "$WORK/agent.probes"; fail "no object line for the library"; }
grep -qx "span model_inference agent_model_inference" "$WORK/agent.probes" || fail "agent_model_inference not proposed"
grep -qx "span workflow_step agent_workflow_step" "$WORK/agent.probes" || fail "agent_workflow_step not proposed"
"$TRACER" -P "$WORK/agent.probes" --no-top -- "$WORK/agent/agent" >"$WORK/agent.log" 2>&1 || { cat "$WORK/agent.log"; fail "proposed map does not trace"; }
grep -Eq "^model_inference +agent_model_inference +700 " "$WORK/agent.log" || { cat "$WORK/agent.log"; fail "model_inference: not 700 calls"; }
grep -Eq "^workflow_step +agent_workflow_step +300 " "$WORK/agent.log" || { cat "$WORK/agent.log"; fail "workflow_step: not 300 calls"; }
note "--list proposes bindings in a library (object $WORK/agent/libagentops.so): 700 + 300 calls traced"
