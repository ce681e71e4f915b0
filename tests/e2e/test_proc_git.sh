#!/usr/bin/env bash
# The process source with no probe map: a script runs git worktree commands
# of every kind from three children at once; the export's git_worktree_*
# spans and metrics equal its ledger, every exec span hangs under the
# script's, and --no-follow sees the script alone.
. "$(dirname "$0")/lib.sh"
command -v git >/dev/null || fail "git is not installed (make deps)"
T=$WORK/git
mkdir -p "$T"
"$TRACER" --no-top --otlp-file "$WORK/git.jsonl" -- "$ROOT/tests/progs/git_worktrees.sh" "$T" "$WORK/ledger" 3 \
  >"$WORK/out" 2>&1 || { cat "$WORK/out"; fail "tracer exited $?"; }
[ "$(wc -l <"$WORK/ledger")" -eq 39 ] || fail "the target's ledger has $(wc -l <"$WORK/ledger") lines, want 39"
python3 "$ROOT/tests/e2e/check_git_ledger.py" "$WORK/ledger" "$WORK/git.jsonl" || fail "export differs from the ledger"
grep -q "^git_worktree  *git worktree  *39 " "$WORK/out" || { cat "$WORK/out"; fail "summary row for git worktree"; }

# The exec spans form one trace under the script's own.
python3 - "$WORK/git.jsonl" <<'PY' || fail "exec spans are not one tree under the script"
import json, sys
spans = {}
for line in open(sys.argv[1]):
    for rs in json.loads(line).get("resourceSpans", []):
        for ss in rs["scopeSpans"]:
            for s in ss["spans"]:
                spans[s["spanId"]] = s
roots = [s for s in spans.values() if not s.get("parentSpanId")]
assert len(roots) == 1 and roots[0]["name"] == "exec git_worktrees.sh", [r["name"] for r in roots]
assert len({s["traceId"] for s in spans.values()}) == 1
print(f"{len(spans)} spans, one trace")
PY

# --no-follow: the script is the target, its children are not traced.
rm -rf "$T" && mkdir -p "$T"
"$TRACER" --no-top --no-follow --otlp-file "$WORK/nf.jsonl" -- "$ROOT/tests/progs/git_worktrees.sh" "$T" "$WORK/ledger2" 1 \
  >"$WORK/out2" 2>&1 || { cat "$WORK/out2"; fail "tracer exited $? with --no-follow"; }
grep -q "git_worktree_" "$WORK/nf.jsonl" && fail "--no-follow traced a child's git command"
grep -q '"exec git_worktrees.sh"' "$WORK/nf.jsonl" || fail "--no-follow lost the target's own exec span"
echo "PASS: git worktree: 39 commands from 3 children equal the export; --no-follow keeps to the target"
