#!/usr/bin/env bash
# `sudo make demo`: trace the bundled demo workload, show what the tracer
# saw, and compare it with what the demo says it did (its ledger).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "demo: needs root (BPF, uprobes): sudo make demo" >&2; exit 1; fi
out=build/demo
mkdir -p "$out"
args=(--seed 7 --threads 4 --ops 20000)
echo "== mcp-bpftrace -P tools/mcp-demo/mcp-demo.probes --otlp-file $out/otlp.jsonl -- build/mcp-demo ${args[*]}"
build/mcp-bpftrace -P tools/mcp-demo/mcp-demo.probes --otlp-file "$out/otlp.jsonl" --no-top \
  -- build/mcp-demo "${args[@]}" --ledger "$out/ledger.json"
echo
echo "== OTLP/JSON written to $out/otlp.jsonl ($(wc -l < "$out/otlp.jsonl") requests); the demo's ledger: $out/ledger.json"
echo "== comparing the tracer's export with the ledger"
python3 tests/e2e/check_ledger.py --ledger "$out/ledger.json" --otlp "$out/otlp.jsonl"
