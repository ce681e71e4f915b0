#!/usr/bin/env bash
# Model Context Protocol on the wire, from outside, with no probe map:
# real MCP clients and servers run under the tracer, each client writes a
# ledger of every request it sent and what came back, and the export must
# equal it exactly (tests/mcp/check_mcp_ledger.py): a CLIENT span in the
# client and a SERVER span in the server per request, named and attributed
# as the MCP conventions say, errors (JSON-RPC codes, isError tools,
# cancellation), every SERVER span the child of its CLIENT span, the
# operation and session histograms.
#   - the TypeScript SDK (@modelcontextprotocol/sdk) over stdio, with a
#     300 KB result, and over Streamable HTTP on 127.0.0.1 (SSE and JSON
#     responses, Mcp-Session-Id);
#   - a Python 3.11 standard-library pair (newline-delimited JSON-RPC by
#     hand, string and number ids, a cancellation, a non-JSON banner line),
#     and again with a 2 MB result, over the reassembly cap: its spans end
#     from what the head and tail of the message say;
#   - an HTTP server attached by --pid, its client not traced: the server
#     side alone;
#   - all the while, MCP pairs that are not traced: nothing of them exported;
#   - tool arguments and results only with --capture-content.
# MCP_CAPTURE=libc|syscalls|auto runs it all with --mcp-capture=that
# (test_mcp_syscalls.sh: syscalls); unset, the default (auto).
source "$(dirname "$0")/lib.sh"
CAPTURE=()
[ -n "${MCP_CAPTURE:-}" ] && CAPTURE=(--mcp-capture="$MCP_CAPTURE")
MCP=$ROOT/tests/mcp
CHECK_MCP="python3 $MCP/check_mcp_ledger.py"
[ -d "$MCP/node_modules/@modelcontextprotocol/sdk" ] || fail "npm packages missing in tests/mcp (run make deps)"

python3 -m unittest discover -s "$MCP" -p 'test_check_mcp_ledger.py' >"$WORK/selftest.log" 2>&1 ||
  { cat "$WORK/selftest.log"; fail "check_mcp_ledger.py's own tests fail"; }

# MCP pairs nobody traces, one after the other during every traced run
# below (until $WORK/stop).
(
  i=0
  while [ ! -e "$WORK/stop" ]; do
    i=$((i + 1))
    python3 "$MCP/py_client.py" --ledger "$WORK/untraced.$i.ledger" --calls 20 || exit 1
  done
) >"$WORK/untraced.log" 2>&1 &
untraced=$!; bg $untraced

# trace NAME [TRACER ARGS] -- CMD...: CMD under the tracer (no probe map),
# its export checked against the ledger CMD wrote to $WORK/NAME.ledger.
trace() {
  local name=$1 t0=$SECONDS; shift
  local targs=()
  while [ "$1" != -- ]; do targs+=("$1"); shift; done
  shift
  "$TRACER" --no-top ${CAPTURE[@]+"${CAPTURE[@]}"} ${targs[@]+"${targs[@]}"} --otlp-file "$WORK/$name.jsonl" -- "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" || { cat "$WORK/$name.err"; fail "$name: tracer exited with $?"; }
  [ -s "$WORK/$name.ledger" ] || { cat "$WORK/$name.err"; fail "$name: the client wrote no ledger"; }
  grep -q "dropped 0 (ring buffer full)" "$WORK/$name.out" || { cat "$WORK/$name.out"; fail "$name: records dropped"; }
  $CHECK_MCP --ledger "$WORK/$name.ledger" --otlp "$WORK/$name.jsonl" >"$WORK/$name.check" 2>&1 ||
    { tail -n 30 "$WORK/$name.check"; cat "$WORK/$name.err"; fail "$name: export differs from the ledger"; }
  note "$name: $(tail -n 1 "$WORK/$name.check") ($((SECONDS - t0)) s)"
}

