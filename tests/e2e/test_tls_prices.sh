#!/usr/bin/env bash
# --prices FILE: the LLM price table a user brings replaces the shipped
# data/prices.tsv. A run with a custom table exports the cost that table
# gives for the tokens each call used (the client's own ledger), a model it
# does not list gets no cost and is named once; a file that does not parse
# is bad usage (exit 2, the file and the line named) before anything loads
# or the command starts.
source "$(dirname "$0")/lib.sh"
LLM=$ROOT/tests/llm
CHECK_LLM="python3 $LLM/check_llm_ledger.py"

# ---- bad tables: exit 2, the file and the line, nothing started ----------
# bad NAME EXPECTED-TEXT: the table in $WORK/NAME.tsv is refused.
bad() {
  local name=$1 want=$2 rc=0
  "$TRACER" --no-top --prices "$WORK/$name.tsv" -- touch "$WORK/$name.ran" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  [ $rc -eq 2 ] || { cat "$WORK/$name.err"; fail "$name: exit $rc, not 2 (bad usage)"; }
  grep -qF -- "--prices $WORK/$name.tsv: $want" "$WORK/$name.err" ||
    { cat "$WORK/$name.err"; fail "$name: the message does not say '$WORK/$name.tsv: $want'"; }
  [ ! -e "$WORK/$name.ran" ] || fail "$name: the command ran although the price table is bad"
  grep -q "probes attached" "$WORK/$name.err" && fail "$name: probes were attached"
  note "bad table $name: $(head -n 1 "$WORK/$name.err")"
}
printf '# comment\nopenai\tgpt-4o-mini\t0.15\n' >"$WORK/fields.tsv"
bad fields "line 2: want 4 tab-separated fields"
printf 'openai\tgpt-4o-mini\t0.15\t0.60\n\nopenai\tgpt-4o\t-1\t10\n' >"$WORK/negative.tsv"
bad negative "line 3: prices must be numbers >= 0"
printf 'openai\tgpt-4o\t2.5\tten\n' >"$WORK/word.tsv"
bad word "line 1: prices must be numbers >= 0"
printf '\tgpt-4o\t2.5\t10\n' >"$WORK/noprovider.tsv"
bad noprovider "line 1: provider empty or too long"
bad missing "cannot open the price table: No such file or directory"

# ---- a custom table prices the calls -------------------------------------
"$LLM/make_cert.sh" "$WORK"
node "$LLM/mock.js" --cert "$WORK/cert.pem" --key "$WORK/key.pem" --port-file "$WORK/port" 2>"$WORK/mock.err" &
bg $!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
[ -s "$WORK/port" ] || { cat "$WORK/mock.err"; fail "the mock did not start"; }
BASE=https://127.0.0.1:$(cat "$WORK/port")

# Prices far from the shipped ones, so that the shipped table cannot pass
# for this one; gpt-4o is left out on purpose.
printf '%s\n' '# prices for the test: provider, model, USD per million input, output' \
  "$(printf 'openai\tgpt-4o-mini\t1000\t3000')" \
  "$(printf 'openai\ttext-embedding-3-small\t500\t0')" \
  "$(printf 'anthropic\tclaude-3-5-haiku\t7.5\t11')" \
  "$(printf 'anthropic\tclaude-haiku-4-5\t2\t4')" >"$WORK/custom.tsv"
"$TRACER" --no-top --prices "$WORK/custom.tsv" --otlp-file "$WORK/run.jsonl" -- \
  python3 "$LLM/py_client.py" --base "$BASE" --cafile "$WORK/cert.pem" --ledger "$WORK/run.ledger" \
  >"$WORK/run.out" 2>"$WORK/run.err" || { cat "$WORK/run.err"; fail "tracer exited with $?"; }
[ -s "$WORK/run.ledger" ] || { cat "$WORK/run.err"; fail "the client wrote no ledger"; }
grep -q "dropped 0 (ring buffer full)" "$WORK/run.out" || { cat "$WORK/run.out"; fail "records dropped"; }

# Spans, tokens and the cost per model, from the custom table.
$CHECK_LLM --prices "$WORK/custom.tsv" --ledger "$WORK/run.ledger" --otlp "$WORK/run.jsonl" >"$WORK/custom.check" 2>&1 ||
  { tail -n 30 "$WORK/custom.check"; fail "the export's cost is not the custom table's"; }
note "custom table: $(tail -n 1 "$WORK/custom.check")"
# The same check with the shipped table must fail: the run did not use it.
if $CHECK_LLM --prices "$ROOT/data/prices.tsv" --ledger "$WORK/run.ledger" --otlp "$WORK/run.jsonl" >"$WORK/shipped.check" 2>&1; then
  fail "the export's cost also matches the shipped table: --prices was not used"
fi
grep -q "FAIL.*mcp_model_cost" "$WORK/shipped.check" || { tail -n 30 "$WORK/shipped.check"; fail "the shipped-table check failed for another reason"; }

# The total in USD, from the ledger's successful calls and the table above,
# against the sum of mcp_model_cost_total in the last metrics export.
python3 - "$WORK/run.ledger" "$WORK/run.jsonl" >"$WORK/total.txt" <<'PY' || { cat "$WORK/total.txt"; fail "total cost differs"; }
import json, re, sys
price = {"gpt-4o-mini": (1000, 3000), "text-embedding-3-small": (500, 0),
         "claude-3-5-haiku": (7.5, 11), "claude-haiku-4-5": (2, 4)}
