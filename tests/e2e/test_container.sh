#!/usr/bin/env bash
# --container / --cgroup with a real container runtime (podman + runc, or
# crun), from a Debian rootfs this test builds with debootstrap (cached in
# build/container; ~1-2 min the first time, seconds afterwards):
#  - container A runs the demo; the tracer attaches by name, with a probe
#    map that names the binary by its path in the image; a process started
#    in A after attach (podman exec) is traced too: ledger(A) + ledger(exec)
#    equals the export, and each process's own share equals its own ledger;
#  - container B runs the same image (the same binary inode) at the same
#    time, and the host runs that very file too: neither produces telemetry;
#  - every resource carries container.id, spans the in-container pid;
#  - the trace ends by itself when the container goes away;
#  - --cgroup PATH (no object line: the container's main executable),
#    --list --container SHORT-ID, and the errors for unknown names.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tools/container/lib.sh"
CHECKC="python3 $ROOT/tests/e2e/container_check.py"

ct_setup || fail "cannot set up a container runtime"
note "image $CT_IMAGE, ${CT_PODMAN[*]}, run flags: ${CT_RUN_FLAGS[*]}"
P=("${CT_PODMAN[@]}")
NAMES=()
ct_cleanup() {
  for n in "${NAMES[@]:-}"; do [ -n "$n" ] && "${P[@]}" rm -f -t 0 "$n" >/dev/null 2>&1 || true; done
  cleanup
}
trap ct_cleanup EXIT

# start NAME OUTDIR DEMO-ARGS...: a container running the demo, waiting for SIGUSR1.
start() {
  local name=$1 out=$2; shift 2
  mkdir -p "$out"
  NAMES+=("$name")
  "${P[@]}" run -d --name "$name" "${CT_RUN_FLAGS[@]}" -v "$out:/out" "$CT_IMAGE" \
    /usr/local/bin/mcp-demo --wait-signal "$@" >/dev/null || fail "podman run $name failed"
}
waiting() { # NAME: until the demo says it waits
  local end=$((SECONDS + 20))
  until "${P[@]}" logs "$1" 2>&1 | grep -q "waiting for SIGUSR1"; do
    [ $SECONDS -ge $end ] && { "${P[@]}" logs "$1" 2>&1 | tail -5; fail "$1 did not start"; }
    sleep 0.1
  done
}
hostpid() { "${P[@]}" inspect --format '{{.State.Pid}}' "$1"; }
# wait_exit PID SECONDS: wait for a background tracer, fail if it hangs.
wait_exit() {
  local end=$((SECONDS + $2))
  while kill -0 "$1" 2>/dev/null; do
    [ $SECONDS -ge $end ] && { kill -INT "$1"; fail "tracer still running ${2}s later"; }
    sleep 0.1
  done
  wait "$1"
}

A=mcp-e2e-a-$$ B=mcp-e2e-b-$$ C=mcp-e2e-c-$$
start "$A" "$WORK/a" --seed 7 --threads 4 --ops 2000 --ledger /out/main.json
start "$B" "$WORK/b" --seed 8 --threads 4 --ops 2000 --ledger /out/main.json
waiting "$A"; waiting "$B"
pa=$(hostpid "$A") pb=$(hostpid "$B")
ida=$("${P[@]}" inspect --format '{{.Id}}' "$A")
[ "$(stat -L -c %i "/proc/$pa/root/usr/local/bin/mcp-demo")" = "$(stat -L -c %i "/proc/$pb/root/usr/local/bin/mcp-demo")" ] ||
  note "(the two containers' binaries are different files here)"

# A probe map that names the binary as the image knows it.
{ echo "object /usr/local/bin/mcp-demo"; cat "$PROBES"; } >"$WORK/image.probes"
"$TRACER" -P "$WORK/image.probes" --container "$A" --otlp-file "$WORK/a.jsonl" --no-top >"$WORK/a.log" 2>&1 &
tpid=$!; bg $tpid
wait_for "$WORK/a.log" "probes attached" 30 || { cat "$WORK/a.log"; fail "tracer did not attach to $A"; }

