#!/usr/bin/env bash
# The thread borrowing under py_inject.c (user/source/python/ptrace_call.c),
# 400 times in a row on a C process that checks itself
# (tests/progs/py_ptrace_target.c): threads in read, in open of a fifo, in
# clock_nanosleep, in usleep and spinning on registers are borrowed in turn
# for a system call and a function call that clobbers every XMM register
# (every tenth time after a call that never returns, taken back on
# timeout), while real-time signals rain on the process and on each
# thread. Then:
# every call returned what it should, the target counted exactly the calls
# made and the signals sent (none swallowed), no register changed under
# the spinning thread, the system calls it was in went on (the fifo is
# opened and read).
. "$(dirname "$0")/lib.sh"
STRESS=$BUILD_DIR/py-ptrace-stress
TGT=$BUILD_DIR/py-ptrace-target
[ -x "$STRESS" ] && [ -x "$TGT" ] || fail "build first: make e2e builds $STRESS and $TGT"
mkfifo "$WORK/fifo"
"$TGT" "$WORK" >"$WORK/out" 2>&1 &
pid=$!
bg $pid
wait_for "$WORK/out" "^ready$" 5 || fail "the target did not start"
rounds=400
"$STRESS" $pid $rounds >"$WORK/stress" 2>&1 || { cat "$WORK/stress" "$WORK/out"; fail "borrowing failed"; }
sent=$(sed -nE 's/.* sent=([0-9]+).*/\1/p' "$WORK/stress")
sleep 0.2 # the last signals are handled
timeout 5 sh -c "echo hello >'$WORK/fifo'" || { cat "$WORK/out"; fail "the reader thread is gone (its open or read failed)"; }
touch "$WORK/stop"
wait $pid || { cat "$WORK/out"; fail "the target failed a check (exit $?)"; }
want="calls=$rounds sigs=$sent read=hello"
grep -qx "$want" "$WORK/out" || { cat "$WORK/stress" "$WORK/out"; fail "the target saw '$(tail -n 1 "$WORK/out")', not '$want'"; }
note "$(cat "$WORK/stress"); target: $want"
