#!/usr/bin/env bash
# Bad input, on purpose or by accident (issue 12): each is refused with one
# clear line and exit status 2 before anything is loaded or launched, and
# nothing a message echoes reaches the terminal raw.
source "$(dirname "$0")/lib.sh"

# expect STATUS PATTERN CMD...: exit STATUS, PATTERN (grep -E) in the
# output, and no probe attached (nothing loaded) unless STATUS is 0.
expect() {
  local want=$1 pat=$2; shift 2
  set +e; timeout -s KILL 20 "$@" >"$WORK/out" 2>&1; local rc=$?; set -e
  [ $rc -eq "$want" ] || { cat "$WORK/out"; fail "exit $rc, wanted $want: $*"; }
  grep -qE -- "$pat" "$WORK/out" || { cat "$WORK/out"; fail "no '$pat' from: $*"; }
  if [ "$want" -ne 0 ] && grep -q "probes attached" "$WORK/out"; then
    cat "$WORK/out"; fail "probes were attached before the refusal: $*"
  fi
  note "exit $rc: $(head -n 1 "$WORK/out" | cut -c1-150)"
}
# No byte of the output is a control byte (but newline) or outside ASCII.
clean_output() {
  if LC_ALL=C grep -qP '[^\x0a\x20-\x7e]' "$WORK/out"; then
    cat -v "$WORK/out"; fail "raw control or non-ASCII bytes in the output: $*"
  fi
}
run_demo=(-- "$DEMO" --ops 200)

# 1. Two bindings of one function: one counted 0 calls, the other 203
#    returns without entry and 203 abandoned frames.
printf 'span model_routing mcp_model_routing\nspan workflow_execution mcp_model_routing\n' >"$WORK/d.probes"
expect 2 "d.probes:2: 'mcp_model_routing' already bound at .*d.probes:1 \(model_routing\)" \
  "$TRACER" -P "$WORK/d.probes" --no-top "${run_demo[@]}"
printf 'point model_cache_hit usdt:mcp_demo:cache_hit\npoint model_cache_miss usdt:mcp_demo:cache_hit\n' >"$WORK/u.probes"
expect 2 "u.probes:2: 'usdt:mcp_demo:cache_hit' already bound at .*u.probes:1" \
  "$TRACER" -P "$WORK/u.probes" --no-top "${run_demo[@]}"

# 4. A USDT location at the very end of the file (the fuzzer's over-read).
printf 'point model_cache_hit usdt:x' >"$WORK/m.probes"
expect 2 "m.probes:1: bad USDT probe 'usdt:x'" "$TRACER" -P "$WORK/m.probes" --no-top "${run_demo[@]}"

# 6. A FIFO blocked open() for ever, deaf to SIGINT and SIGTERM.
mkfifo "$WORK/f"
t0=$SECONDS
expect 2 "f: not a regular file \(a FIFO\)" "$TRACER" -P "$WORK/f" --no-top "${run_demo[@]}"
[ $((SECONDS - t0)) -lt 5 ] || fail "the FIFO took $((SECONDS - t0)) s to refuse"
expect 2 "/dev/zero: not a regular file \(a character device\)" "$TRACER" -P /dev/zero --no-top "${run_demo[@]}"

# 10. Numbers that are not finite, or overflow a nanosecond deadline.
for v in inf 1e12 nan -1 0; do
  expect 2 "--duration: expected a number of seconds from 0.001 to 3.1536e\+07, got '$v'" \
    "$TRACER" -P "$PROBES" --no-top --duration "$v" "${run_demo[@]}"
  expect 2 "--interval: expected a number of seconds from 0.1 to 86400, got '$v'" \
    "$TRACER" -P "$PROBES" --no-top --interval "$v" "${run_demo[@]}"