trace python -- python3 "$MCP/py_client.py" --ledger "$WORK/python.ledger" --calls 20
kill -0 $untraced 2>/dev/null || { cat "$WORK/untraced.log"; fail "the untraced pairs stopped early"; }
grep -q '"outcome": "cancelled"' "$WORK/python.ledger" || fail "python: no cancelled call in the run"
trace python_big -- python3 "$MCP/py_client.py" --ledger "$WORK/python_big.ledger" --calls 2 --big 2000000
grep -q '"mcp.message.truncated"' "$WORK/python_big.jsonl" || fail "python_big: no span says its message was cut"
trace node_stdio -- node "$MCP/client.mjs" --stdio --ledger "$WORK/node_stdio.ledger" --calls 20 --big 300000
trace node_http_sse -- "$MCP/http_pair.sh" "$WORK/node_http_sse.ledger" --calls 20
trace node_http_json -- "$MCP/http_pair.sh" "$WORK/node_http_json.ledger" --json-response --calls 20
grep -q '"mcp.session.id"' "$WORK/node_http_sse.jsonl" || fail "node_http_sse: no mcp.session.id exported"

# --pid: an HTTP server already running; its client is not traced. The
# server's side alone, every request of the client's ledger.
node "$MCP/server.mjs" --http --port-file "$WORK/pid.port" --pid-file "$WORK/pid.spid" 2>"$WORK/pid.server.err" &
bg $!
for _ in $(seq 200); do [ -s "$WORK/pid.port" ] && [ -s "$WORK/pid.spid" ] && break; sleep 0.05; done
[ -s "$WORK/pid.port" ] || { cat "$WORK/pid.server.err"; fail "pid: the server did not start"; }
"$TRACER" --no-top ${CAPTURE[@]+"${CAPTURE[@]}"} --pid "$(cat "$WORK/pid.spid")" --otlp-file "$WORK/pid.jsonl" >"$WORK/pid.out" 2>"$WORK/pid.err" &
tpid=$!; bg $tpid
wait_for "$WORK/pid.err" "probes attached" 20 || { cat "$WORK/pid.err"; fail "pid: tracer did not attach"; }
node "$MCP/client.mjs" --http "http://127.0.0.1:$(cat "$WORK/pid.port")/mcp" --server-pid "$(cat "$WORK/pid.spid")" \
  --ledger "$WORK/pid.ledger" --calls 10 >"$WORK/pid.client.log" 2>&1 || { cat "$WORK/pid.client.log"; fail "pid: the client failed"; }
sleep 0.3 # the last reads reach the ring buffer
kill -INT $tpid
wait $tpid || { cat "$WORK/pid.err"; fail "pid: tracer exited with $?"; }
$CHECK_MCP --side server --ledger "$WORK/pid.ledger" --otlp "$WORK/pid.jsonl" >"$WORK/pid.check" 2>&1 ||
  { tail -n 30 "$WORK/pid.check"; fail "pid: export differs from the ledger"; }
note "pid (server only): $(tail -n 1 "$WORK/pid.check")"

# The pairs nobody traced left nothing in any export.
touch "$WORK/stop"
wait $untraced || { cat "$WORK/untraced.log"; fail "an untraced pair failed"; }
$CHECK_MCP --otlp "$WORK"/*.jsonl --untraced "$WORK"/untraced.*.ledger >"$WORK/untraced.check" 2>&1 ||
  { cat "$WORK/untraced.check"; fail "an untraced pair shows in an export"; }
note "untraced pairs ($(ls "$WORK"/untraced.*.ledger | wc -l) sessions): $(tail -n 1 "$WORK/untraced.check")"

# Content: tool arguments and results never without --capture-content.
grep -q 'hello 7' "$WORK/node_stdio.jsonl" && fail "a tool argument is in the export without --capture-content"
grep -q 'gen_ai.tool.call.arguments' "$WORK"/*.jsonl && fail "gen_ai.tool.call.arguments exported without --capture-content"
trace content --capture-content -- python3 "$MCP/py_client.py" --ledger "$WORK/content.ledger" --calls 2
grep -q '"gen_ai.tool.call.arguments"' "$WORK/content.jsonl" || fail "content: no gen_ai.tool.call.arguments with --capture-content"
grep -q 'hello 1' "$WORK/content.jsonl" || fail "content: the echo argument is missing with --capture-content"
note "content: arguments and results only with --capture-content"
