#!/usr/bin/env bash
# `sudo make demo`: trace an ordinary Node.js agent (tools/agent-demo: npm
# openai + @modelcontextprotocol/sdk, not written for the tracer) with no
# probe map, show what the tracer saw, and compare its OTLP/JSON export with
# what the agent's SDKs reported (its ledger).
#
#   tools/demo.sh [--live] [--seconds S] [--out DIR]   the agent demo (`make demo`)
#   tools/demo.sh --native [--out DIR]                 the C demo with a probe map (`make demo-native`)
#
# --live: the live view instead of the summary alone (q quits once the
# agent is done). BUILD=dir: the tracer of another build directory; the
# output goes to $BUILD/demo unless --out says (tests/e2e/test_agent_demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "demo: needs root (BPF, uprobes): sudo make demo" >&2; exit 1; fi
build=${BUILD:-build}
out=$build/demo
mode=agent seconds=4 view=(--no-top)
while [ $# -gt 0 ]; do
  case $1 in
    --native) mode=native ;;
    --live) view=(--linger) ;;
    --seconds) seconds=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "demo: unknown argument '$1' (--native, --live, --seconds S, --out DIR)" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$out"

if [ "$mode" = native ]; then
  args=(--seed 7 --threads 4 --ops 20000)
  echo "== mcp-bpftrace -P tools/mcp-demo/mcp-demo.probes --otlp-file $out/otlp.jsonl -- $build/mcp-demo ${args[*]}"
  "$build/mcp-bpftrace" -P tools/mcp-demo/mcp-demo.probes --otlp-file "$out/otlp.jsonl" --no-top \
    -- "$build/mcp-demo" "${args[@]}" --ledger "$out/ledger.json"
  echo
  echo "== OTLP/JSON written to $out/otlp.jsonl ($(wc -l < "$out/otlp.jsonl") requests); the demo's ledger: $out/ledger.json"
  echo "== comparing the tracer's export with the ledger"
  exec python3 tests/e2e/check_ledger.py --ledger "$out/ledger.json" --otlp "$out/otlp.jsonl"
fi

agent=tools/agent-demo
[ -d "$agent/node_modules/openai" ] && [ -d "$agent/node_modules/@modelcontextprotocol/sdk" ] ||
  { echo "demo: the agent's npm packages are missing in $agent (sudo make deps)" >&2; exit 1; }
command -v node >/dev/null || { echo "demo: node is not installed (sudo make deps)" >&2; exit 1; }

# The model: the LLM mock of the tls source's tests over HTTPS, with a
# certificate made now, scripted to ask for the agent's tools. It runs
# outside the tracer: only the agent and what it starts are traced.
rm -rf "$out/agent" && mkdir -p "$out/agent"
w=$out/agent
tests/llm/make_cert.sh "$w"
node tests/llm/mock.js --cert "$w/cert.pem" --key "$w/key.pem" --port-file "$w/port" \
  --script "$agent/model_script.cjs" 2>"$w/mock.err" &
mock=$!
trap 'kill $mock 2>/dev/null || true' EXIT
for _ in $(seq 200); do [ -s "$w/port" ] && break; sleep 0.05; done
[ -s "$w/port" ] || { cat "$w/mock.err" >&2; echo "demo: the LLM mock did not start" >&2; exit 1; }

# The agent reads the API's address and key as any openai-SDK program does.
export OPENAI_BASE_URL=https://127.0.0.1:$(cat "$w/port")/v1 OPENAI_API_KEY=sk-demo-not-a-real-key
export NODE_EXTRA_CA_CERTS=$w/cert.pem
cmd=(node "$agent/agent.mjs" --repo "$w/scratch/repo" --ledger-dir "$w/ledger" --seconds "$seconds")
echo "== mcp-bpftrace --otlp-file $out/otlp.jsonl -- ${cmd[*]}"
echo "   (no probe map: LLM calls from node's TLS, MCP from its pipes, git from its execs)"
rc=0
if [ "${view[0]}" = --linger ]; then
  "$build/mcp-bpftrace" "${view[@]}" --otlp-file "$out/otlp.jsonl" -- "${cmd[@]}" || rc=$?
else
  "$build/mcp-bpftrace" "${view[@]}" --otlp-file "$out/otlp.jsonl" -- "${cmd[@]}" >"$w/tracer.out" || rc=$?
  # the agent's own lines (one per ticket), then the tracer's summary
  grep -m 3 -E '^ticket ' "$w/tracer.out" || true
  echo "   ... ($(grep -cE '^ticket ' "$w/tracer.out") tickets; the agent's output: $w/tracer.out)"
  grep -vE '^ticket ' "$w/tracer.out"
fi
[ "$rc" -eq 0 ] || { echo "demo: the tracer exited with status $rc" >&2; exit "$rc"; }
[ -s "$w/ledger/mcp.json" ] || { echo "demo: the agent wrote no ledger" >&2; exit 1; }

echo
echo "== OTLP/JSON written to $out/otlp.jsonl; the agent's ledger: $w/ledger/"
echo "== comparing the tracer's export with what the agent's SDKs reported"
fails=0
check() { # FILE LABEL COMMAND...: its last line; its failures too when it fails
  local f=$w/$1.check label=$2; shift 2
  if "$@" >"$f" 2>&1; then
    echo "   $label: $(tail -n 1 "$f")"
  else
    grep -E '^FAIL' "$f" | head -n 20; echo "   $label: $(tail -n 1 "$f")"; fails=$((fails + 1))
  fi
}
check llm "LLM calls (tls source)" python3 tests/llm/check_llm_ledger.py --prices data/prices.tsv \
  --ledger "$w/ledger/llm.json" --otlp "$out/otlp.jsonl"
check mcp "MCP (mcp source)" python3 tests/mcp/check_mcp_ledger.py --ledger "$w/ledger/mcp.json" --otlp "$out/otlp.jsonl"
check git "git worktrees (exec source)" python3 tests/e2e/check_git_ledger.py "$w/ledger/git.txt" "$out/otlp.jsonl"
check tree "trace trees" python3 "$agent/trace_tree.py" --check --otlp "$out/otlp.jsonl" --mcp-ledger "$w/ledger/mcp.json"
echo
echo "== one turn of the agent: an LLM call and, under it, the tool calls its answer asked for"
python3 "$agent/trace_tree.py" --show --otlp "$out/otlp.jsonl" --mcp-ledger "$w/ledger/mcp.json" | sed 's/^./   &/'
if [ "$fails" -ne 0 ]; then echo "demo: $fails check(s) failed: the export differs from the ledger" >&2; exit 1; fi
echo
echo "== the export equals the ledger. Your own agent: sudo mcp-bpftrace -- node my-agent.js (or --pid PID)"
