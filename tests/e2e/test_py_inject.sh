#!/usr/bin/env bash
# Injection into running, unmodified CPython processes (issue 19, item 2),
# through user/source/python/py_inject.c alone (build/py-inject-cli), into
# Debian's python3.11 (static libpython) and pyenv's 3.11 (shared libpython),
# 3.12 and 3.13 when pyenv has them:
# a script runs exactly once and the program's own output does not change,
# with threads blocked in read and sleep and with a busy main thread; an
# exception comes back as text and changes nothing; a main thread in a long
# C call gives the timeout message and the queued call, defused, never runs
# (tried again, the same call is re-armed, not queued anew);
# no CAP_SYS_PTRACE, not Python, and a process that exits are refused or
# reported clearly; no leaks under valgrind.
. "$(dirname "$0")/lib.sh"
CLI=$BUILD_DIR/py-inject-cli
TARGET=$ROOT/tests/progs/py_inject_target.py
[ -x "$CLI" ] || fail "build first: make e2e builds $CLI"
PYS=(/usr/bin/python3.11)
[ -x /root/.pyenv/versions/3.11.7/bin/python3.11 ] && PYS+=(/root/.pyenv/versions/3.11.7/bin/python3.11)

# start NAME PYTHON ARGS...: runs the target in $WORK/NAME, sets $pid.
start() {
  local name=$1 py=$2; shift 2
  mkdir -p "$WORK/$name" && mkfifo "$WORK/$name/fifo"
  "$py" "$TARGET" "$WORK/$name" "$@" >"$WORK/$name/out" 2>&1 &
  pid=$!
  bg $pid
  wait_for "$WORK/$name/out" "^tick 1$" 10 || fail "$name: the target did not start"
}
# stop NAME: stops the target and checks its output: ticks 1..N with none
# missing or repeated, "done", and no line but the expected ones (a
# traceback or anything printed by the injection would show here).
stop() {
  local name=$1 out=$WORK/$1/out
  touch "$WORK/$name/stop"
  wait "$pid" || fail "$name: the target exited with $?"
  awk '/^tick / { if ($2 != ++n) { print "tick " $2 " after " n - 1; bad = 1 } ; next }
       /^(injected |reader got |slept$|done$)/ { next }
       { print "unexpected: " $0; bad = 1 } END { exit bad }' "$out" >"$out.check" ||
    { cat "$out.check"; fail "$name: the target's output changed"; }
  tail -n 1 "$out" | grep -qx done || fail "$name: no 'done' at the end"
}
# inject NAME CLI-ARGS...: runs the injector on $pid; its stdout in $res.
inject() {
  local name=$1; shift
  res=$("$CLI" "$pid" "$@" 2>"$WORK/$name/err") || { cat "$WORK/$name/err"; fail "$name: injection failed ($*)"; }
  alive "$name"
}
alive() { kill -0 "$pid" 2>/dev/null || { cat "$WORK/$1/out"; fail "$1: the target died"; }; }
count() { grep -cx "$2" "$WORK/$1/out" || true; }
field() { sed -nE "s/.* $1=([^ ]+).*/\1/p" <<<"$res"; }

