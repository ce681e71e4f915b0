#!/usr/bin/env bash
# Frames a traced call leaves without returning: longjmp out of it (setjmp
# outside every traced function), a thread that exits inside it, exec and
# exit inside it. Each such frame is counted once as abandoned -- per frame,
# not per thread -- and never costs a later call: before the fix, 16 frames
# left by longjmp filled the thread's span stack and every later call on the
# thread was lost as "too deep" (0 of 200 traced). Tail calls (two frames,
# one return address) stay two exact spans.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/progs/harm_lib.sh"

run() { # name lost-counts steps... ([TRACED=fn=n,...] where the ledger cannot say)
  local name=$1 lost=$2; shift 2
  local log=$WORK/$name.log led=$WORK/$name.ledger
  "$TRACER" -P "$HARM_PROBES" --no-top -- "$HARM" --ledger "$led" "$@" >"$log" 2>&1 ||
    { cat "$log"; fail "$name: tracer exited with $?"; }
  local pid; pid=$(sed -n 's/.*harm-target (pid \([0-9]*\)) exited.*/\1/p' "$log")
  $HCHECK --ledger "$led" --log "$log" --pid "$pid" --lost "$lost" ${TRACED:+--traced "$TRACED"} >"$WORK/$name.check" ||
    { cat "$WORK/$name.check"; fail "$name: differs from the ledger ($*)"; }
  note "$name: $(tail -n 1 "$WORK/$name.check"); $(grep '^not traced' "$WORK/$name.check") ($*)"
}

# Defect 2: 16 longjmps out of harm_jump(), then 200 ordinary calls.
run jump16 too_deep=0,abandoned=16 jump:16 work:200
# Many more than the stack holds, two frames each, between other calls.
run jump_deep too_deep=0,abandoned=150 work:10 jump:50x2 nest:100 jump:20 tail:50 work:10 jump:30x1
# Defect 3: 5 threads each leave 2 frames when they exit: 10, not 5.
run thread_exit too_deep=0,abandoned=10 threads:2x100 thread-exit:5 work:50
# exec inside harm_exec() (called from the step loop): one frame; the new
# image's calls are counted normally.
run exec too_deep=0,abandoned=1 work:20 exec nest:30 tail:5
# exit() inside harm_exit(): one frame, freed when the process ends (and
# the 3 harm_jump frames, dropped at the next entry).
run exit too_deep=0,abandoned=4 jump:3 work:20 exit:0
# Tail calls alone: nothing abandoned, nothing unmatched.
run tail too_deep=0,returns_without_entry=0,abandoned=0 tail:300 nest:20 tail:10
# Deeper than the 16 levels kept: the rest counted as too deep, exactly;
# a longjmp from 20 deep leaves 16 frames (abandoned) and 4 untraced ones.
TRACED=harm_recurse=160 run recurse too_deep=40,abandoned=0 recurse:20x10 work:10
TRACED=harm_recurse=15 run recurse_jump too_deep=20,abandoned=80 recurse-jump:20x5 work:100 recurse:3x5
