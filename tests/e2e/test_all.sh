#!/usr/bin/env bash
# Host-wide mode (--all): no target named; the tracer, started first, traces
# every process of the host and of its containers that starts later.
#  - a Python 3.11 standard-library client of the HTTPS LLM mock started
#    after the tracer attached: its share of the export (its pid's resource)
#    equals its ledger exactly (tests/llm/check_llm_ledger.py);
#  - a container (podman, when it runs here) started after attach: its
#    shell's execs carry the container's container.id, and a python client
#    in it (the host's /usr mounted read-only, but a copy of libssl.so.3 of
#    its own: a file the tracer cannot have probed before the container's
#    first exec, found in /proc/PID/root) calls the mock run in it too: its
#    share of the export equals its ledger;
#  - no span comes from the tracer's own pid (its own process is left out
#    in BPF: filter_self_tgid), and its only resource is its health one;
#  - --exclude-comm 'python3*' leaves the python client out while curl's
#    calls, in the same run, are still there (the filter can fail).
source "$(dirname "$0")/lib.sh"
LLM=$ROOT/tests/llm
CHECK_LLM="python3 $LLM/check_llm_ledger.py --prices $ROOT/data/prices.tsv"
SELECT="python3 $ROOT/tests/e2e/otlp_select.py"
export LLM_API_KEY="sk-test-all-$RANDOM"

"$LLM/make_cert.sh" "$WORK"
node "$LLM/mock.js" --cert "$WORK/cert.pem" --key "$WORK/key.pem" --port-file "$WORK/port" 2>"$WORK/mock.err" &
bg $!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
[ -s "$WORK/port" ] || { cat "$WORK/mock.err"; fail "the mock did not start"; }
BASE=https://127.0.0.1:$(cat "$WORK/port")

# Containers, when podman works here (test_container.sh's image and flags).
CT=""
if command -v podman >/dev/null 2>&1; then
  source "$ROOT/tools/container/lib.sh"
  if ct_setup 2>"$WORK/ct.err"; then CT=mcp-e2e-all-$$; else note "no container part: $(tail -n 1 "$WORK/ct.err")"; fi
fi
ct_cleanup() {
  [ -n "$CT" ] && "${CT_PODMAN[@]}" rm -f -t 0 "$CT" >/dev/null 2>&1
  cleanup
}
trap ct_cleanup EXIT

# start_tracer NAME ARGS...: --all in the background, until it has attached.
start_tracer() {
  local name=$1; shift
  "$TRACER" --all --no-top --otlp-file "$WORK/$name.jsonl" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  TPID=$!; bg $TPID
  wait_for "$WORK/$name.err" "probes attached" 30 || { cat "$WORK/$name.err"; fail "$name: the tracer did not attach"; }
}
stop_tracer() { # NAME
  kill -INT $TPID
  wait $TPID || { cat "$WORK/$1.err"; fail "$1: the tracer exited with $?"; }
  grep -q "every process of the host" "$WORK/$1.err" || fail "$1: no host-wide attach line"
}

# ---- --all: the python client and the container, both started after attach
start_tracer all
python3 "$LLM/py_client.py" --base "$BASE" --cafile "$WORK/cert.pem" --ledger "$WORK/py.ledger" \
  2>"$WORK/py.err" &
cpid=$!
if [ -n "$CT" ]; then
  # A shell in a container that runs commands (each an exec) after attach,
  # then the mock and a client of it (network none: the container's own
  # loopback). The client waits a second: its libssl is probed when the
  # tracer reads the container's first exec, not before.
  mkdir -p "$WORK/ct"
  cp /usr/lib/x86_64-linux-gnu/libssl.so.3 "$WORK/ct/libssl.so.3"
  cp "$WORK/cert.pem" "$WORK/key.pem" "$WORK/ct/"
  "${CT_PODMAN[@]}" run -d --name "$CT" "${CT_RUN_FLAGS[@]}" -v /usr:/usr:ro \
    -v "$WORK/ct/libssl.so.3:/usr/lib/x86_64-linux-gnu/libssl.so.3:ro" -v "$LLM:/llm:ro" -v "$WORK/ct:/w" \
    "$CT_IMAGE" /bin/sh -c 'for i in 1 2 3; do /bin/true; /bin/ls / >/dev/null; done; sleep 1
      node /llm/mock.js --cert /w/cert.pem --key /w/key.pem --port-file /w/port 2>/w/mock.err &
      for i in $(seq 100); do [ -s /w/port ] && break; sleep 0.05; done
      /usr/bin/python3 /llm/py_client.py --base https://127.0.0.1:$(cat /w/port) --cafile /w/cert.pem \
        --ledger /w/py.ledger 2>/w/py.err; echo "client exit $?" >/w/rc' >/dev/null ||
    fail "podman run failed"
  ctid=$("${CT_PODMAN[@]}" inspect --format '{{.Id}}' "$CT")
fi
wait $cpid || { cat "$WORK/py.err"; fail "the python client failed"; }
[ -n "$CT" ] && "${CT_PODMAN[@]}" wait "$CT" >/dev/null
stop_tracer all

