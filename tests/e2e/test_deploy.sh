#!/usr/bin/env bash
# deploy/: what can be shown without a cluster. The manifests parse and
# agree with each other (deploy_check.py); the tracer runs with exactly the
# DaemonSet's capabilities and environment (OTEL_* with the collector's
# address replaced by a local OTLP/HTTP receiver) and traces a process of
# another user by --pid, export equal to the ledger; without any one of
# those capabilities it refuses to start; the systemd unit verifies.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/e2e/otlp_lib.sh"
DEPLOY=$ROOT/deploy
DCHECK="python3 $ROOT/tests/e2e/deploy_check.py $DEPLOY"
python3 -c "import yaml" 2>/dev/null || fail "PyYAML is missing: run 'make deps' (python3-yaml)"

# 1. Static: parse, cross-references, the collector's association.
$DCHECK >"$WORK/static" || { cat "$WORK/static"; fail "deploy/ manifests"; }
note "$(tail -n 1 "$WORK/static")"
# ... and fails on a manifest that disagrees: the unit's capabilities, the
# collector's address, the association key.
mutate() { # name file sed-expression
  rm -rf "$WORK/bad" && cp -r "$DEPLOY" "$WORK/bad"
  sed -i -E "$3" "$WORK/bad/$2"
  cmp -s "$DEPLOY/$2" "$WORK/bad/$2" && fail "mutation $1 changed nothing: fix the test"
  python3 "$ROOT/tests/e2e/deploy_check.py" "$WORK/bad" >"$WORK/bad.out" && fail "deploy_check accepted $1"
  note "caught $1: $(grep -m1 FAIL "$WORK/bad.out" | cut -c1-100)"
}
mutate unit-caps systemd/mcp-bpftrace.service 's/ CAP_SYS_PTRACE//'
mutate endpoint kubernetes/mcp-bpftrace.yaml 's|mcp-otel-collector\.mcp-bpftrace\.svc|otel.default.svc|'
mutate association kubernetes/otel-collector-config.yaml 's/name: container\.id/name: k8s.pod.ip/'
mapfile -t CAPS < <($DCHECK caps)
[ "${#CAPS[@]}" -ge 2 ] || fail "no capabilities read from the DaemonSet"
caps_arg() { # capabilities to keep, lower case -> setpriv's --bounding-set
  local s=-all c
  for c in "$@"; do s+=",+${c,,}"; done
  echo "$s"
}

