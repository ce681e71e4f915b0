#!/usr/bin/env bash
# LLM calls over HTTPS, from outside, with no probe map: real clients (Node
# 20 with npm openai and @anthropic-ai/sdk, TLS in the node binary; Python
# 3.11's standard library, libssl.so.3; curl --http1.1) call a local HTTPS
# mock of the OpenAI and Anthropic APIs (tests/llm/mock.js) under the
# tracer; each writes a ledger of what its SDK returned, and the export
# must equal it exactly (tests/llm/check_llm_ledger.py): spans by operation
# and model, errors, streams, status codes, token sums, cost. Then a client
# attached by --pid with a keep-alive connection already open; and with
# --capture-content off, neither the API key nor the prompt text appears
# in the export or in anything the tracer printed.
source "$(dirname "$0")/lib.sh"
LLM=$ROOT/tests/llm
CHECK_LLM="python3 $LLM/check_llm_ledger.py --prices $ROOT/data/prices.tsv"
[ -d "$LLM/node_modules/openai" ] || fail "npm packages missing in tests/llm (run make deps)"
# The key and the prompt go to the clients in the environment, not on their
# command lines (the exec source exports those with --capture-content).
KEY="sk-test-E2E-$RANDOM$RANDOM-SECRET"
export LLM_API_KEY=$KEY
PROMPT="PROMPT-$RANDOM-the secret plans for the lighthouse"
export LLM_PROMPT=$PROMPT

"$LLM/make_cert.sh" "$WORK"
node "$LLM/mock.js" --cert "$WORK/cert.pem" --key "$WORK/key.pem" --port-file "$WORK/port" 2>"$WORK/mock.err" &
bg $!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
[ -s "$WORK/port" ] || { cat "$WORK/mock.err"; fail "the mock did not start"; }
BASE=https://127.0.0.1:$(cat "$WORK/port")

# trace NAME CMD...: CMD under the tracer (no probe map), export checked
# against the ledger CMD wrote to $WORK/NAME.ledger.
trace() {
  local name=$1; shift
  "$TRACER" --no-top --otlp-file "$WORK/$name.jsonl" -- "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" ||
    { cat "$WORK/$name.err"; fail "$name: tracer exited with $?"; }
  [ -s "$WORK/$name.ledger" ] || { cat "$WORK/$name.err"; fail "$name: the client wrote no ledger"; }
  grep -q "dropped 0 (ring buffer full)" "$WORK/$name.out" || { cat "$WORK/$name.out"; fail "$name: records dropped"; }
  $CHECK_LLM --ledger "$WORK/$name.ledger" --otlp "$WORK/$name.jsonl" >"$WORK/$name.check" 2>&1 ||
    { tail -n 30 "$WORK/$name.check"; cat "$WORK/$name.err"; fail "$name: export differs from the ledger"; }
  note "$name: $(tail -n 1 "$WORK/$name.check")"
}

export NODE_EXTRA_CA_CERTS=$WORK/cert.pem
trace node_seq node "$LLM/node_client.mjs" --base "$BASE" --ledger "$WORK/node_seq.ledger"
trace node_conc node "$LLM/node_client.mjs" --base "$BASE" --ledger "$WORK/node_conc.ledger" --mode concurrent
trace python python3 "$LLM/py_client.py" --base "$BASE" --cafile "$WORK/cert.pem" --ledger "$WORK/python.ledger"
trace curl "$LLM/curl_client.sh" "$BASE" "$WORK/cert.pem" "$WORK/curl.ledger"

# The 5 MB streams kept their final usage event (checked above through the
# token sums); say so from the ledger too, so a mock without them fails.
grep -q '"scenario": "big"' "$WORK/node_seq.ledger" || fail "the big streams are missing from the run"

# --pid: a client whose keep-alive connection is already open (one call
# made) when the tracer attaches; the calls after are traced exactly, the
# one before is not counted.
python3 "$LLM/py_client.py" --base "$BASE" --cafile "$WORK/cert.pem" --ledger "$WORK/pid.ledger" \
  --wait-file "$WORK/go" 2>"$WORK/pid.client.err" &
cpid=$!; bg $cpid
for _ in $(seq 200); do grep -q ESTAB <(ss -tnp 2>/dev/null | grep "pid=$cpid,") && break; sleep 0.05; done
"$TRACER" --no-top --pid $cpid --otlp-file "$WORK/pid.jsonl" >"$WORK/pid.out" 2>"$WORK/pid.err" &
tpid=$!; bg $tpid
wait_for "$WORK/pid.err" "probes attached" 20 || { cat "$WORK/pid.err"; fail "pid: tracer did not attach"; }
touch "$WORK/go"
wait $cpid || { cat "$WORK/pid.client.err"; fail "pid: the client failed"; }
wait $tpid || { cat "$WORK/pid.err"; fail "pid: tracer exited with $?"; }
$CHECK_LLM --ledger "$WORK/pid.ledger" --otlp "$WORK/pid.jsonl" >"$WORK/pid.check" 2>&1 ||
  { tail -n 30 "$WORK/pid.check"; fail "pid: export differs from the ledger"; }
note "pid (keep-alive connection open before attach): $(tail -n 1 "$WORK/pid.check")"

# Secrets: the API key (Authorization, x-api-key) and the prompt text are
# nowhere in the exports or the tracer's output (--capture-content off),
# even with --verbose.
"$TRACER" --no-top -v --otlp-file "$WORK/secret.jsonl" -- python3 "$LLM/py_client.py" --base "$BASE" \
  --cafile "$WORK/cert.pem" --ledger "$WORK/secret.ledger" \
  >"$WORK/secret.out" 2>"$WORK/secret.err" || { cat "$WORK/secret.err"; fail "secret: tracer exited with $?"; }
grep -q '"gen_ai.operation.name"' "$WORK/secret.jsonl" || fail "secret: no LLM span exported"
for f in "$WORK"/*.jsonl "$WORK"/*.out "$WORK"/*.err; do
  case $f in *client.err) continue ;; esac
  grep -qF -- "$KEY" "$f" && fail "the API key appears in $(basename "$f")"
  grep -qF -- "$PROMPT" "$f" && fail "the prompt text appears in $(basename "$f")"
done
note "secrets: neither the API key nor the prompt in $(ls "$WORK"/*.jsonl "$WORK"/*.out "$WORK"/*.err | wc -l) files"

# The same grep finds the prompt when content capture is on: the check
# above can fail.
"$TRACER" --no-top --capture-content --otlp-file "$WORK/capture.json" -- python3 "$LLM/py_client.py" --base "$BASE" \
  --cafile "$WORK/cert.pem" --ledger "$WORK/capture.ledger" \
  >/dev/null 2>"$WORK/capture.log" || { cat "$WORK/capture.log"; fail "capture: tracer exited with $?"; }
grep -qF -- "$PROMPT" "$WORK/capture.json" || fail "capture: --capture-content did not export the prompt"
grep -q '"gen_ai.input.messages"' "$WORK/capture.json" || fail "capture: no gen_ai.input.messages"
grep -qF -- "$KEY" "$WORK/capture.json" && fail "capture: the API key appears even so"
note "--capture-content: the prompt is exported (gen_ai.input.messages), the key still is not"
