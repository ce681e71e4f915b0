#!/usr/bin/env bash
# OTLP/HTTP export throughput: spans/s encoded (protobuf, protobuf+gzip,
# and OTLP/JSON for comparison) and sent through the real exporter to a
# local receiver that only answers 200 (so the number is ours, not the
# receiver's), plain and gzip. Then the whole tracer: the demo traced with
# --otlp to the decoding test receiver.
# usage: tools/bench/export_throughput.sh [SPANS]   (default 200000)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-200000}
WORK=$(mktemp -d /tmp/otlp-bench.XXXXXX)
pids=()
trap 'for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT
cd "$ROOT"
make -s all >/dev/null
objs=$(find build/user build/proto -name "*.o" | grep -v '/main.o$')
gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -Ibpf -Iuser -Ibuild -Ibuild/proto -D_GNU_SOURCE \
  -o "$WORK/otlp_bench" tools/bench/otlp_bench.c $objs \
  -lbpf -lelf -lz -lcjson -lprotobuf-c -lcurl -lncursesw -lpthread -lm
[ -d tests/otlp-receiver/node_modules ] || { echo "run 'make deps' first (npm ci in tests/otlp-receiver)"; exit 1; }
start() { # port-file, flags...: sets port
  local pf=$1; shift
  node tests/otlp-receiver/receiver.js --port-file "$pf" "$@" >/dev/null 2>&1 & pids+=($!)
  for _ in $(seq 200); do [ -s "$pf" ] && break; sleep 0.05; done
  port=$(cat "$pf")
}
echo "== $(nproc) CPUs, $N synthetic spans (12 attributes, 3 events each), batches of 512"
start "$WORK/sink.port" --no-decode
"$WORK/otlp_bench" "$N" "http://127.0.0.1:$port"

if [ "$(id -u)" -eq 0 ]; then
  echo "== whole tracer: mcp-demo (--ops 20000) traced with --otlp to the decoding test receiver"
  for comp in none gzip; do
    start "$WORK/dec-$comp.port" --out "$WORK/dec-$comp.jsonl"
    t0=$(date +%s.%N)
    build/mcp-bpftrace -P tools/mcp-demo/mcp-demo.probes --no-top --otlp-queue 200000 \
      --otlp-compression $comp --otlp "http://127.0.0.1:$port" -- build/mcp-demo --seed 7 --threads 4 \
      --ops 20000 --ledger "$WORK/l.json" >"$WORK/t-$comp.log" 2>&1
    t1=$(date +%s.%N)
    line=$(grep -o "otlp: .*" "$WORK/t-$comp.log" | tail -n 1)
    spans=$(sed -E 's/otlp: ([0-9]+) spans sent.*/\1/' <<<"$line")
    python3 -c 'import sys; c, n, t0, t1, rest = sys.argv[1:]; n = int(n); d = float(t1) - float(t0)
print(f"compression {c:4}: {n} spans delivered and decoded in {d:.2f}s ({n / d:.0f} spans/s end to end); {rest}")' \
      "$comp" "$spans" "$t0" "$t1" "$(grep -o '[0-9.]* KiB sent ([0-9.]* KiB before compression)' <<<"$line")"
  done
fi