# Not in A: container B and the host, running the same file.
kill -USR1 "$pb"
"/proc/$pa/root/usr/local/bin/mcp-demo" --seed 9 --threads 2 --ops 1000 --ledger "$WORK/host.json" 2>/dev/null &
hpid=$!; bg $hpid
# Started in A after attach.
"${P[@]}" exec "$A" /usr/local/bin/mcp-demo --seed 11 --threads 2 --ops 1000 --ledger /out/exec.json \
  >/dev/null 2>&1 || fail "podman exec failed"
wait $hpid || fail "the host's demo failed"
kill -USR1 "$pa"
# A's demo finishes, the container exits: the tracer stops by itself.
wait_exit $tpid 60 || { cat "$WORK/a.log"; fail "tracer exited with $?"; }
grep -q "is gone" "$WORK/a.log" || { cat "$WORK/a.log"; fail "no 'container is gone' message"; }
grep -q "dropped 0 (ring buffer full)" "$WORK/a.log" || { cat "$WORK/a.log"; fail "records were dropped"; }
# B's demo ran to its end, untouched by a tracer that was not for it.
brc=$("${P[@]}" wait "$B" 2>/dev/null) || fail "podman wait $B failed"
[ "$brc" = 0 ] || fail "container B's demo exited with status $brc"
for f in "$WORK/a/main.json" "$WORK/a/exec.json" "$WORK/b/main.json" "$WORK/host.json"; do
  [ -s "$f" ] || fail "no ledger $f"
done

# Which host pid is the exec'd process: the other resource with spans.
pids=$($CHECKC split "$WORK/a.jsonl" "$WORK/split")
pexec=$(tr ' ' '\n' <<<"$pids" | grep -vx "$pa" | head -n 1)
[ -n "$pexec" ] || fail "no telemetry from the exec'd process (pids: $pids)"
$CHECKC resources "$WORK/a.jsonl" --id "$ida" --pids "$pa,$pexec" --absent "$pb,$hpid" >"$WORK/res.txt" ||
  { cat "$WORK/res.txt"; fail "resources"; }
note "$(cat "$WORK/res.txt")"

$CHECKC merge "$WORK/sum.json" "$WORK/a/main.json" "$WORK/a/exec.json"
$CHECK --ledger "$WORK/sum.json" --otlp "$WORK/a.jsonl" >"$WORK/sum.check" ||
  { tail -n 30 "$WORK/sum.check"; fail "export != ledger(A) + ledger(exec)"; }
note "container A, main + exec: $(tail -n 1 "$WORK/sum.check")"
$CHECK --ledger "$WORK/a/main.json" --otlp "$WORK/split/$pa.jsonl" >"$WORK/main.check" ||
  { tail -n 30 "$WORK/main.check"; fail "A's main process: export != its ledger"; }
$CHECK --ledger "$WORK/a/exec.json" --otlp "$WORK/split/$pexec.jsonl" >"$WORK/exec.check" ||
  { tail -n 30 "$WORK/exec.check"; fail "exec'd process: export != its ledger"; }
note "each process alone: main $(tail -n 1 "$WORK/main.check"); exec $(tail -n 1 "$WORK/exec.check")"

# --cgroup PATH (the v2 directory), no object line, --list by short id.
start "$C" "$WORK/c" --seed 5 --threads 3 --ops 1500 --ledger /out/main.json
waiting "$C"
pc=$(hostpid "$C")
idc=$("${P[@]}" inspect --format '{{.Id}}' "$C")
"$TRACER" --list --container "${idc:0:12}" >"$WORK/list.txt" 2>&1 || { cat "$WORK/list.txt"; fail "--list --container"; }
grep -q "^span model_routing mcp_model_routing" "$WORK/list.txt" || { head "$WORK/list.txt"; fail "--list: no proposal"; }
v2=$(ct_v2_mount)
cg=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pc/cgroup")
[ -d "$v2$cg" ] || fail "no v2 cgroup $v2$cg for $C"
"$TRACER" -P "$PROBES" --cgroup "$v2$cg" --otlp-file "$WORK/c.jsonl" --no-top >"$WORK/c.log" 2>&1 &
tpid=$!; bg $tpid
wait_for "$WORK/c.log" "probes attached" 30 || { cat "$WORK/c.log"; fail "tracer did not attach to $v2$cg"; }
kill -USR1 "$pc"
wait_exit $tpid 60 || { cat "$WORK/c.log"; fail "tracer (--cgroup) exited with $?"; }
$CHECK --ledger "$WORK/c/main.json" --otlp "$WORK/c.jsonl" >"$WORK/c.check" ||
  { tail -n 30 "$WORK/c.check"; fail "--cgroup: export != ledger"; }
