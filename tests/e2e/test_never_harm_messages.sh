#!/usr/bin/env bash
# Error messages say what really happened (from errno and the facts), not
# a guess: root refused by the kernel is not told to "run as root".
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/progs/harm_lib.sh"

expect() { # name status pattern command...: exit status and message, and no guess
  local name=$1 st=$2 pat=$3 rc=0; shift 3
  "$@" >"$WORK/$name.out" 2>&1 || rc=$?
  [ "$rc" -eq "$st" ] || { cat "$WORK/$name.out"; fail "$name: exit status $rc, expected $st"; }
  grep -Eq "$pat" "$WORK/$name.out" || { cat "$WORK/$name.out"; fail "$name: expected /$pat/"; }
  note "$name: $(grep -E "$pat" "$WORK/$name.out" | head -n 1)"
}

sleep 60 &
victim=$!; bg $victim

# Root, but without CAP_SYS_PTRACE, facing a process with more capabilities:
# the kernel refuses to show /proc/PID/exe. Before the fix: "(run as root)".
expect root_denied 1 "pid $victim: cannot read /proc/$victim/exe: Permission denied \(the tracer runs as root, but pid $victim holds capabilities the tracer lacks: cap_sys_ptrace" \
  setpriv --bounding-set -sys_ptrace --inh-caps -sys_ptrace "$TRACER" -P "$HARM_PROBES" --pid $victim
grep -q "run as root" "$WORK/root_denied.out" && fail "root told to run as root"

# Not root: then running as root is the advice.
expect not_root 1 "Permission denied \(the tracer runs as uid 65534: run it as root" \
  setpriv --reuid 65534 --regid 65534 --clear-groups "$TRACER" -P "$HARM_PROBES" --pid $victim

# A pid that is gone.
kill $victim; wait $victim 2>/dev/null || true
expect gone 1 "pid $victim: no such process" "$TRACER" -P "$HARM_PROBES" --pid $victim