want = 0.0
def price_of(model):  # the model, else the model a dated snapshot is of
    return price.get(model) or price.get(re.sub(r"-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$", "", model or ""))
for c in json.load(open(sys.argv[1]))["calls"]:
    if c["error"] or c.get("before_attach"):
        continue
    p = price_of(c["response_model"]) or price_of(c["model"])
    if p:
        want += ((c["input_tokens"] or 0) * p[0] + (c["output_tokens"] or 0) * p[1]) / 1e6
have, last = 0.0, None
for line in open(sys.argv[2]):
    if '"resourceMetrics"' in line:
        last = json.loads(line)
for rm in last["resourceMetrics"]:
    for sm in rm["scopeMetrics"]:
        for m in sm["metrics"]:
            if m["name"] == "mcp_model_cost_total":
                have += sum(p.get("asDouble", 0) for p in m["sum"]["dataPoints"])
print(f"ledger x table ${want:.6f}, export ${have:.6f}")
sys.exit(0 if want > 0.01 and abs(want - have) <= 1e-9 * max(1, want) else 1)
PY
note "total cost: $(cat "$WORK/total.txt")"

# gpt-4o is not in the table: no cost for it, and said once.
n=$(grep -c 'no price for openai model "gpt-4o' "$WORK/run.err" || true)
[ "$n" -eq 1 ] || { cat "$WORK/run.err"; fail "the unpriced gpt-4o was reported $n times, not once"; }
python3 - "$WORK/run.jsonl" <<'PY' || fail "gpt-4o has a cost although the table does not list it"
import json, sys
for line in open(sys.argv[1]):
    for rm in json.loads(line).get("resourceMetrics", []):
        for sm in rm["scopeMetrics"]:
            for m in sm["metrics"]:
                if m["name"] != "mcp_model_cost_total":
                    continue
                for p in m["sum"]["dataPoints"]:
                    a = {x["key"]: x["value"].get("stringValue") for x in p["attributes"]}
                    if a.get("mcp.model_type") == "gpt-4o" and p.get("asDouble", 0) != 0:
                        sys.exit(1)
PY
note "gpt-4o (not in the table): no cost, named once on stderr"

# The summary's LLM block says the same, per model: calls, errors, input and
# output tokens and the cost (from the custom table) of the client's
# ledger; a time to first chunk where a call was streamed, "-" elsewhere.
python3 - "$WORK/run.ledger" "$WORK/run.out" <<'PY' >"$WORK/summary.txt" || { cat "$WORK/run.out"; cat "$WORK/summary.txt"; fail "the summary's LLM block differs from the ledger"; }
import json, re, sys
from collections import defaultdict
price = {"gpt-4o-mini": (1000, 3000), "text-embedding-3-small": (500, 0),
         "claude-3-5-haiku": (7.5, 11), "claude-haiku-4-5": (2, 4)}
def price_of(model):
    return price.get(model) or price.get(re.sub(r"-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$", "", model or ""))
want = defaultdict(lambda: {"calls": 0, "errors": 0, "in": 0, "out": 0, "cost": 0.0, "priced": False, "stream": False})
for c in json.load(open(sys.argv[1]))["calls"]:
    w = want[c["model"]]
    w["calls"] += 1
    w["errors"] += bool(c["error"])
    if c["error"]:
        continue
    w["in"] += c["input_tokens"] or 0
    w["out"] += c["output_tokens"] or 0
    w["stream"] |= bool(c["stream"])
    p = price_of(c["response_model"]) or price_of(c["model"])
    if p:
        w["priced"] = True
        w["cost"] += ((c["input_tokens"] or 0) * p[0] + (c["output_tokens"] or 0) * p[1]) / 1e6
lines = open(sys.argv[2]).read().split("\n")
start = next(i for i, l in enumerate(lines) if l.startswith("LLM MODEL"))
have = {}
for l in lines[start + 1:]:
    f = l.split()
    if len(f) != 11:
        break
    have[f[0]] = f
bad = []
for model, w in want.items():
    f = have.get(model)
    if not f:
        bad.append(f"{model}: no row")
        continue
    calls, errors, tin, tout, cost, p50 = int(f[2]), int(f[3]), int(f[4]), int(f[5]), f[7], f[9]
    if (calls, errors, tin, tout) != (w["calls"], w["errors"], w["in"], w["out"]):
        bad.append(f"{model}: calls/errors/in/out {calls}/{errors}/{tin}/{tout}, ledger {w['calls']}/{w['errors']}/{w['in']}/{w['out']}")
    if w["priced"] != (cost != "-") or (w["priced"] and abs(float(cost[1:]) - w["cost"]) > 1e-6):
        bad.append(f"{model}: cost {cost}, ledger x table {w['cost']:.6f}")
    if w["stream"] != (p50 != "-"):
        bad.append(f"{model}: TTFT P50 {p50} for a model {'with' if w['stream'] else 'without'} streamed calls")
if set(have) - set(want):
    bad.append(f"rows the ledger does not have: {sorted(set(have) - set(want))}")
print("; ".join(bad) if bad else f"{len(want)} models: calls, errors, tokens, cost and TTFT as the ledger")
sys.exit(1 if bad else 0)
PY
note "summary: $(cat "$WORK/summary.txt")"
