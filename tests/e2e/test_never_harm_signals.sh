#!/usr/bin/env bash
# A command launched with `-- COMMAND` starts as it would from a shell:
# every signal at its default disposition, none blocked, no descriptor of
# the tracer's. The tracer ignores SIGPIPE for itself; before the fix the
# command inherited that through exec, and `yes | head -1` ended with
# status 1 (EPIPE) instead of 141 (killed by SIGPIPE).
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/progs/harm_lib.sh"

# Ground truth 1: a pipeline's exit statuses, as bash reports them.
echo "span consensus_building execute_command" >"$WORK/bash.probes"
"$TRACER" -P "$WORK/bash.probes" --no-top --no-summary -- bash -c 'yes | head -1 >/dev/null; echo "pipestatus=${PIPESTATUS[*]}"' \
  >"$WORK/pipe.out" 2>"$WORK/pipe.err" || { cat "$WORK/pipe.err"; fail "tracer failed"; }
grep -q "probes attached" "$WORK/pipe.err" || { cat "$WORK/pipe.err"; fail "no probe attached"; }
grep -qx "pipestatus=141 0" "$WORK/pipe.out" ||
  fail "yes|head -1 under the tracer: $(cat "$WORK/pipe.out"), expected 'pipestatus=141 0' (SIGPIPE inherited as ignored?)"
note "yes | head -1 under the tracer: $(cat "$WORK/pipe.out")"

# Ground truth 2: the kernel's view of the launched process: nothing
# ignored or blocked (even what this shell may have inherited ignored:
# make leaves glibc's signals 32 and 33 ignored), and the same open fds
# as the same program started by this shell.
"$HARM" --ledger "$WORK/direct.ledger" signals || fail "harm-target alone failed"
"$TRACER" -P "$HARM_PROBES" --no-top -- "$HARM" --ledger "$WORK/traced.ledger" work:10 signals \
  >"$WORK/t.log" 2>&1 || { cat "$WORK/t.log"; fail "tracer failed"; }
direct=$(grep -o 'sigign=.*' "$WORK/direct.ledger")
traced=$(grep -o 'sigign=.*' "$WORK/traced.ledger")
note "alone:        $direct"
note "under tracer: $traced"
[[ "$traced" == "sigign=0000000000000000 sigblk=0000000000000000 "* ]] ||
  fail "launched target has signals ignored or blocked: $traced"
[ "${traced##* fds=}" = "${direct##* fds=}" ] || fail "launched target has other fds than the same command run by the shell"
pid=$(grep -o '^pid=[0-9]* exit' "$WORK/traced.ledger" | grep -o '[0-9]*')
$HCHECK --ledger "$WORK/traced.ledger" --log "$WORK/t.log" --pid "$pid" >"$WORK/check" ||
  { cat "$WORK/check"; fail "counts differ"; }
note "$(tail -n 1 "$WORK/check")"
