#!/usr/bin/env bash
# What a Python function bound by name costs (README, "Python functions
# (--inject)"), as ratios within one run on this machine: ns per call of a
# bound function and of the same function unbound, in one process
# (tools/bench/py/py_bench.py; CPU time of the calling thread, which the
# uprobe handlers are charged to), in four settings:
#   untraced     no tracer: both are plain functions
#   traced       the tracer attached (--pid --inject): `bound` wrapped, its
#                markers read by the uprobe on libc write()
#   killed       the tracer killed -9, the lease lapsed: `bound` still
#                wrapped, a pass-through (one ctypes read + monotonic_ns)
#   undone       the tracer stopped normally: the originals back
# and the program's own write() (no probe) and pwrite() of 64 bytes (one
# probe hit that finds no marker).
# Prints Markdown.
#
#   sudo tools/bench/py_cost.sh [--calls N] [--rounds N]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
TRACER=$BUILD/mcp-bpftrace
B=tools/bench/py
CALLS=100000 ROUNDS=7
while [ $# -gt 0 ]; do
  case $1 in
    --calls) CALLS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    *) echo "py_cost.sh: unknown option $1 (--calls N, --rounds N)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "py_cost.sh: needs root (BPF, ptrace)" >&2; exit 1; }
[ -x "$TRACER" ] || { echo "py_cost.sh: $TRACER missing (make BUILD=$BUILD all)" >&2; exit 1; }
WORK=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT
ARGS=(--calls "$CALLS" --rounds "$ROUNDS")

wait_ready() { for _ in $(seq 200); do [ -e "$1/ready" ] && return 0; sleep 0.05; done; return 1; }

# untraced
mkdir "$WORK/untraced"
python3 $B/py_bench.py --dir "$WORK/untraced" "${ARGS[@]}" >"$WORK/untraced.json"

# A bench process and a tracer attached to it by pid. start NAME [py_bench args]
start() {
  mkdir "$WORK/$1"
  python3 $B/py_bench.py --dir "$WORK/$1" "${@:2}" "${ARGS[@]}" >"$WORK/$1.json" &
  app=$!; pids+=($app)
  wait_ready "$WORK/$1"
  "$TRACER" -P $B/py_bench.map --inject --sources python --pid $app --no-top --no-summary >"$WORK/$1.out" 2>&1 &
  tr=$!; pids+=($tr)
}

# traced: timed while the tracer runs, then it stops
start traced --wrapped
wait $app
kill -INT $tr; wait $tr || true
# undone / killed: the tracer stops (SIGINT) or dies (SIGKILL), then timed
for how in undone killed; do
  start $how --wait-file "$WORK/$how/go"
  sleep 2
  if [ $how = undone ]; then kill -INT $tr; wait $tr || true; else kill -9 $tr; wait $tr 2>/dev/null || true; fi
  touch "$WORK/$how/go"
  wait $app
done

python3 - "$WORK" "$CALLS" "$ROUNDS" <<'PY'
import json, sys, os
w, calls, rounds = sys.argv[1], sys.argv[2], sys.argv[3]
r = {k: json.load(open(os.path.join(w, k + ".json"))) for k in ("untraced", "traced", "killed", "undone")}
base = r["untraced"]["unbound_ns"]
wb, pb = r["untraced"]["write_ns"], r["untraced"]["pwrite_ns"]
print(f"| setting ({calls} calls x {rounds} rounds, median CPU ns) | bound | unbound | bound / unbound "
      f"| unbound / untraced | write() 64 B / untraced | pwrite() 64 B | pwrite / untraced | bound wrapped |")
print("|---|---|---|---|---|---|---|---|---|")
for k in ("untraced", "traced", "killed", "undone"):
    x = r[k]
    print(f"| {k} | {x['bound_ns']:.0f} | {x['unbound_ns']:.0f} | {x['bound_ns'] / x['unbound_ns']:.2f} | "
          f"{x['unbound_ns'] / base:.2f} | {x['write_ns'] / wb:.2f} | {x['pwrite_ns']:.0f} | "
          f"{x['pwrite_ns'] / pb:.2f} | {'yes' if x['wrapped'] else 'no'} |")
t = r["traced"]
hit = t["pwrite_ns"] - pb
added = t["bound_ns"] - r["untraced"]["bound_ns"]
print(f"\nOne probe hit (a pwrite that is no marker, traced - untraced): {hit:.0f} ns. A bound call adds "
      f"{added:.0f} ns: two marker pwrites with their probe hits ({2 * t['pwrite_ns']:.0f} ns) and the "
      f"wrapper's Python ({added - 2 * t['pwrite_ns']:.0f} ns)")
PY