$CHECKC resources "$WORK/c.jsonl" --id "$idc" --pids "$pc" >"$WORK/cres.txt" || { cat "$WORK/cres.txt"; fail "--cgroup resources"; }
note "--cgroup $cg: $(tail -n 1 "$WORK/c.check")"

# No cgroup v2 of its own (podman --cgroups=disabled; crun only, runc refuses
# it): the container's pid namespace is the filter. The host runs the same file.
if command -v crun >/dev/null; then
  crt=$(CT_RUNTIME=crun ct_runtime) || fail "crun cannot be used here"
  D=mcp-e2e-d-$$; NAMES+=("$D"); mkdir -p "$WORK/d"
  # shellcheck disable=SC2086
  podman $crt run -d --name "$D" --cgroups=disabled "${CT_RUN_FLAGS[@]}" -v "$WORK/d:/out" "$CT_IMAGE" \
    /usr/local/bin/mcp-demo --wait-signal --seed 6 --threads 2 --ops 1000 --ledger /out/main.json >/dev/null ||
    fail "podman run --cgroups=disabled failed"
  waiting "$D"
  pd=$(hostpid "$D"); idd=$("${P[@]}" inspect --format '{{.Id}}' "$D")
  "$TRACER" -P "$WORK/image.probes" --container "$D" --otlp-file "$WORK/d.jsonl" --no-top -v >"$WORK/d.log" 2>&1 &
  tpid=$!; bg $tpid
  wait_for "$WORK/d.log" "probes attached" 30 || { cat "$WORK/d.log"; fail "tracer did not attach to $D"; }
  grep -q "filter: pid namespace" "$WORK/d.log" || { grep mcp-bpftrace "$WORK/d.log"; fail "$D: not filtered by pid namespace"; }
  "/proc/$pd/root/usr/local/bin/mcp-demo" --seed 9 --threads 2 --ops 500 2>/dev/null &
  hpid=$!; bg $hpid
  kill -USR1 "$pd"
  wait $hpid || fail "the host's demo failed"
  wait_exit $tpid 60 || { grep -v libbpf "$WORK/d.log"; fail "tracer (pid namespace) exited with $?"; }
  $CHECK --ledger "$WORK/d/main.json" --otlp "$WORK/d.jsonl" >"$WORK/d.check" ||
    { tail -n 30 "$WORK/d.check"; fail "pid-namespace filter: export != ledger"; }
  $CHECKC resources "$WORK/d.jsonl" --id "$idd" --pids "$pd" --absent "$hpid" >"$WORK/dres.txt" ||
    { cat "$WORK/dres.txt"; fail "pid-namespace filter: resources"; }
  note "no cgroup of its own, by pid namespace: $(tail -n 1 "$WORK/d.check")"
fi

# Errors: nothing matches; a container that is not running.
rc=0; "$TRACER" -P "$PROBES" --container "no-such-container-$$" >"$WORK/e.log" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "no running container matches" "$WORK/e.log" || { cat "$WORK/e.log"; fail "unknown name: rc $rc"; }
rc=0; "$TRACER" -P "$PROBES" --container "$A" >"$WORK/e.log" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "not running" "$WORK/e.log" || { cat "$WORK/e.log"; fail "stopped container: rc $rc"; }
rc=0; "$TRACER" -P "$PROBES" --cgroup /sys/fs/cgroup/nonexistent-$$ >"$WORK/e.log" 2>&1 || rc=$?
[ $rc -eq 1 ] || { cat "$WORK/e.log"; fail "bad --cgroup: rc $rc"; }
note "errors: unknown name, stopped container, bad cgroup path"
