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

# An object the probe map names and the tracer cannot use: what happened,
# from errno (before the fix, each of these said "object '...' not found
# for pid 0", the pid of a command not started yet).
printf 'object /nonexistent/libagent.so\nspan consensus_building harm_work\n' >"$WORK/missing.probes"
expect missing_object 2 "missing.probes:2: object '/nonexistent/libagent.so': cannot read /nonexistent/libagent.so: No such file or directory" \
  "$TRACER" -P "$WORK/missing.probes" -- "$HARM" quick
# Unreadable: root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, a file of mode 000.
cp "$HARM" "$WORK/locked.so"
chmod 000 "$WORK/locked.so"
printf 'object %s\nspan consensus_building harm_work\n' "$WORK/locked.so" >"$WORK/locked.probes"
expect unreadable_object 2 "object '$WORK/locked.so': cannot read $WORK/locked.so: Permission denied" \
  setpriv --bounding-set -dac_override,-dac_read_search --inh-caps -dac_override,-dac_read_search \
  "$TRACER" -P "$WORK/locked.probes" -- "$HARM" quick
# A bare name: where it was looked for; a command's own libraries are not
# known before it starts.
printf 'object libagent-nowhere.so.1\nspan consensus_building harm_work\n' >"$WORK/bare.probes"
expect bare_launched 2 "object 'libagent-nowhere.so.1': not in /lib/x86_64-linux-gnu, .*\(the command has not started" \
  "$TRACER" -P "$WORK/bare.probes" -- "$HARM" quick
"$HARM" wait:"$WORK/never" 2>/dev/null &
hpid=$!; bg $hpid
until [[ /proc/$hpid/exe -ef $HARM ]]; do sleep 0.01; done
expect bare_pid 2 "object 'libagent-nowhere.so.1': not mapped by pid $hpid, and not in /lib/x86_64-linux-gnu" \
  "$TRACER" -P "$WORK/bare.probes" --pid $hpid
# A function x86 uprobes cannot probe (its first instruction lock-prefixed):
# refused before attach. Before: "Unknown error 524" with --pid, and for a
# launched command nothing at all (the breakpoint fails silently at exec),
# so its calls were simply not counted.
printf 'span consensus_building harm_locked\nspan consensus_building harm_work\n' >"$WORK/locked_fn.probes"
expect locked_fn_launched 2 "locked_fn.probes:1: function 'harm_locked' in .* begins with a lock-prefixed instruction \(byte 0xf0 at file offset 0x[0-9a-f]+\), which the kernel cannot place a uprobe on" \
  "$TRACER" -P "$WORK/locked_fn.probes" -- "$HARM" locked:5
expect locked_fn_pid 2 "function 'harm_locked' in /proc/$hpid/exe begins with a lock-prefixed instruction" \
  "$TRACER" -P "$WORK/locked_fn.probes" --pid $hpid
grep -q "not found for pid\|Unknown error" "$WORK"/*.out && fail "an old message is back"
kill $hpid