done
expect 2 "--refresh: .* got 'nan'" "$TRACER" -P "$PROBES" --refresh nan "${run_demo[@]}"
expect 2 "--otlp-shutdown-timeout: .* got 'inf'" "$TRACER" -P "$PROBES" --otlp-shutdown-timeout inf "${run_demo[@]}"
expect 2 "--prometheus-linger: .* got '1e999'" "$TRACER" -P "$PROBES" --prometheus-linger 1e999 "${run_demo[@]}"
expect 2 "--ringbuf-size: .* got '18014398509481988K'" "$TRACER" -P "$PROBES" --ringbuf-size 18014398509481988K "${run_demo[@]}"
expect 2 "--otlp-queue: .* got '-1'" "$TRACER" -P "$PROBES" --otlp-queue -1 "${run_demo[@]}"

# 11. Ports: bad usage, said before BPF loads; 0 is a free port, reported.
for v in 99999 abc -1; do
  expect 2 "--prometheus: expected \[ADDR:\]PORT with PORT from 0 to 65535 .*got '$v'" \
    "$TRACER" -P "$PROBES" --no-top --prometheus "$v" "${run_demo[@]}"
done
expect 0 "prometheus: serving /metrics on port [1-9][0-9]*" \
  "$TRACER" -P "$PROBES" --no-top --no-summary --prometheus 127.0.0.1:0 "${run_demo[@]}"
expect 2 "--histogram: bound '' is not a finite number" "$TRACER" -P "$PROBES" --histogram explicit: "${run_demo[@]}"
expect 2 "--histogram: bound '1' is not above the one before it \(2\)" \
  "$TRACER" -P "$PROBES" --histogram explicit:2,1 "${run_demo[@]}"
expect 2 "--histogram: bound 'inf' is not a finite number" "$TRACER" -P "$PROBES" --histogram explicit:1,inf "${run_demo[@]}"

# 14. Misleading messages.
printf 'span model_routing mcp_model_routing\n  mcp.x = arg1\n\0span workflow_step g\n' >"$WORK/nul.probes"
expect 2 "nul.probes:3: NUL byte" "$TRACER" -P "$WORK/nul.probes" --no-top "${run_demo[@]}"
printf 'span model_routing mcp_model_routing\n  mcp.x = arg4[99999999999]\n' >"$WORK/off.probes"
expect 2 "off.probes:2: offset '99999999999' out of range \(-2147483648\.\.2147483647\)" \
  "$TRACER" -P "$WORK/off.probes" --no-top "${run_demo[@]}"
printf 'span model_routing mcp_model\x1b[2J\x1b]0;owned\x07\n' >"$WORK/esc.probes"
expect 2 "esc.probes:1: bad function name 'mcp_model\\\\x1b\[2J\\\\x1b\]0;owned\\\\x07'" \
  "$TRACER" -P "$WORK/esc.probes" --no-top "${run_demo[@]}"
clean_output "escape sequences in a probe map"
long=$(printf 'a%.0s' $(seq 1000))
printf 'span %s f\n' "$long" >"$WORK/long.probes"
expect 2 "long.probes:1: unknown operation 'a{40}'\.\.\. \(1000 bytes\)" \
  "$TRACER" -P "$WORK/long.probes" --no-top "${run_demo[@]}"
[ "$(wc -c <"$WORK/out")" -lt 400 ] || fail "a 1000-character name was echoed whole"
expect 2 "--top: expected nothing or 'text', got '\\\\x1b\[2J'" "$TRACER" -P "$PROBES" "--top=$(printf '\x1b[2J')" "${run_demo[@]}"
clean_output "an escape sequence in an option"
expect 2 "--pid: expected a process id \(1 to 4194304\), got 'a{40}'\.\.\. \(1000 bytes\)" "$TRACER" -P "$PROBES" --pid "$long"

# A byte-order mark (a Windows editor's) is skipped: the map traces as
# without one, counts exact against the demo's ledger.
printf '\xef\xbb\xbf' | cat - "$PROBES" >"$WORK/bom.probes"
trace_and_check bom "$WORK/bom.probes" --ops 2000

# Nothing launched was left behind by a refusal.
if pgrep -f "$DEMO --ops 200" >/dev/null; then fail "a launched target was left behind"; fi