# The target: the demo as another user (nobody), so that reading its
# /proc/PID/maps and root takes CAP_SYS_PTRACE as it does for an agent.
chmod 755 "$WORK"
mkdir "$WORK/nobody" && chown nobody "$WORK/nobody"
cp "$DEMO" "$WORK/mcp-demo" && chmod 755 "$WORK/mcp-demo"
start_demo() { # seed -> DEMO_PID, waiting for SIGUSR1
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$WORK/mcp-demo" --seed "$1" --threads 2 \
    --ops 2000 --error-rate 0.1 --wait-signal --ledger "$WORK/nobody/$1.json" >"$WORK/demo.$1.log" 2>&1 &
  DEMO_PID=$!
  bg $DEMO_PID
  wait_for "$WORK/demo.$1.log" "waiting for SIGUSR1" 10 || fail "the demo did not start"
}
# trace_with NAME CAPS... : the tracer with only CAPS, the DaemonSet's env.
trace_with() {
  local name=$1; shift
  (
    while IFS= read -r kv; do export "${kv?}"; done < <($DCHECK env)
    export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$RPORT # the Service, here
    export OTEL_RESOURCE_ATTRIBUTES=${OTEL_RESOURCE_ATTRIBUTES//\$(NODE_NAME)/test-node}
    exec setpriv --bounding-set "$(caps_arg "$@")" -- "$TRACER" -P "$PROBES" --pid "$DEMO_PID" --no-top
  ) >"$WORK/$name.log" 2>&1 &
  TRACER_PID=$!
  bg $TRACER_PID
  local end=$((SECONDS + 15))
  until grep -q "probes attached" "$WORK/$name.log"; do
    kill -0 $TRACER_PID 2>/dev/null || break
    [ $SECONDS -ge $end ] && fail "$name: the tracer did not attach in time"
    sleep 0.05
  done
  kill -USR1 "$DEMO_PID"
  TRACER_RC=0
  wait $TRACER_PID || TRACER_RC=$?
  wait "$DEMO_PID" || true
}

# 2. Exactly the DaemonSet's capabilities and environment: a full trace.
start_receiver deploy
start_demo 31
trace_with caps "${CAPS[@]}"
[ "$TRACER_RC" -eq 0 ] || { cat "$WORK/caps.log"; fail "with ${CAPS[*]} only: exit $TRACER_RC"; }
check_receiver caps "$WORK/nobody/31.json"
python3 - "$RLOG" "$ROUT" <<'EOF' || fail "the DaemonSet's OTEL_* settings did not reach the export"
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
assert log and all(e["encoding"] == "gzip" for e in log), "OTEL_EXPORTER_OTLP_COMPRESSION=gzip: not every request was gzip"
nodes = set()
for line in open(sys.argv[2]):
    o = json.loads(line)
    for r in o.get("resourceSpans", []) + o.get("resourceMetrics", []):
        for a in r["resource"].get("attributes", []):
            if a["key"] == "k8s.node.name":
                nodes.add(a["value"].get("stringValue"))
assert nodes == {"test-node"}, f"k8s.node.name from OTEL_RESOURCE_ATTRIBUTES: {nodes}"
EOF
note "capabilities ${CAPS[*]}: $(grep -c . "$RLOG") gzip requests, k8s.node.name=test-node on every resource"
stop_receiver

# 3. Each capability is needed: without it the tracer stops, saying why.
start_receiver without
for drop in "${CAPS[@]}"; do
  keep=()
  for c in "${CAPS[@]}"; do [ "$c" = "$drop" ] || keep+=("$c"); done
  start_demo 32
  trace_with "no-$drop" "${keep[@]}"
  [ "$TRACER_RC" -ne 0 ] || { cat "$WORK/no-$drop.log"; fail "without CAP_$drop the tracer still worked: not needed?"; }
  note "without CAP_$drop: exit $TRACER_RC, $(grep -m1 -E 'not permitted|denied|Permission' "$WORK/no-$drop.log" | cut -c1-110)"
done
stop_receiver

# 4. The systemd unit (its binary pointed at this build; no man lookup).
sed "s|/usr/local/sbin/mcp-bpftrace|$TRACER|" "$DEPLOY/systemd/mcp-bpftrace.service" >"$WORK/mcp-bpftrace.service"
systemd-analyze verify --man=no "$WORK/mcp-bpftrace.service" >"$WORK/unit.err" 2>&1 || true
[ ! -s "$WORK/unit.err" ] || { cat "$WORK/unit.err"; fail "systemd-analyze verify: deploy/systemd/mcp-bpftrace.service"; }
note "systemd unit verifies"

# 5. The DaemonSet's own arguments, when this build has every option they use.
mapfile -t ARGS < <($DCHECK args)
"$TRACER" --help >"$WORK/help"
missing=()
for a in "${ARGS[@]}"; do
  [[ $a == --* ]] && ! grep -qE -- "(^| )${a%%=*}([ =[]|$)" "$WORK/help" && missing+=("$a")
done
if [ "${#missing[@]}" -gt 0 ]; then
  note "not run: the DaemonSet's ${missing[*]} is not in this build (issue 17, item 3)"
else
  start_receiver args
  (
    while IFS= read -r kv; do export "${kv?}"; done < <($DCHECK env)
    export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$RPORT
    export OTEL_RESOURCE_ATTRIBUTES=${OTEL_RESOURCE_ATTRIBUTES//\$(NODE_NAME)/test-node}
    exec setpriv --bounding-set "$(caps_arg "${CAPS[@]}")" -- "$TRACER" "${ARGS[@]}" --duration 3
  ) >"$WORK/args.log" 2>&1 || { cat "$WORK/args.log"; fail "the DaemonSet's arguments: exit $?"; }
  note "the DaemonSet's arguments (${ARGS[*]}) ran 3 s with its capabilities"
  stop_receiver
fi