for py in "${PYS[@]}"; do
  v=debian
  [[ $py == */.pyenv/* ]] && v=pyenv
  # Threads in read and sleep: a non-main thread is borrowed; the script
  # runs once, in the main thread, with the program's globals.
  n=threads-$v
  start $n "$py" --threads
  "$CLI" --check $pid >/dev/null || fail "$n: --check refused a CPython 3.11"
  inject $n -c "INJECTED = 'a1'"
  [ "$(field tid)" != "$pid" ] || fail "$n: the main thread was borrowed with other threads in system calls"
  page=$(field page)
  wait_for "$WORK/$n/out" "^injected a1$" 5 || fail "$n: the script did not run"
  note "$n: idle target: $res"
  ! grep -q "^${page}-" "/proc/$pid/maps" || fail "$n: the script's page 0x$page is still mapped after success"
  if "$CLI" $pid -c "x = 1
raise ValueError('boom %d' % x)" >/dev/null 2>"$WORK/$n/err"; then fail "$n: a script that raises reported success"; fi
  alive $n
  grep -q "the script raised ValueError: boom 1" "$WORK/$n/err" || { cat "$WORK/$n/err"; fail "$n: no exception text"; }
  inject $n -c "INJECTED = 'names=%d' % len([k for k in globals() if k.startswith('_mcp_bpftrace')])"
  wait_for "$WORK/$n/out" "^injected names=1$" 5 || fail "$n: the wrapper left names in __main__ ($(grep injected "$WORK/$n/out"))"
  echo hello >"$WORK/$n/fifo"
  wait_for "$WORK/$n/out" "^reader got hello$" 5 || fail "$n: the thread blocked in read did not read after injection"
  sleep 0.1
  stop $n
  [ "$(count $n "injected a1")" = 1 ] || fail "$n: the script ran $(count $n "injected a1") times, not once"

  # A busy main thread, alone: borrowed while in user code.
  n=busy-$v
  start $n "$py" --busy
  inject $n -c "INJECTED = 'b1'"
  [ "$(field tid)" = "$pid" ] || fail "$n: not the main thread"
  wait_for "$WORK/$n/out" "^injected b1$" 5 || fail "$n: the script did not run"
  note "$n: busy target: $res"
  stop $n
  [ "$(count $n "injected b1")" = 1 ] || fail "$n: ran $(count $n "injected b1") times"
done

# The main thread in a 3 s C call (time.sleep): the timeout message, the
# page left in place for the defused call, which never runs; the sleep
# itself is not cut short by the borrowing of that very thread.
n=sleep
start $n /usr/bin/python3.11 --sleep 3
t0=$(date +%s.%N)
if "$CLI" $pid -t 500 -c "INJECTED = 'c1'" >"$WORK/$n/res" 2>"$WORK/$n/err"; then fail "$n: no timeout"; fi
grep -q "the main thread of process $pid has not returned to Python in 500 ms (it is in a long C call or blocked); nothing was changed" \
  "$WORK/$n/err" || { cat "$WORK/$n/err"; fail "$n: not the timeout message"; }
page=$(sed -nE 's/.* page=([^ ]+).*/\1/p' "$WORK/$n/res")
grep -q "^${page}-" "/proc/$pid/maps" || fail "$n: the defused call's page 0x$page was unmapped"
wait_for "$WORK/$n/out" "^slept$" 10 || fail "$n: the sleep did not end"
slept=$(echo "$(date +%s.%N) - $t0" | bc)
[ "$(echo "$slept > 2.4" | bc)" = 1 ] || fail "$n: time.sleep(3) ended after ${slept}s: cut short"
inject $n -c "INJECTED = 'c2'"
wait_for "$WORK/$n/out" "^injected c2$" 5 || fail "$n: the injection after the sleep did not run"
stop $n
[ "$(count $n "injected c1")" = 0 ] || fail "$n: the defused call ran"
note "$n: timeout message, defused call did not run, sleep lasted ${slept}s"

# Trying again every 50 ms while the main thread sleeps 3 s (the python
# source retries so): each try re-arms the one queued call rather than
# queueing another (CPython's queue holds 32: more and the program's own
# Py_AddPendingCall would fail), one page for all, unmapped after success.
n=retry
start $n /usr/bin/python3.11 --sleep 3
"$CLI" $pid -t 50 -r 200 -c "INJECTED = 'r1'" >"$WORK/$n/res" 2>"$WORK/$n/err" || { tail -n 3 "$WORK/$n/err"; fail "$n: no success"; }
tries=$(wc -l <"$WORK/$n/res")
pages=$(sed -nE 's/.* page=([^ ]+).*/\1/p' "$WORK/$n/res" | sort -u)
[ "$tries" -gt 33 ] || fail "$n: only $tries tries: the sleep did not outlast the queue's 32 calls"
[ "$(wc -w <<<"$pages")" = 1 ] || fail "$n: $(wc -w <<<"$pages") pages for $tries tries: calls queued anew, not re-armed"
wait_for "$WORK/$n/out" "^injected r1$" 5 || fail "$n: the script did not run"
! grep -q "^${pages}-" "/proc/$pid/maps" || fail "$n: the page 0x$pages is still mapped after success"
sleep 0.1
stop $n
[ "$(count $n "injected r1")" = 1 ] || fail "$n: ran $(count $n "injected r1") times"
note "$n: $tries tries, one queued call, re-armed"

# A python the tracer's mount namespace does not have (as in a container):
# its executable exists only on a tmpfs mounted in the target's own
# namespace, so its symbols are found through /proc/PID/root alone.
n=mntns
mkdir -p "$WORK/$n/root" && mkfifo "$WORK/$n/fifo"
unshare -m --propagation private sh -c 'mount -t tmpfs none "$1/root" && cp /usr/bin/python3.11 "$1/root/py" &&
  exec "$1/root/py" "$2" "$1"' sh "$WORK/$n" "$TARGET" >"$WORK/$n/out" 2>&1 &
pid=$!
bg $pid
wait_for "$WORK/$n/out" "^tick 1$" 10 || { cat "$WORK/$n/out"; fail "$n: the target did not start"; }
pid=$(pgrep -f "^$WORK/$n/root/py") || fail "$n: no target process"
[ ! -e "$WORK/$n/root/py" ] || fail "$n: the target's executable is visible from here"
inject $n -c "INJECTED = 'm1'"
wait_for "$WORK/$n/out" "^injected m1$" 5 || fail "$n: the script did not run"
stop $n
note "$n: injected into a python seen only in its own mount namespace"

# Without CAP_SYS_PTRACE (root without it, and nobody): refused, untouched.
n=nocap
start $n /usr/bin/python3.11
for how in "capsh --drop=cap_sys_ptrace --" "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all bash"; do
  if $how -c "'$CLI' $pid -c \"INJECTED = 'n1'\"" >/dev/null 2>"$WORK/$n/err" ||
    $how -c "'$CLI' --check $pid" >/dev/null 2>>"$WORK/$n/err"; then fail "$n: no refusal ($how)"; fi
  [ "$(grep -c "needs CAP_SYS_PTRACE" "$WORK/$n/err")" = 2 ] || { cat "$WORK/$n/err"; fail "$n: not the capability message ($how)"; }
done
stop $n
[ "$(count $n "injected n1")" = 0 ] || fail "$n: ran without the capability"

# Other CPythons pyenv has here (3.12, 3.13: Py_AddPendingCall on a
# PyMutex): run once, output unchanged. Python 2 is refused by name.
for py in /root/.pyenv/versions/3.1[2-9]*/bin/python3.1[2-9]; do
  [ -x "$py" ] || continue
  n=v$(basename "$py")
  start $n "$py" --threads
  inject $n -c "INJECTED = 'p1'"
  wait_for "$WORK/$n/out" "^injected p1$" 5 || fail "$n: the script did not run"
  if "$CLI" $pid -c "raise KeyError(7)" >/dev/null 2>"$WORK/$n/err"; then fail "$n: a raise reported success"; fi
  grep -q "the script raised KeyError: 7" "$WORK/$n/err" || { cat "$WORK/$n/err"; fail "$n: no exception text"; }
  stop $n
  note "$n: $res"
done
py2=/root/.pyenv/versions/2.7.18/bin/python2.7
if [ -x $py2 ]; then
  $py2 -c "import time; time.sleep(30)" &
  pid=$!
  bg $pid
  sleep 0.3
  if "$CLI" --check $pid 2>"$WORK/py2.err"; then fail "py2: Python 2 accepted"; fi
  grep -q "is Python 2; injection needs CPython 3" "$WORK/py2.err" || { cat "$WORK/py2.err"; fail "py2: message"; }
  kill $pid
fi

# A program that ignores SIGSEGV is refused (our call's return faults, and
# the kernel would reset that disposition): untouched.
n=segvign
start $n /usr/bin/python3.11 --ignore-segv
if "$CLI" $pid -c "INJECTED = 's1'" >/dev/null 2>"$WORK/$n/err"; then fail "$n: injected"; fi
grep -q "process $pid ignores SIGSEGV, which the injection's return would reset; nothing was changed" "$WORK/$n/err" ||
  { cat "$WORK/$n/err"; fail "$n: message"; }
stop $n
[ "$(count $n "injected s1")" = 0 ] || fail "$n: ran"

# Not Python.
sleep 30 &
pid=$!
bg $pid
if "$CLI" $pid -c "pass" 2>"$WORK/notpy.err" >/dev/null; then fail "notpy: injected into sleep(1)"; fi
grep -q "is not a CPython 3 process" "$WORK/notpy.err" || { cat "$WORK/notpy.err"; fail "notpy: message"; }
kill $pid

# The process exits during the injection: the script ends it, or it is
# killed while the injector waits for its main thread.
n=exit
start $n /usr/bin/python3.11
if "$CLI" $pid -c "import os; os._exit(7)" 2>"$WORK/$n/err" >/dev/null; then fail "$n: success reported"; fi
grep -q "process $pid exited during the injection, before the script's result came back" "$WORK/$n/err" || { cat "$WORK/$n/err"; fail "$n: message"; }
wait $pid && st=0 || st=$?
[ $st = 7 ] || fail "$n: the target exited with $st, not the script's 7"
n=killed
start $n /usr/bin/python3.11 --sleep 10
("$CLI" $pid -t 5000 -c "INJECTED = 'k1'" >/dev/null 2>"$WORK/$n/err" && echo 0 >"$WORK/$n/rc" || echo $? >"$WORK/$n/rc") &
sleep 0.5
kill -9 $pid
wait_for "$WORK/$n/rc" . 5 || fail "$n: the injector did not return after the target was killed"
[ "$(cat "$WORK/$n/rc")" = 1 ] || fail "$n: rc $(cat "$WORK/$n/rc")"
grep -q "process $pid exited during the injection, before the script's result came back" "$WORK/$n/err" || { cat "$WORK/$n/err"; fail "$n: message"; }

# valgrind: no leaks, no errors, on a success and on a raise.
if command -v valgrind >/dev/null; then
  n=valgrind
  start $n /usr/bin/python3.11 --threads
  for s in "INJECTED = 'v1'" "raise KeyError('v2')"; do
    valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=9 "$CLI" $pid -c "$s" \
      >/dev/null 2>"$WORK/$n/vg" && rc=0 || rc=$?
    [ $rc != 9 ] && ! grep -q "==[0-9]*==" "$WORK/$n/vg" || { cat "$WORK/$n/vg"; fail "$n: valgrind found errors ($s)"; }
  done
  echo bye >"$WORK/$n/fifo"
  stop $n
  [ "$(count $n "injected v1")" = 1 ] || fail "$n: ran $(count $n "injected v1") times"
  note "$n: no errors, no leaks"
fi
note "all injection checks passed"
