#!/usr/bin/env bash
# A Python the tracer launched (`-- python3 ...`) is its child: while one
# thread injects into it 30 times, the main thread polls for its exit the
# way main.c does (target_check_exited). The poll must neither take the
# injector's ptrace stops (before the fix it did: the target was "gone"
# about 25 times, half the injections failed, and a thread whose stop was
# taken got registers never saved written back and died) nor miss the real
# exit at the end.
. "$(dirname "$0")/lib.sh"
DRV=$BUILD_DIR/py-inject-launched
[ -x "$DRV" ] || fail "build first: make e2e builds $DRV"
"$DRV" "$WORK" 30 /usr/bin/python3.11 "$ROOT/tests/progs/py_inject_target.py" >"$WORK/res" 2>"$WORK/err" ||
  { cat "$WORK/err"; fail "the driver failed"; }
res=$(tail -n 1 "$WORK/res")
[[ $res == "rounds=30 failures=0 false_exits=0 polls="*" exit=0" ]] ||
  { cat "$WORK/err"; fail "$res"; }
grep -qx done "$WORK/res" || fail "the target did not finish its loop (no 'done')"
! grep -q Traceback "$WORK/res" || { cat "$WORK/res"; fail "the target printed a traceback"; }
note "$res"
