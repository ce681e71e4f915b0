#!/usr/bin/env bash
# What a user gets wrong gets one clear line and a clean exit.
source "$(dirname "$0")/lib.sh"
expect() { # want-status want-pattern cmd...
  local want=$1 pat=$2; shift 2
  set +e; "$@" >"$WORK/out" 2>&1; local rc=$?; set -e
  [ $rc -eq "$want" ] || { cat "$WORK/out"; fail "exit $rc, wanted $want: $*"; }
  grep -qE "$pat" "$WORK/out" || { cat "$WORK/out"; fail "no '$pat' from: $*"; }
  note "exit $rc: $(head -n 1 "$WORK/out")"
}
printf 'span model_routing mcp_model_routing\n    mcp.model_type = arg9 as str\n' > "$WORK/bad.probes"
expect 2 "bad.probes:2: .*arg" "$TRACER" -P "$WORK/bad.probes" -- "$DEMO" --ops 10
printf 'span model_routin mcp_model_routing\n' > "$WORK/unknown.probes"
expect 2 "unknown.probes:1: unknown operation 'model_routin'" "$TRACER" -P "$WORK/unknown.probes" -- "$DEMO" --ops 10
printf 'span model_routing no_such_function\n    fail if ret < 0\n' > "$WORK/missing.probes"
expect 2 "missing.probes:1: function 'no_such_function' not found" "$TRACER" -P "$WORK/missing.probes" -- "$DEMO" --ops 10
printf 'point model_cache_hit usdt:mcp_demo:nope\n' > "$WORK/nousdt.probes"
expect 2 "nousdt.probes:1: USDT probe mcp_demo:nope not found" "$TRACER" -P "$WORK/nousdt.probes" -- "$DEMO" --ops 10
expect 2 "cannot read" "$TRACER" -P "$WORK/does-not-exist.probes" -- "$DEMO" --ops 10
expect 1 "pid 999999: no such process" "$TRACER" -P "$PROBES" --pid 999999
expect 1 "command not found" "$TRACER" -P "$PROBES" -- /nonexistent/cmd
expect 2 "no target" "$TRACER" -P "$PROBES"
expect 2 "expected a process id" "$TRACER" -P "$PROBES" --pid abc
expect 2 "power of two" "$TRACER" -P "$PROBES" --ringbuf-size 3000 -- "$DEMO"
expect 0 "Usage: mcp-bpftrace" "$TRACER" --help
# A failed start leaves no process behind (the launched child waits at the
# door and must be reaped, not leaked).
if pgrep -f "$DEMO --ops 10" >/dev/null; then fail "a launched target was left behind"; fi
