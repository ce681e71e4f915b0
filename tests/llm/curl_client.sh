#!/usr/bin/env bash
# curl --http1.1 as a client of the mock (libssl.so.3 through libcurl):
# each call its own curl process; then a ledger of what curl got back
# (status, model, usage, failed or not; curl's exit 18 = cut mid-body).
# usage: curl_client.sh BASE CAFILE LEDGER [KEY]   (or the key in LLM_API_KEY)
set -u
base=$1 cafile=$2 ledger=$3 key=${4:-${LLM_API_KEY:-sk-test-not-a-real-key}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
# call PROVIDER OPERATION PATH SCENARIO BODY [curl options...]
call() {
  local provider=$1 op=$2 path=$3 scenario=$4 body=$5
  shift 5
  n=$((n + 1))
  local auth=(-H "Authorization: Bearer $key")
  [ "$provider" = anthropic ] && auth=(-H "x-api-key: $key" -H "anthropic-version: 2023-06-01")
  curl --http1.1 -sS --cacert "$cafile" "${auth[@]}" -H "Content-Type: application/json" \
    -H "x-mock-scenario: $scenario" "$@" -o "$work/$n.body" -w '%{http_code}' \
    -d "$body" "$base$path" > "$work/$n.status" 2>/dev/null
  echo "$?" > "$work/$n.rc"
  printf '%s\n' "$provider" "$op" "$scenario" "$body" > "$work/$n.meta"
}
call openai chat /v1/chat/completions ok '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'
call openai chat /v1/chat/completions ok '{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[]}'
call openai chat /v1/chat/completions gzip '{"model":"gpt-4o","messages":[]}' --compressed
call anthropic chat /v1/messages ok '{"model":"claude-3-5-haiku-latest","max_tokens":10,"messages":[]}'
call anthropic chat /v1/messages br '{"model":"claude-haiku-4-5","max_tokens":10,"stream":true,"messages":[]}' --compressed
call openai chat /v1/chat/completions 429 '{"model":"gpt-4o-mini","messages":[]}'
call anthropic chat /v1/messages cut '{"model":"claude-3-5-haiku-latest","stream":true,"messages":[]}'
python3 - "$work" "$n" "$ledger" <<'PY'
import json, sys
work, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
calls = []
for i in range(1, n + 1):
    provider, op, scenario, body = open(f"{work}/{i}.meta").read().split("\n")[:4]
    req = json.loads(body)
    status = int(open(f"{work}/{i}.status").read().strip() or 0)
    rc = int(open(f"{work}/{i}.rc").read())
    e = {"client": "curl", "provider": provider, "operation": op, "model": req["model"],
         "stream": bool(req.get("stream")), "scenario": scenario, "status": status,
         "error": rc != 0 or status != 200, "response_model": None, "input_tokens": None,
         "output_tokens": None}
    calls.append(e)
    if e["error"]:
        continue
    text = open(f"{work}/{i}.body", encoding="utf-8").read()
    if not e["stream"]:
        j = json.loads(text)
        e["response_model"] = j["model"]
        u = j["usage"]
        e["input_tokens"] = u.get("prompt_tokens", u.get("input_tokens"))
        e["output_tokens"] = u.get("completion_tokens", u.get("output_tokens"))
        continue
    for line in text.splitlines():
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        j = json.loads(line[6:])
        if provider == "openai":
            e["response_model"] = j["model"]
            if j.get("usage"):
                e["input_tokens"], e["output_tokens"] = j["usage"]["prompt_tokens"], j["usage"]["completion_tokens"]
        elif j["type"] == "message_start":
            e["response_model"] = j["message"]["model"]
            e["input_tokens"] = j["message"]["usage"]["input_tokens"]
            e["output_tokens"] = j["message"]["usage"]["output_tokens"]
        elif j["type"] == "message_delta":
            e["output_tokens"] = j["usage"]["output_tokens"]
json.dump({"client": "curl", "calls": calls}, open(out, "w"), indent=1)
PY
