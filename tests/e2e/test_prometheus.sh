#!/usr/bin/env bash
# --prometheus: Debian's own Prometheus scrapes the tracer every second
# while it traces the demo; afterwards its HTTP API must hold every counter
# of the demo's ledger with exactly the ledger's value (labels: attribute
# keys with dots as underscores, plus service_name and process_pid), every
# histogram's _count equal to the ledger's count, and the tracer's own
# health metrics. promtool lints one scrape of the exposition format; a
# scrape beside idle connections answers at once.
source "$(dirname "$0")/lib.sh"
command -v prometheus >/dev/null || fail "prometheus is missing: run 'make deps'"
command -v promtool >/dev/null || fail "promtool is missing: run 'make deps'"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PPORT=$(free_port) WPORT=$(free_port)
mkdir -p "$WORK/prom-data"
cat >"$WORK/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: mcp-bpftrace
    static_configs:
      - targets: ["127.0.0.1:$PPORT"]
YML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom-data" \
  --web.listen-address="127.0.0.1:$WPORT" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
bg $!
end=$((SECONDS + 30))
until curl -sf "http://127.0.0.1:$WPORT/-/ready" >/dev/null; do
  [ $SECONDS -ge $end ] && { cat "$WORK/prometheus.log"; fail "prometheus did not become ready"; }
  sleep 0.2
done
t_start=$(date +%s)

# --sources uprobe: the ledger is the demo's calls; the exec span of the
# process source has no place in it.
"$TRACER" --sources uprobe -P "$PROBES" --no-top --interval 1 --prometheus "127.0.0.1:$PPORT" --prometheus-linger 4 \
  -- "$DEMO" --seed 51 --threads 4 --duration 4 --rate 200 --ledger "$WORK/p.ledger" >"$WORK/p.log" 2>&1 &
tpid=$!
bg $tpid
wait_for "$WORK/p.log" "serving /metrics on port" 30 || { cat "$WORK/p.log"; fail "no linger"; }
curl -sf "http://127.0.0.1:$PPORT/metrics" >"$WORK/scrape.txt" || fail "GET /metrics failed"
promtool check metrics <"$WORK/scrape.txt" >"$WORK/promtool.txt" 2>&1 ||
  { cat "$WORK/promtool.txt"; fail "promtool finds problems in the exposition"; }
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PPORT/")
[ "$code" = 404 ] || fail "GET / should be 404, got $code"
# Idle clients delay nobody: one connected and silent, one stuck in the
# middle of its request line, then a scrape (the hand-written server served
# one connection at a time: this scrape waited out the idle one's 5 s).
python3 - "$PPORT" <<'PY' || fail "a scrape beside idle connections was slow"
import socket, sys, time, urllib.request
port = int(sys.argv[1])
idle = socket.create_connection(("127.0.0.1", port))
half = socket.create_connection(("127.0.0.1", port))
half.sendall(b"GET /met")
time.sleep(0.2)
t = time.monotonic()
body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read()
took = time.monotonic() - t
assert b"\nmcp_bpftrace_events_total{" in body, "no metrics in the scrape"
assert took < 0.5, f"the scrape took {took:.2f} s"
print(f"-- scrape beside two idle connections: {took * 1000:.1f} ms")
PY
wait $tpid || { cat "$WORK/p.log"; fail "tracer failed"; }
grep -q "dropped 0 (ring buffer full)" "$WORK/p.log" || { cat "$WORK/p.log"; fail "records dropped"; }

# Raw samples of every mcp_* series over the run (a range selector keeps
# the metric names; the last sample of each series is its final value).
curl -sfG "http://127.0.0.1:$WPORT/api/v1/query" \
  --data-urlencode "query={__name__=~\"mcp_.+\",job=\"mcp-bpftrace\"}[$(( $(date +%s) - t_start + 5 ))s]" \
  >"$WORK/query.json" || fail "prometheus query failed"
python3 - "$WORK/p.ledger" "$WORK/query.json" <<'PY'
import json, re, sys
led = json.load(open(sys.argv[1]))
res = json.load(open(sys.argv[2]))
assert res["status"] == "success", res
SCRAPE = {"__name__", "job", "instance", "service_name", "process_pid"}
def lname(k): return re.sub(r"[^a-zA-Z0-9_]", "_", k)
got = {}
pids = set()
for s in res["data"]["result"]:
    m = s["metric"]
    key = (m["__name__"], tuple(sorted((k, v) for k, v in m.items() if k not in SCRAPE)))
    got[key] = float(s["values"][-1][1])
    pids.add((m.get("service_name"), m.get("process_pid")))
problems, checked = [], 0
want = {}
for metric, entries in led["counters"].items():
    for e in entries:
        key = (metric, tuple(sorted((lname(k), str(v)) for k, v in e.get("attributes", {}).items())))
        want[key] = float(e["value"])
for metric, entries in led["histograms"].items():
    for e in entries:
        key = (metric + "_count", tuple(sorted((lname(k), str(v)) for k, v in e.get("attributes", {}).items())))
        want[key] = float(e["count"])
for key, v in want.items():
    g = got.get(key)
    checked += 1
    if g is None and v == 0:
        continue
    if g is None or abs(g - v) > 1e-9 * max(1.0, abs(v)):
        problems.append(f"{key}: ledger {v}, prometheus {g}")
for key, g in got.items():
    name = key[0]
    if name.startswith("mcp_bpftrace_") or key in want or g == 0:
        continue
    if name.endswith("_total") or name.endswith("_count"):
        problems.append(f"{key}: {g} in prometheus, not in the ledger")
for p in problems[:10]:
    print("FAIL", p)
assert not problems, f"{len(problems)} series differ"
health = {k[0]: v for k, v in got.items() if k[0].startswith("mcp_bpftrace_")}
assert health.get("mcp_bpftrace_events_total", 0) > 0, health
assert ("mcp-bpftrace", None) not in pids and any(s == "mcp-demo" for s, _ in pids), pids
print(f"-- prometheus: {checked} ledger series (counters and histogram counts) equal;"
      f" {len(got)} mcp_* series scraped; mcp_bpftrace_events_total={health['mcp_bpftrace_events_total']:.0f}")
PY
