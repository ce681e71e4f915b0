#!/usr/bin/env bash
# `make demo` as a user runs it: an unmodified Node.js agent (npm openai and
# @modelcontextprotocol/sdk, tools/agent-demo) under the tracer with no
# probe map. The export must equal what the agent's SDKs reported (LLM
# calls and tokens, MCP requests on both sides, git worktree commands and
# their statuses), and its trace trees must be right: every git worktree
# command under the MCP SERVER span of the tool call that ran it, under the
# agent's CLIENT span, under the LLM call whose answer asked for the tool,
# in one trace, for every tool call of the ledger. The checkers are then
# shown to fail on a ledger or an export that differ (a git span or a tool
# call moved out from under its parent), and the summary's rows to be the
# ledger's counts.
source "$(dirname "$0")/lib.sh"
AGENT=$ROOT/tools/agent-demo
[ -d "$AGENT/node_modules/openai" ] || fail "npm packages missing in tools/agent-demo (run make deps)"
out=$WORK/demo
t0=$SECONDS
rc=0
BUILD=$BUILD_DIR "$ROOT/tools/demo.sh" --out "$out" --seconds 3 >"$WORK/demo.out" 2>"$WORK/demo.err" || rc=$?
[ "$rc" -eq 0 ] || { tail -n 60 "$WORK/demo.out"; cat "$WORK/demo.err"; fail "tools/demo.sh exited with $rc"; }
w=$out/agent
led=$w/ledger
note "tools/demo.sh: $((SECONDS - t0)) s"
grep -q "dropped 0 (ring buffer full)" "$WORK/demo.out" || { cat "$WORK/demo.out"; fail "records dropped"; }
for what in "check_llm_ledger: [0-9]+ passed, 0 failed" "check_mcp_ledger: [0-9]+ passed, 0 failed" \
  "git ledger: [0-9]+ commands, 0 mismatches" "trace_tree: [0-9]+ passed, 0 failed"; do
  grep -qE "$what" "$WORK/demo.out" || { cat "$WORK/demo.out"; fail "the demo did not print '$what'"; }
done
grep -q "git_worktree_add" "$WORK/demo.out" || fail "the demo showed no turn with a git worktree add"

# The run had what the demo is about: several tickets, a failing tool, git.
tools=$(python3 -c 'import json,sys; print(sum(r["method"] == "tools/call" for r in json.load(open(sys.argv[1]))["requests"]))' "$led/mcp.json")
tool_errors=$(grep -c '"outcome": "tool_error"' "$led/mcp.json" || true)
llm=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["calls"]))' "$led/llm.json")
adds=$(grep -c '^add 0$' "$led/git.txt" || true)
removes=$(grep -c '^remove 0$' "$led/git.txt" || true)
[ "$tools" -ge 12 ] && [ "$tool_errors" -ge 1 ] && [ "$adds" -ge 4 ] && [ "$removes" -eq "$adds" ] ||
  fail "a thin run: $tools tool calls ($tool_errors failed), $adds adds, $removes removes"
note "ledger: $llm LLM calls, $tools tool calls ($tool_errors failed), $adds worktrees added and removed"

# The summary says the same numbers.
row() { grep -E "^$1 " "$WORK/demo.out" | awk '{print $(NF-6)}'; } # CALLS, counted from the right
[ "$(row 'mcp_client_tool +client tools/call')" = "$tools" ] || fail "summary: client tools/call $(row 'mcp_client_tool +client tools/call'), ledger $tools"
[ "$(row 'mcp_server_tool +server tools/call')" = "$tools" ] || fail "summary: server tools/call $(row 'mcp_server_tool +server tools/call'), ledger $tools"
[ "$(row 'git_worktree +git worktree')" = "$((adds + removes))" ] || fail "summary: git worktree $(row 'git_worktree +git worktree'), ledger $((adds + removes))"
[ "$(row 'llm_chat +chat')" = "$llm" ] || fail "summary: chat $(row 'llm_chat +chat'), ledger $llm"
grep -qE "^gpt-4o-mini +chat +$llm +0 "'.*\$0\.[0-9]*[1-9]' "$WORK/demo.out" || { grep -A3 "^LLM MODEL" "$WORK/demo.out"; fail "summary: no LLM row with $llm calls and a cost"; }

