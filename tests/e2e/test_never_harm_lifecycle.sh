#!/usr/bin/env bash
# What a target does to itself while traced: fork inside a traced call
# (parent and child both return from it), exec inside one, threads that
# exit inside one (two frames deep), exit() inside one. Every completed
# call is counted exactly: the target's and its children's (followed by
# default; with --no-follow the target's alone), the children run to
# their end, and the target's exit status is its own. A child returns from
# the harm_fork() its parent entered: a return without entry each.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/progs/harm_lib.sh"

run() { # name expected-status steps...
  local name=$1 want=$2; shift 2
  local log=$WORK/$name.log led=$WORK/$name.ledger
  # shellcheck disable=SC2086 # TRACER_ARGS: several words, or none
  "$TRACER" ${TRACER_ARGS:-} -P "$HARM_PROBES" --no-top -- "$HARM" --ledger "$led" "$@" >"$log" 2>&1 ||
    { cat "$log"; fail "$name: tracer exited with $?"; }
  local pid; pid=$(sed -n 's/.*harm-target (pid \([0-9]*\)) exited with status \([0-9]*\)$/\1/p' "$log")
  grep -q "harm-target (pid $pid) exited with status $want\$" "$log" ||
    { cat "$log"; fail "$name: target's exit status is not $want"; }
  grep -q "^pid=$pid exit=$want\$" "$led" || { cat "$led"; fail "$name: target did not end as it should"; }
  # Every child of the target ran to its normal end.
  local kids; kids=$(grep -c "^pid=[0-9]* exit=0" "$led" || true)
  $HCHECK --ledger "$led" --log "$log" --pid "$pid" ${CHILDREN:+--children} ${LOST:+--lost "$LOST"} \
    >"$WORK/$name.check" ||
    { cat "$WORK/$name.check" "$led"; fail "$name: counts differ from the ledger"; }
  note "$name: $(tail -n 1 "$WORK/$name.check"), exit $want ($*)"
  echo "$kids" >"$WORK/$name.kids"
}

CHILDREN=1 LOST=returns_without_entry=20 run fork 0 work:100 fork:20 work:100
[ "$(cat "$WORK/fork.kids")" -eq 21 ] || fail "fork: not every child ended normally"
TRACER_ARGS=--no-follow run fork-nofollow 0 work:100 fork:20 work:100
run exec 0 work:100 nest:10 exec work:200 nest:5
run threads 0 threads:4x300 thread-exit:5 work:100 threads:3x100
run exit 7 work:100 nest:20 exit:7
CHILDREN=1 run all 3 work:50 fork:3 threads:2x100 thread-exit:2 exec work:10 fork:2 exit:3
