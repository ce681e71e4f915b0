#!/usr/bin/env bash
# What host-wide mode (--all) costs, in one run, against the same host with
# no tracer: a process that is no agent (capture_cost.sh's write() loop of
# 64 bytes, to /dev/null and to a pipe; under --all it is traced like every
# process), a burst of short processes (fork + exec of /bin/true: the exec
# source and the tls source's look at each new image), and the tracer's own
# CPU and memory on an idle host and while that work runs. Prints Markdown.
#
#   sudo tools/bench/all_cost.sh [--rounds N] [--iterations N] [--execs N] [--idle S]
#
# Uses $BUILD/mcp-bpftrace (BUILD defaults to build); ALL_ARGS adds options
# to the tracer (ALL_ARGS="--sources tls,exec": without the mcp source's
# syscall tracepoints).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
TRACER=$BUILD/mcp-bpftrace
ROUNDS=3 ITER=500000 EXECS=1000 IDLE=10
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --iterations) ITER=$2; shift 2 ;;
    --execs) EXECS=$2; shift 2 ;;
    --idle) IDLE=$2; shift 2 ;;
    *) echo "all_cost.sh: unknown option $1 (--rounds N, --iterations N, --execs N, --idle S)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "all_cost.sh: needs root (BPF)" >&2; exit 1; }
[ -x "$TRACER" ] || { echo "all_cost.sh: $TRACER missing (make BUILD=$BUILD all)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'kill $TPID 2>/dev/null || true; rm -rf "$WORK"' EXIT
TPID=
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$WORK/loop" tools/bench/capture_cost_loop.c
echo "all_cost.sh: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)" >&2

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime, clock ticks
HZ=$(getconf CLK_TCK)
execs() { # N: ns per fork+exec+wait of /bin/true
  local t0 t1
  t0=$(date +%s%N)
  for ((i = 0; i < $1; i++)); do /bin/true; done
  t1=$(date +%s%N)
  echo $(((t1 - t0) / $1))
}
work() { # MODE ROUND: the loops and the exec burst, one line each
  for target in null pipe; do
    "$WORK/loop" $target "$ITER" >"$WORK/out"
    echo "$1 $target $(cat "$WORK/out")" >>"$WORK/results"
  done
  echo "$1 exec ns_per_exec=$(execs "$EXECS")" >>"$WORK/results"
}

for round in $(seq "$ROUNDS"); do
  work none "$round"
  # shellcheck disable=SC2086 # ALL_ARGS: several words
  "$TRACER" --all ${ALL_ARGS:-} --no-top --no-summary --otlp-file "$WORK/all.jsonl" >"$WORK/t.out" 2>"$WORK/t.err" &
  TPID=$!
  for _ in $(seq 600); do grep -q "probes attached" "$WORK/t.err" && break; sleep 0.05; done
  grep -q "probes attached" "$WORK/t.err" || { cat "$WORK/t.err"; exit 1; }
  sleep 1 # calibration
  c0=$(ticks $TPID); sleep "$IDLE"; c1=$(ticks $TPID)
  echo "all idle cpu_pct=$(python3 -c "print(100 * ($c1 - $c0) / $HZ / $IDLE)") rss_kib=$(awk '/VmRSS/ { print $2 }' /proc/$TPID/status)" >>"$WORK/results"
  t0=$(date +%s%N); c0=$(ticks $TPID)
  work all "$round"
  t1=$(date +%s%N); c1=$(ticks $TPID)
  echo "all busy cpu_pct=$(python3 -c "print(100 * ($c1 - $c0) / $HZ / (($t1 - $t0) / 1e9))") rss_kib=$(awk '/VmRSS/ { print $2 }' /proc/$TPID/status)" >>"$WORK/results"
  kill -INT $TPID; wait $TPID || true; TPID=
  echo "all_cost.sh: round $round of $ROUNDS done" >&2
done

python3 - "$WORK/results" "$ROUNDS" "$ITER" "$EXECS" "$IDLE" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    mode, what, rest = line.split(" ", 2)
    rows.setdefault((mode, what), []).append({k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", rest)})
med = lambda mode, what, key: statistics.median(r[key] for r in rows[(mode, what)])
print(f"Median of {sys.argv[2]} rounds; ratio = with `--all` running / with no tracer, same run.\n")
print("| workload (a process that is no agent) | no tracer | `--all` | ratio |")
print("|---|--:|--:|--:|")
for what, key, label in (("null", "ns_per_write", f"write() 64 B to /dev/null, wall ns ({sys.argv[3]} writes)"),
                         ("null", "cpu_ns_per_write", "  the same, the writer's CPU ns"),
                         ("pipe", "ns_per_write", "write() 64 B to a pipe, wall ns"),
                         ("pipe", "cpu_ns_per_write", "  the same, the writer's CPU ns"),
                         ("exec", "ns_per_exec", f"fork + exec + wait of /bin/true, ns ({sys.argv[4]} in a row)")):
    a, b = med("none", what, key), med("all", what, key)
    print(f"| {label} | {a:,.0f} | {b:,.0f} | {b / a:.2f} |")
print()
print("| the tracer itself | CPU (% of one core) | RSS MiB |")
print("|---|--:|--:|")
print(f"| idle host ({sys.argv[5]} s) | {med('all', 'idle', 'cpu_pct'):.2f} | {med('all', 'idle', 'rss_kib') / 1024:.1f} |")
print(f"| busy: while the loops and the exec burst run | {med('all', 'busy', 'cpu_pct'):.1f} | {med('all', 'busy', 'rss_kib') / 1024:.1f} |")
PY
