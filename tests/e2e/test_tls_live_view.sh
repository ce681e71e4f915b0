#!/usr/bin/env bash
# LLM calls in the live view, as a user meets them: mcp-bpftrace with no
# probe map on the Python client of the HTTPS mock, in a 200x40 tmux pane,
# --linger keeping the final figures. The llm_chat and llm_embeddings rows
# carry the client's calls and errors (its ledger), tokens/s and cost/s,
# and TTFT (time to first chunk) where calls were streamed; the breakdown
# by model has its own. Screens are parsed by live_view_screen.py's Table.
source "$(dirname "$0")/lib.sh"
LLM=$ROOT/tests/llm
command -v tmux >/dev/null || fail "tmux is not installed (make deps)"
SOCK=mcp-tls-view-$$
tm() { tmux -u -L "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null; cleanup' EXIT

"$LLM/make_cert.sh" "$WORK"
node "$LLM/mock.js" --cert "$WORK/cert.pem" --key "$WORK/key.pem" --port-file "$WORK/port" 2>"$WORK/mock.err" &
bg $!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
[ -s "$WORK/port" ] || { cat "$WORK/mock.err"; fail "the mock did not start"; }

tm -f /dev/null new-session -d -s v -x 200 -y 40 \
  "env LANG=C.UTF-8 TERM=screen-256color $TRACER --linger --refresh 0.5 --prices $ROOT/data/prices.tsv \
     -- /usr/bin/python3.11 $LLM/py_client.py --base https://127.0.0.1:$(cat "$WORK/port") --cafile $WORK/cert.pem \
        --ledger $WORK/ledger.json; echo \"EXIT STATUS \$?\"; sleep 600"
for _ in $(seq 300); do tm capture-pane -p -t v | grep -q FINISHED && break; sleep 0.1; done
tm capture-pane -p -t v >"$WORK/final.txt"
grep -q FINISHED "$WORK/final.txt" || { cat "$WORK/final.txt"; fail "the view did not show the final figures"; }
[ -s "$WORK/ledger.json" ] || fail "the client wrote no ledger"
# only llm_chat (the filter), selected and expanded
tm send-keys -t v / && sleep 0.3 && tm send-keys -t v -l llm_chat && sleep 0.3 && tm send-keys -t v Enter
sleep 0.5
tm send-keys -t v Enter
sleep 1
tm capture-pane -p -t v >"$WORK/expanded.txt"

python3 - "$WORK/final.txt" "$WORK/expanded.txt" "$WORK/ledger.json" "$ROOT/tests/e2e" <<'PY' >"$WORK/check.txt" ||
import json, sys
from collections import Counter
sys.path.insert(0, sys.argv[4])
from live_view_screen import Table, number, seconds
final, expanded = [open(p).read().split("\n") for p in sys.argv[1:3]]
ledger = json.load(open(sys.argv[3]))["calls"]
t = Table(final)
bad = []
want = {"llm_chat": [c for c in ledger if c["operation"] == "chat"],
        "llm_embeddings": [c for c in ledger if c["operation"] == "embeddings"]}
for op, calls in want.items():
    r = t.rows.get(op)
    if not r:
        bad.append(f"no {op} row")
        continue
    errors = sum(1 for c in calls if c["error"])
    if (int(r["CALLS"]), int(r["ERRORS"])) != (len(calls), errors):
        bad.append(f"{op}: CALLS/ERRORS {r['CALLS']}/{r['ERRORS']}, ledger {len(calls)}/{errors}")
    if not (number(r["TOKENS/s"]) or 0) > 0 or not r["COST/s"].startswith("$"):
        bad.append(f"{op}: TOKENS/s {r['TOKENS/s']}, COST/s {r['COST/s']}")
    if seconds(r["P50"]) is None or seconds(r["P99"]) is None:
        bad.append(f"{op}: P50 {r['P50']} P99 {r['P99']}")
    streamed = any(c["stream"] and not c["error"] for c in calls)
    if streamed != (seconds(r["TTFT"]) is not None):
        bad.append(f"{op}: TTFT {r['TTFT']} ({'streamed' if streamed else 'no streamed'} calls)")
    elif streamed and not 0 < seconds(r["TTFT"]) <= seconds(r["P99"]):
        bad.append(f"{op}: TTFT {r['TTFT']} not within the calls' time (P99 {r['P99']})")
# breakdown of llm_chat by request model: calls per model as the ledger
e = Table(expanded)
by_model = Counter(c["model"] for c in want["llm_chat"])
for model, n in by_model.items():
    b = next((b for b in e.brows.get("llm_chat", []) if b.get("OPERATION") == f"gen_ai.request.model={model}"), None)
    if not b or int(b["CALLS"]) != n:
        bad.append(f"breakdown gen_ai.request.model={model}: {b and b['CALLS']}, ledger {n}")
print("; ".join(bad) if bad else
      f"llm_chat {t.rows['llm_chat']['CALLS']} calls TTFT {t.rows['llm_chat']['TTFT']}, "
      f"llm_embeddings {t.rows['llm_embeddings']['CALLS']}, {len(by_model)} models in the breakdown")
sys.exit(1 if bad else 0)
PY
  { cat "$WORK/final.txt" "$WORK/expanded.txt" "$WORK/check.txt"; fail "LLM rows differ from the ledger"; }
note "live view: $(cat "$WORK/check.txt")"
tm send-keys -t v q
for _ in $(seq 50); do tm capture-pane -p -t v | grep -q "EXIT STATUS" && break; sleep 0.1; done
tm capture-pane -p -t v | grep -q "EXIT STATUS 0" || { tm capture-pane -p -t v; fail "q did not end the tracer with status 0"; }
tm capture-pane -p -S -100 -t v | grep -q "^LLM MODEL" || fail "no LLM block in the summary after the view"