$SELECT process.pid=$cpid "$WORK/all.jsonl" >"$WORK/py.jsonl"
$CHECK_LLM --ledger "$WORK/py.ledger" --otlp "$WORK/py.jsonl" >"$WORK/py.check" 2>&1 ||
  { tail -n 30 "$WORK/py.check"; fail "the python client's share of the export differs from its ledger"; }
note "python client (pid $cpid, started after the tracer): $(tail -n 1 "$WORK/py.check")"

# The tracer's own pid: no span, and no resource but its health metrics'.
read -r res spans < <($SELECT --count process.pid=$TPID "$WORK/all.jsonl")
[ "$spans" = 0 ] || fail "$spans spans of the tracer's own process (pid $TPID)"
read -r res spans < <($SELECT --count --not service.name=mcp-bpftrace process.pid=$TPID "$WORK/all.jsonl")
[ "$res" = 0 ] || fail "$res resources of the tracer's own process (pid $TPID) besides its health one"
note "the tracer's own pid $TPID: no span, no resource but its health metrics"

if [ -n "$CT" ]; then
  read -r res spans < <($SELECT --count container.id="$ctid" process.executable.name=true "$WORK/all.jsonl")
  [ "$spans" -ge 3 ] || fail "the container's /bin/true execs: $spans spans with container.id $ctid (want 3)"
  read -r res spans < <($SELECT --count container.id="$ctid" process.executable.name=ls "$WORK/all.jsonl")
  [ "$spans" -ge 3 ] || fail "the container's /bin/ls execs: $spans spans with container.id $ctid (want 3)"
  note "container ${ctid:0:12}: its execs are exported with its container.id"
  grep -q "client exit 0" "$WORK/ct/rc" || { cat "$WORK/ct/py.err" "$WORK/ct/mock.err"; fail "the client in the container failed"; }
  $SELECT container.id="$ctid" process.executable.name=python3.11 "$WORK/all.jsonl" >"$WORK/ctpy.jsonl"
  $CHECK_LLM --ledger "$WORK/ct/py.ledger" --otlp "$WORK/ctpy.jsonl" >"$WORK/ctpy.check" 2>&1 ||
    { tail -n 30 "$WORK/ctpy.check"; fail "the container's python client: its share of the export differs from its ledger"; }
  note "python client in the container (its own libssl file): $(tail -n 1 "$WORK/ctpy.check")"
fi

# ---- --exclude-comm: python left out; curl, in the same run, still there
start_tracer excl --exclude-comm 'python3*' --exclude-comm 'nothing-*'
python3 "$LLM/py_client.py" --base "$BASE" --cafile "$WORK/cert.pem" --ledger "$WORK/py2.ledger" \
  2>"$WORK/py2.err" &
cpid2=$!
"$LLM/curl_client.sh" "$BASE" "$WORK/cert.pem" "$WORK/curl.ledger" || fail "the curl client failed"
wait $cpid2 || { cat "$WORK/py2.err"; fail "the python client failed"; }
stop_tracer excl
# (python3 may be a shim script that execs python3.11: the shim's own exec
# spans, named bash or env, stay; nothing named python3* does.)
$SELECT process.pid=$cpid2 "$WORK/excl.jsonl" >"$WORK/py2.jsonl"
! grep -q gen_ai.operation.name "$WORK/py2.jsonl" || fail "--exclude-comm python3*: the python client's LLM calls were exported"
! grep -q '"exec python3' "$WORK/py2.jsonl" || fail "--exclude-comm python3*: an exec span of python3 was exported"
read -r res spans < <($SELECT --count process.executable.name=python3.11 "$WORK/excl.jsonl")
[ "$spans" = 0 ] || fail "--exclude-comm python3*: $spans spans of python3.11"
$SELECT process.executable.name=curl "$WORK/excl.jsonl" >"$WORK/curl.jsonl"
$CHECK_LLM --ledger "$WORK/curl.ledger" --otlp "$WORK/curl.jsonl" >"$WORK/curl.check" 2>&1 ||
  { tail -n 30 "$WORK/curl.check"; fail "--exclude-comm: curl's share differs from its ledger"; }
note "--exclude-comm 'python3*': python left out; curl $(tail -n 1 "$WORK/curl.check")"

# Bad usage: the patterns need --all, --all takes no target.
rc=0; "$TRACER" --exclude-comm x -- /bin/true 2>"$WORK/u1.err" || rc=$?
[ $rc = 2 ] || fail "--exclude-comm without --all: exit $rc, not 2"
grep -q "go with --all" "$WORK/u1.err" || fail "--exclude-comm without --all: $(cat "$WORK/u1.err")"
rc=0; "$TRACER" --all --pid 1 2>"$WORK/u2.err" || rc=$?
[ $rc = 2 ] || fail "--all --pid: exit $rc, not 2"
note "usage errors: --exclude-comm without --all, --all with a target"
echo "PASS"
