#!/usr/bin/env bash
# The tracer as a container (deploy/Containerfile, built by
# deploy/build-image.sh from Debian packages on the debootstrap base the
# container tests use; no registry): run under podman with --privileged
# --pid=host --cgroupns=host and the host's /sys/kernel/btf and
# /sys/fs/cgroup, it traces an agent container by --container ID, exports
# OTLP/HTTP to a receiver on the host, and stops by itself when the agent's
# container goes away; what arrived equals the agent's ledger, every
# resource carries the agent's container.id, and nothing is the tracer's
# own process. First run: about 3 minutes (apt in the build); then the
# compile step only.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/e2e/otlp_lib.sh"
source "$ROOT/tools/container/lib.sh"
ct_setup || fail "cannot set up a container runtime"
P=("${CT_PODMAN[@]}")
# The agent keeps the tests' flags; the tracer needs the host's network to
# reach the receiver on 127.0.0.1, and its rlimits.
RUN_FLAGS=()
for ((i = 0; i < ${#CT_RUN_FLAGS[@]}; i++)); do
  [ "${CT_RUN_FLAGS[i]}" = --network ] && { i=$((i + 1)); continue; }
  RUN_FLAGS+=("${CT_RUN_FLAGS[i]}")
done
NAMES=()
img_cleanup() {
  for n in "${NAMES[@]:-}"; do [ -n "$n" ] && "${P[@]}" rm -f -t 0 "$n" >/dev/null 2>&1 || true; done
  cleanup
}
trap img_cleanup EXIT

IMG=$("$ROOT/deploy/build-image.sh" 2>"$WORK/build.log") || { tail -n 40 "$WORK/build.log"; fail "deploy/build-image.sh"; }
note "image $IMG ($(podman image inspect --format '{{.Size}}' "$IMG" | awk '{printf "%.0f MB", $1 / 1e6}'))"
TRACER_RUN=("${P[@]}" run --privileged --pid=host --cgroupns=host --network=host "${RUN_FLAGS[@]}"
  -v /sys/kernel/btf:/sys/kernel/btf:ro -v /sys/fs/cgroup:/sys/fs/cgroup:ro)

# 1. --version in the image: every kernel feature, the image's own data.
"${TRACER_RUN[@]}" --rm "$IMG" --version >"$WORK/version" 2>&1 || { cat "$WORK/version"; fail "--version in the image"; }
grep -qx "features: BTF yes, uprobe yes, uprobe_multi yes, ring buffer yes, tp_btf yes" "$WORK/version" ||
  { cat "$WORK/version"; fail "the image does not see the kernel's features"; }
grep -qx "data: /usr/local/share/mcp-bpftrace" "$WORK/version" || fail "the image's data directory"

# 2. The agent: the demo in its own container, waiting for SIGUSR1.
A=mcp-e2e-agent-$$ T=mcp-e2e-tracer-$$
mkdir -p "$WORK/a"
NAMES+=("$A")
"${P[@]}" run -d --name "$A" "${CT_RUN_FLAGS[@]}" -v "$WORK/a:/out" "$CT_IMAGE" \
  /usr/local/bin/mcp-demo --wait-signal --seed 17 --threads 3 --ops 2000 --ledger /out/ledger.json >/dev/null ||
  fail "podman run $A"
end=$((SECONDS + 20))
until grep -q "waiting for SIGUSR1" <("${P[@]}" logs "$A" 2>&1); do # (not a pipe: pipefail and grep -q)
  [ $SECONDS -ge $end ] && fail "$A did not start"
  sleep 0.1
done
ida=$("${P[@]}" inspect --format '{{.Id}}' "$A")

# 3. The tracer's container traces it, to a receiver on the host.
start_receiver image
NAMES+=("$T")
"${TRACER_RUN[@]}" -d --name "$T" -v "$PROBES:/probes/mcp-demo.probes:ro" \
  -e OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$RPORT" -e OTEL_EXPORTER_OTLP_COMPRESSION=gzip \
  "$IMG" -P /probes/mcp-demo.probes --container "$ida" --no-top --otlp-queue 65536 >/dev/null ||
  fail "podman run $T" # the queue: the demo runs flat out, faster than the test receiver takes
end=$((SECONDS + 30))
until grep -q "probes attached" <("${P[@]}" logs "$T" 2>&1); do
  [ "$("${P[@]}" inspect --format '{{.State.Running}}' "$T")" = true ] ||
    { "${P[@]}" logs "$T" 2>&1 | tail -20; fail "the tracer's container stopped before attaching"; }
  [ $SECONDS -ge $end ] && { "${P[@]}" logs "$T" 2>&1 | tail -20; fail "the tracer did not attach in 30 s"; }
  sleep 0.1
done
"${P[@]}" kill -s USR1 "$A" >/dev/null
rc=$(timeout 60 "${P[@]}" wait "$A") || fail "the agent did not finish"
[ "$rc" = 0 ] || fail "the agent exited with $rc"
# The agent's container is gone: the tracer stops by itself.
rc=$(timeout 30 "${P[@]}" wait "$T") || { "${P[@]}" logs "$T" 2>&1 | tail; fail "the tracer did not stop after the agent"; }
"${P[@]}" logs "$T" >"$WORK/tracer.log" 2>&1
[ "$rc" = 0 ] || { tail -n 20 "$WORK/tracer.log"; fail "the tracer's container exited with $rc"; }
grep -q "dropped 0 (ring buffer full)" "$WORK/tracer.log" && grep -q "; dropped 0 spans" "$WORK/tracer.log" ||
  { cat "$WORK/tracer.log"; fail "records or spans were dropped"; }
stop_receiver
check_receiver image "$WORK/a/ledger.json"

# 4. Every resource of the agent's telemetry names its container; none is
#    the tracer's own process (its health metrics are service mcp-bpftrace).
python3 - "$ROUT" "$ida" <<'EOF' || fail "resources of the export"
import json, sys
ids, services, span_services = set(), set(), set()
for line in open(sys.argv[1]):
    o = json.loads(line)
    for kind in ("resourceSpans", "resourceMetrics"):
        for r in o.get(kind, []):
            a = {x["key"]: next(iter(x["value"].values())) for x in r["resource"].get("attributes", [])}
            ids.add(a.get("container.id"))
            services.add(a.get("service.name"))
            if kind == "resourceSpans":
                span_services.add(a.get("service.name"))
assert ids == {sys.argv[2]}, f"container.id on the resources: {ids}"
# spans only from the agent; the tracer's own resource carries its health metrics
assert span_services == {"mcp-demo"}, f"spans from {span_services}"
assert services == {"mcp-demo", "mcp-bpftrace"}, f"services: {services}"
print(f"resources: container.id {sys.argv[2][:12]} on all, services {sorted(services)}")
EOF
note "the tracer's container traced $A: $(tail -n 1 "$WORK/image.check")"