# The API key the agent sent is nowhere in the export or the output.
grep -qF "sk-demo-not-a-real-key" "$out/otlp.jsonl" "$WORK/demo.out" "$WORK/demo.err" && fail "the API key is in the export or the output"

# The checkers catch a difference: one LLM call, one tool call, one git
# command less in the ledger; a git span moved out from under its SERVER span.
python3 - "$led" "$WORK/bad" <<'PY'
import json, os, sys
led, bad = sys.argv[1], sys.argv[2]
os.makedirs(bad)
l = json.load(open(f"{led}/llm.json")); l["calls"].pop(); json.dump(l, open(f"{bad}/llm.json", "w"))
m = json.load(open(f"{led}/mcp.json"))
m["requests"].remove(next(r for r in m["requests"] if r["method"] == "tools/call"))
json.dump(m, open(f"{bad}/mcp.json", "w"))
open(f"{bad}/git.txt", "w").writelines(open(f"{led}/git.txt").readlines()[1:])
PY
python3 - "$out/otlp.jsonl" "$WORK/bad/otlp.jsonl" "$WORK/bad/otlp_tool.jsonl" <<'PY'
import json, sys


def moved_copy(dst, pick, move):
    """The export with the first span pick() chooses changed by move()."""
    moved = False
    with open(dst, "w") as o:
        for line in open(sys.argv[1]):
            obj = json.loads(line)
            for rs in obj.get("resourceSpans", []):
                for ss in rs["scopeSpans"]:
                    for s in ss["spans"]:
                        if not moved and pick(s):
                            move(s)
                            moved = True
            o.write(json.dumps(obj) + "\n")
    assert moved


# a git span out from under its SERVER span
moved_copy(sys.argv[2], lambda s: s["name"] == "git_worktree_add", lambda s: s.update(parentSpanId="00000000000000aa"))
# a tools/call CLIENT span that is a root: no LLM call above it
moved_copy(sys.argv[3], lambda s: s["name"].startswith("tools/call") and s["kind"] == 3,
           lambda s: s.pop("parentSpanId", None))
PY
python3 "$ROOT/tests/llm/check_llm_ledger.py" --prices "$ROOT/data/prices.tsv" --ledger "$WORK/bad/llm.json" \
  --otlp "$out/otlp.jsonl" >/dev/null && fail "check_llm_ledger passes a ledger one call short"
python3 "$ROOT/tests/mcp/check_mcp_ledger.py" --ledger "$WORK/bad/mcp.json" --otlp "$out/otlp.jsonl" >/dev/null &&
  fail "check_mcp_ledger passes a ledger one tool call short"
python3 "$ROOT/tests/e2e/check_git_ledger.py" "$WORK/bad/git.txt" "$out/otlp.jsonl" >/dev/null &&
  fail "check_git_ledger passes a ledger one command short"
python3 "$AGENT/trace_tree.py" --check --otlp "$WORK/bad/otlp.jsonl" --mcp-ledger "$led/mcp.json" >"$WORK/bad/tree" &&
  fail "trace_tree passes a git span that is not under its SERVER span"
grep -q "^FAIL git_worktree_add .* parent" "$WORK/bad/tree" || { cat "$WORK/bad/tree"; fail "trace_tree did not name the moved span"; }
python3 "$AGENT/trace_tree.py" --check --otlp "$WORK/bad/otlp_tool.jsonl" --mcp-ledger "$led/mcp.json" >"$WORK/bad/tree_tool" &&
  fail "trace_tree passes a tools/call span that is not under the LLM call that asked for it"
grep -q "^FAIL tools/call .* parent" "$WORK/bad/tree_tool" || { cat "$WORK/bad/tree_tool"; fail "trace_tree did not name the tool call"; }
note "the checkers fail on a ledger one LLM call, tool call or git command short, and on a moved span or tool call"
echo "PASS: agent demo: export == ledger ($llm LLM calls, $tools tool calls, $((adds + removes)) git commands), trees right"
