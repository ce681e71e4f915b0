#!/usr/bin/env bash
# Targets that exit while the tracer starts: gone before it looks (no such
# process), while it reads the executable or attaches (before the fix: a
# dozen "cannot attach ... No such file or directory" lines and "no probe
# could be attached", or a probe-map error, exit 2), or just after. Each
# run ends within seconds with one clear message and a documented status:
#   1  "pid N: no such process", "pid N: exited before it could be traced",
#      "pid N exited before its probes were attached: nothing was traced"
#   0  "probes attached", then "pid N exited".
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/progs/harm_lib.sh"

declare -A seen=()
# At least 60 runs, more (up to 240) until both races have happened: how
# fast the tracer starts depends on the machine's load.
raced() { [ -n "${seen[gone_while_attaching]:-}${seen[gone_at_open]:-}" ] && [ -n "${seen[gone_after]:-}" ]; }
runs=0
while [ $runs -lt 60 ] || { ! raced && [ $runs -lt 240 ]; }; do
  runs=$((runs + 1)); i=$runs
  ms=$(( (i * 7) % 40 )) # the target lives 1 ms + 0..39 ms,
  [ $((i % 4)) -eq 0 ] && ms=$(( 100 + (i * 13) % 400 )) # or up to half a second
  "$HARM" slow:$ms >/dev/null &
  hpid=$!
  # Past the shell's fork: the pid must be harm-target, not a copy of bash.
  until [[ /proc/$hpid/exe -ef $HARM ]] || ! kill -0 $hpid 2>/dev/null; do :; done
  rc=0
  timeout 30 "$TRACER" -P "$HARM_PROBES" --no-top --no-summary --pid $hpid >"$WORK/q.log" 2>&1 || rc=$?
  wait $hpid || fail "run $i: the target itself failed"
  sed "s/$hpid/N/g" "$WORK/q.log" >"$WORK/q.norm"
  case "$rc:$(tr '\n' '|' <"$WORK/q.norm")" in
    "1:mcp-bpftrace: pid N: no such process|") kind=gone_before ;;
    "1:mcp-bpftrace: pid N: exited before it could be traced|") kind=gone_at_open ;;
    "1:mcp-bpftrace: pid N exited before its probes were attached: nothing was traced|") kind=gone_while_attaching ;;
    "0:mcp-bpftrace: "*" probes attached "*"|mcp-bpftrace: pid N exited|") kind=gone_after ;;
    *) cat "$WORK/q.log" >&2; fail "run $i ($ms ms): exit status $rc with an unexpected message: $(head -c 300 "$WORK/q.log")" ;;
  esac
  seen[$kind]=$(( ${seen[$kind]:-0} + 1 ))
done
summary=$(for k in "${!seen[@]}"; do echo "$k ${seen[$k]}"; done | sort | tr '\n' ' ')
note "$runs targets exiting while the tracer starts: $summary"
# The races this test is about did happen.
raced || fail "in $runs runs, no target exited during setup, or none after attach: $summary"

# A launched command is held until attached: it cannot exit during attach,
# and its quick exit ends the trace with its own status.
for i in $(seq 1 10); do
  rc=0
  "$TRACER" -P "$HARM_PROBES" --no-top --no-summary -- "$HARM" quick exit:3 >"$WORK/c.log" 2>&1 || rc=$?
  [ $rc -eq 0 ] && grep -q "harm-target (pid [0-9]*) exited with status 3" "$WORK/c.log" ||
    { cat "$WORK/c.log"; fail "launched quick target: status $rc"; }
done
note "launched target exiting at once, 10 runs: exit 0, its status 3 reported"
