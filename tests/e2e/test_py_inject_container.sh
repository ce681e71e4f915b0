#!/usr/bin/env bash
# Injection into a Python in a real container (podman: its own pid, mount
# and network namespaces, cgroup and seccomp profile), whose interpreter
# sits at a path the host does not have (/opt/ct/python3.11): the symbols
# are read through /proc/PID/root, the pid is the host's, the script runs
# once and the program's output is unchanged. The container's root is a
# directory of bind mounts of the host's Python (no image to build).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tools/container/lib.sh"
CLI=$BUILD_DIR/py-inject-cli
[ -x "$CLI" ] || fail "build first: make e2e builds $CLI"
ct_packages || fail "podman and runc or crun are needed"
rt=$(ct_runtime) || fail "no container runtime works here"
mapfile -t flags < <(ct_run_flags)
name=mcp-e2e-pyinject-$$
trap 'podman $rt rm -f -t 0 "$name" >/dev/null 2>&1 || true; cleanup' EXIT
R=$WORK/rootfs
mkdir -p "$R/usr/lib" "$R/usr/lib64" "$R/opt/ct" "$R/tmp" "$WORK/out"
ln -s usr/lib "$R/lib" && ln -s usr/lib64 "$R/lib64"
mkfifo "$WORK/out/fifo"
[ ! -e /opt/ct/python3.11 ] || fail "/opt/ct/python3.11 exists on the host: the test would prove nothing"
# shellcheck disable=SC2086 # $rt: podman's global flags, several words
podman $rt run --rm --name "$name" "${flags[@]}" \
  -v /usr/bin/python3.11:/opt/ct/python3.11:ro -v /usr/lib/python3.11:/usr/lib/python3.11:ro \
  -v /usr/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:ro -v /usr/lib64:/usr/lib64:ro \
  -v "$ROOT/tests/progs/py_inject_target.py:/t.py:ro" -v "$WORK/out:/out" \
  --rootfs "$R" /opt/ct/python3.11 /t.py /out --threads >"$WORK/log" 2>&1 &
bg $!
wait_for "$WORK/log" "^tick 1$" 30 || { cat "$WORK/log"; fail "the container did not start"; }
# shellcheck disable=SC2086
pid=$(podman $rt inspect --format '{{.State.Pid}}' "$name")
[ "$(readlink /proc/$pid/ns/pid)" != "$(readlink /proc/self/ns/pid)" ] || fail "not in its own pid namespace"
grep -q " /opt/ct/python3.11$" /proc/$pid/maps || fail "the interpreter is not mapped from /opt/ct"
res=$("$CLI" $pid -c "INJECTED = 'c1'" 2>"$WORK/err") || { cat "$WORK/err"; fail "injection failed"; }
wait_for "$WORK/log" "^injected c1$" 5 || fail "the script did not run"
if "$CLI" $pid -c "raise OSError('in a container')" >/dev/null 2>"$WORK/err"; then fail "a raise reported success"; fi
grep -q "the script raised OSError: in a container" "$WORK/err" || { cat "$WORK/err"; fail "no exception text"; }
echo hello >"$WORK/out/fifo"
wait_for "$WORK/log" "^reader got hello$" 5 || fail "the reader thread did not read after injection"
touch "$WORK/out/stop"
wait_for "$WORK/log" "^done$" 10 || fail "the program did not finish"
awk '/^tick / { if ($2 != ++n) bad = 1; next } /^(injected c1|reader got hello|done)$/ { next } { bad = 1 } END { exit bad }' \
  "$WORK/log" || { cat "$WORK/log"; fail "the program's output changed"; }
[ "$(grep -cx "injected c1" "$WORK/log")" = 1 ] || fail "the script ran more than once"
note "container pid $pid: $res"
