#!/usr/bin/env bash
# The live view as a user meets it: mcp-bpftrace on the demo workload in a
# 160x50 tmux pane. Read the screen while the demo runs; let it finish
# (--linger keeps the final figures up) and compare rows and totals with the
# demo's ledger; press the keys (pause, sort, filter, expand, errors, trees,
# help), resize the window, quit and see the summary. Then --top=text
# without a terminal, and the cases where there must be no view.
# Screens are parsed by live_view_screen.py. Needs root and tmux.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
TRACER=$ROOT/${BUILD:-build}/mcp-bpftrace
DEMO=$ROOT/${BUILD:-build}/mcp-demo
PROBES=${PROBES:-tools/mcp-demo/mcp-demo.probes}
SCREEN="python3 tests/e2e/live_view_screen.py"
T=$(mktemp -d /tmp/mcp-live-view.XXXXXX)
SOCK=mcp-live-view-$$
S=lv
fails=0

tm() { tmux -u -L "$SOCK" "$@"; }
cleanup() {
  tm kill-server 2>/dev/null
  if [ "$fails" -eq 0 ]; then rm -rf "$T"; else echo "screens kept in $T"; fi
}
trap cleanup EXIT
die() { echo "FAIL $*"; fails=$((fails + 1)); exit 1; }
check() { # name, command...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
save() { tm capture-pane -p -t "$S" >"$T/$1.txt"; }
# settle NAME CHECK ARGS...: saves the screen as NAME until the screen check
# passes or 3 s went by (tmux may show a half-drawn or cropped frame first);
# the check proper runs afterwards and reports.
settle() {
  local name=$1 i; shift
  for ((i = 0; i < 30; i++)); do
    save "$name"
    $SCREEN "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
}
keys() { tm send-keys -t "$S" "$@"; }
shows() { tm capture-pane -p -t "$S" | grep -qF -- "$1"; }
wait_for() { # text [seconds]
  local i
  for ((i = 0; i < ${2:-5} * 10; i++)); do shows "$1" && return 0; sleep 0.1; done
  echo "timed out waiting for '$1'; the screen:"; tm capture-pane -p -t "$S" | sed 's/^/    | /'
  return 1
}
wait_gone() { # text [seconds]
  local i
  for ((i = 0; i < ${2:-5} * 10; i++)); do shows "$1" || return 0; sleep 0.1; done
  echo "still on the screen: '$1'"; return 1
}

command -v tmux >/dev/null || die "tmux is not installed (make deps)"
[ -x "$TRACER" ] && [ -x "$DEMO" ] || die "build first: make all"
for _ in $(seq 1 60); do [ -f "$PROBES" ] && break; sleep 1; done # may still be being written
[ -f "$PROBES" ] || die "no probe map $PROBES"

# ---- the curses view in a terminal ----------------------------------------
tm -f /dev/null new-session -d -s "$S" -x 160 -y 50 \
  "env LANG=C.UTF-8 TERM=screen-256color $TRACER -P $PROBES --linger --refresh 0.5 \
     --otlp-file $T/otlp.jsonl -- $DEMO --seed 11 --threads 4 --duration 8 --rate 250 \
     --error-rate 0.1 --ledger $T/ledger.json; echo \"EXIT STATUS \$?\"; sleep 600"
wait_for "CALLS/s ▼" 15 || die "the live view did not come up"

# while the demo runs: rates, percentiles, health and export status
sleep 2.5
settle live live "$T/live.txt"
check "live table while the demo runs" $SCREEN live "$T/live.txt"
check "export status shows the OTLP file" grep -qE "OTLP file (ok|waiting)" "$T/live.txt"
check "unconfigured exporters are off" grep -qF "Prometheus off" "$T/live.txt"

# pause freezes everything but the banner; p resumes
keys p
check "pause banner" wait_for "PAUSED" 3
save paused1; sleep 1.5; save paused2
check "paused screen does not change" cmp -s <(tail -n +2 "$T/paused1.txt") <(tail -n +2 "$T/paused2.txt")
keys p
check "resumed" wait_gone "PAUSED" 3

# the demo ends; the view stays with the final figures
for _ in $(seq 1 200); do [ -s "$T/ledger.json" ] && break; sleep 0.1; done
[ -s "$T/ledger.json" ] || die "the demo wrote no ledger"
check "finished banner" wait_for "Tracing stopped: the target exited" 10
sleep 0.7
settle final final "$T/final.txt" "$T/ledger.json"
check "rows, totals and errors == the ledger" $SCREEN final "$T/final.txt" "$T/ledger.json"

# sort: > moves the sort column right, < left, r reverses
keys '>'
check "sort moves to ERR/s" wait_for "ERR/s ▼" 3
settle sort_err sorted "$T/sort_err.txt" ERR/s desc
check "sorted by ERR/s" $SCREEN sorted "$T/sort_err.txt" ERR/s desc
for _ in 1 2 3 4 5 6; do keys '>'; done
check "sort moves to CALLS" wait_for "CALLS ▼" 3
settle sort_calls sorted "$T/sort_calls.txt" CALLS desc
check "sorted by CALLS" $SCREEN sorted "$T/sort_calls.txt" CALLS desc
keys r
check "r reverses" wait_for "CALLS ▲" 3
settle sort_calls_asc sorted "$T/sort_calls_asc.txt" CALLS asc
check "sorted by CALLS ascending" $SCREEN sorted "$T/sort_calls_asc.txt" CALLS asc
for _ in 1 2 3 4 5 6 7 8; do keys '<'; done
check "sort moves to OPERATION" wait_for "OPERATION ▲" 3
settle sort_name sorted "$T/sort_name.txt" OPERATION asc
check "sorted by name" $SCREEN sorted "$T/sort_name.txt" OPERATION asc
keys '>'
check "back to CALLS/s" wait_for "CALLS/s ▼" 3

# filter, then expand the one row left: per model_type and per error type
keys /
keys -l model_routing
keys Enter
check "filter shown" wait_for "filter model_routing" 3
keys Enter
check "row expands" wait_for "model_type=" 3
settle expand breakdown "$T/expand.txt" "$T/ledger.json" model_routing
check "breakdown == ledger" $SCREEN breakdown "$T/expand.txt" "$T/ledger.json" model_routing
check "filter leaves one operation" bash -c "! grep -qE '^(plan_|workflow_|agent_|verification)' '$T/expand.txt'"
keys Escape
check "Esc clears the filter" wait_for "plan_execution" 3
keys Left
check "Left collapses" wait_gone "model_type=" 3

# recent error spans, recent span trees (checked against the OTLP file
# after the tracer has exited and flushed it)
keys e
check "errors panel" wait_for "Recent error spans" 3
sleep 0.3; save errors
keys Escape
keys t
check "trees panel" wait_for "Recent span trees" 3
sleep 0.3; save trees
keys t
check "t toggles back" wait_for "CALLS/s ▼" 3

# help
keys h
check "help" wait_for "this help (any key closes it)" 3
keys z
check "any key closes help" wait_gone "this help (any key closes it)" 3

# resizes
tm resize-window -t "$S" -x 100 -y 30
settle r100 resized "$T/r100.txt" 100 30
check "layout at 100x30" $SCREEN resized "$T/r100.txt" 100 30
tm resize-window -t "$S" -x 70 -y 20
settle r70 resized "$T/r70.txt" 70 20
check "layout at 70x20" $SCREEN resized "$T/r70.txt" 70 20
tm resize-window -t "$S" -x 160 -y 50
settle r160 resized "$T/r160.txt" 160 50
check "layout at 160x50" $SCREEN resized "$T/r160.txt" 160 50
check "same totals after the resizes" $SCREEN final "$T/r160.txt" "$T/ledger.json"

# q: the view closes, the output it held back and the summary follow
keys q
check "q quits with status 0" wait_for "EXIT STATUS 0" 15
save after_quit
check "summary after the view" grep -qE "^OPERATION +FUNCTION +CALLS" "$T/after_quit.txt"
check "held-back output replayed" grep -qE "^mcp-demo: [0-9]+ ops" "$T/after_quit.txt"
check "error spans are exported error spans" $SCREEN errors "$T/errors.txt" "$T/ledger.json" "$T/otlp.jsonl"
check "span trees are the exported traces" $SCREEN trees "$T/trees.txt" "$T/otlp.jsonl"
tm kill-server 2>/dev/null

# ---- --top=text without a terminal --------------------------------------------
timeout 60 "$TRACER" -P "$PROBES" --top=text --refresh 0.5 -- "$DEMO" --seed 12 \
  --threads 2 --duration 2 --rate 200 --ledger "$T/ledger2.json" >"$T/text.txt" 2>"$T/text.err"
check "--top=text exit status" test $? -eq 0
check "--top=text tables == ledger" $SCREEN text "$T/text.txt" "$T/ledger2.json"

# ---- no view without a terminal; --top insists on one -----------------------------
timeout 60 "$TRACER" -P "$PROBES" -- "$DEMO" --ops 50 >"$T/auto.txt" 2>&1
check "no terminal: no view, summary only" bash -c "! grep -q \$'\\x1b' '$T/auto.txt' && grep -qE '^OPERATION +FUNCTION' '$T/auto.txt'"
timeout 60 "$TRACER" -P "$PROBES" --top -- "$DEMO" --ops 5 >"$T/forced.txt" 2>&1
rc=$?
check "--top without a terminal: usage error" test "$rc" -eq 2
check "--top without a terminal: says why" grep -qF "not a terminal" "$T/forced.txt"

echo "test_live_view: $fails failed"
[ "$fails" -eq 0 ]
