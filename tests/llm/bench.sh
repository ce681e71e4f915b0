#!/usr/bin/env bash
# The tls source's costs (the numbers in BENCHMARKS.md, "LLM calls over
# HTTPS"), as root, on the system's OpenSSL (tests/llm/ssl_bench.c):
#   1. what it adds to an SSL_write + SSL_read of 1 KiB and of 64 KiB (a
#      memory BIO pair): bare, under bpftrace with empty uprobe+uretprobe
#      pairs on SSL_write and SSL_read (the floor: what any uprobe-based
#      tracer pays), and under mcp-bpftrace --sources tls. CPU time of the
#      process per pair (uprobe handlers are charged to it; steadier than
#      wall time on a busy host), median of the rounds, the three run in
#      turn within each round; "added" = minus bare, "x floor" = added /
#      the floor's added;
#   2. an LLM answer (SSE, usage in its last event) streamed to a traced
#      client at rising rates: the plaintext MB/s read, the records the
#      ring dropped, whether the final usage was read (the call's output
#      tokens in the summary);
#   3. the tracer's RSS with 1 and with 1,000 open connections, each with
#      its request sent and its answer pending;
#   4. user space alone (parse_bench.c): HTTP/1.1 + SSE + LLM JSON MB/s,
#      small calls/s, the connection table's memory.
# A shared machine: before each measurement it waits (up to 60 s) until no
# other process has uprobes on libssl (another tracer's probes make every
# SSL call dearer, traced or not), and prints the load average.
# usage: tests/llm/bench.sh [BUILD_DIR] [--rounds N]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build rounds=5
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    *) build=$(cd "$1" && pwd); shift ;;
  esac
done
tracer=$build/mcp-bpftrace
[ -x "$tracer" ] || { echo "bench: no $tracer (make first)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/tests/llm/make_cert.sh" "$work" >/dev/null 2>&1
gcc -O2 -Wall -Wextra -o "$work/ssl_bench" "$root/tests/llm/ssl_bench.c" -lssl -lcrypto
# (install_paths.h for data_dir.c, which prices.c uses: from the build)
gcc -std=gnu11 -O2 -Wall -Wextra -I"$root/user" -I"$build" -D_GNU_SOURCE -o "$work/parse_bench" "$root/tests/llm/parse_bench.c" \
  $(ls "$root"/user/source/tls/*.c | grep -v -e tls_source -e tls_emit -e tls_files) "$root/user/data_dir.c" \
  -lhttp_parser -lbrotlidec -lz -lcjson -lm
lib=$(ls /usr/lib/x86_64-linux-gnu/libssl.so.3 /lib/x86_64-linux-gnu/libssl.so.3 2>/dev/null | head -1)
B=("$work/ssl_bench" "$work/cert.pem" "$work/key.pem")
load() { cut -d' ' -f1-3 /proc/loadavg; }

# Waits until no process has a uprobe on libssl; 1 when it did not happen.
quiet() {
  local i
  for ((i = 0; i < 600; i++)); do
    bpftool perf list 2>/dev/null | grep -q "uprobe .*libssl" || return 0
    sleep 0.1
  done
  return 1
}
foreign=0
measure() { quiet || foreign=$((foreign + 1)); "$@"; }

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; load average $(load); $(uname -r)"
echo "== $("$tracer" --version 2>/dev/null | head -n 1); $(bpftrace --version 2>/dev/null || echo 'no bpftrace'); $(openssl version)"

# ---- 1. per SSL_write + SSL_read -----------------------------------------
cpu_ns() { sed -nE 's/.* ([0-9]+) ns CPU per .*/\1/p' | head -n 1; }
median() { sort -n | awk '{v[NR]=$1} END {print NR ? v[int((NR+1)/2)] : "nan"}'; }
for a in "1024 20000" "65536 2000"; do
  set -- $a
  size=$1 n=$2
  : >"$work/bare.$size" >"$work/floor.$size" >"$work/tls.$size"
  for ((r = 1; r <= rounds; r++)); do
    measure "${B[@]}" pair "$size" "$n" | cpu_ns >>"$work/bare.$size"
    if command -v bpftrace >/dev/null; then
      measure bpftrace -e "uprobe:$lib:SSL_write {} uretprobe:$lib:SSL_write {} uprobe:$lib:SSL_read {} uretprobe:$lib:SSL_read {}" \
        -c "${B[*]} pair $size $n" 2>/dev/null | cpu_ns >>"$work/floor.$size"
    fi
    measure "$tracer" --no-top --sources tls -- "${B[@]}" pair "$size" "$n" >"$work/tls.out" 2>/dev/null
    cpu_ns <"$work/tls.out" >>"$work/tls.$size"
    grep -o "dropped [0-9]*" "$work/tls.out" >>"$work/drops.$size" || true
  done
  bare=$(median <"$work/bare.$size") floor=$(median <"$work/floor.$size") tls=$(median <"$work/tls.$size")
  awk -v s="$size" -v b="$bare" -v f="$floor" -v t="$tls" -v d="$(sort -u "$work/drops.$size" | tr '\n' ' ')" 'BEGIN {
    printf "SSL_write+SSL_read of %6d bytes, CPU ns (median): bare %6d | floor %6d, added %6d | mcp-bpftrace tls %6d, added %6d = %.2fx floor  (%s)\n",
      s, b, f, f - b, t, t - b, (f > b) ? (t - b) / (f - b) : 0, d }'
done

# ---- 2. a streamed answer at rising rates --------------------------------
# The tracer's own CPU time (utime+stime of its pid, polled until it exits)
# for a run, minus that of a 1 MB run (start-up: loading BPF), per MB: what
# reading, reassembling and parsing costs it, whatever the host's load.
stream_run() { # MB RATE -> $work/stream.out, prints the tracer's CPU seconds
  "$tracer" --no-top --no-follow --sources tls -- "${B[@]}" stream "$1" "$2" >"$work/stream.out" 2>"$work/stream.err" &
  local tpid=$! cpu=0 c
  while c=$(awk '{print ($14 + $15) / '"$(getconf CLK_TCK)"'}' /proc/$tpid/stat 2>/dev/null); do
    cpu=$c
    sleep 0.05
  done
  wait $tpid || true
  echo "$cpu"
}
quiet || foreign=$((foreign + 1))
base=$(stream_run 1 0)
for rate in 25 50 100 200 0; do
  mb=$(( rate ? rate * 3 : 600 ))
  [ $mb -gt 600 ] && mb=600
  quiet || foreign=$((foreign + 1))
  cpu=$(stream_run "$mb" "$rate")
  got=$(sed -nE 's/^stream: .* = ([0-9.]+) MB\/s.*/\1/p' "$work/stream.out")
  drops=$(sed -nE 's/.*dropped ([0-9]+) \(ring buffer full\).*/\1/p' "$work/stream.out")
  out=$(awk '$1=="gpt-4o-mini" {print $6}' "$work/stream.out")
  awk -v r="$rate" -v mb="$mb" -v got="${got:-0}" -v d="${drops:-?}" -v cpu="$cpu" -v base="$base" \
      -v u="$([ "${out:-}" = 7 ] && echo kept || echo "LOST (output tokens ${out:-none})")" 'BEGIN {
    printf "stream of %4d MB asked at %4s MB/s: read at %6.1f MB/s, %s records dropped, final usage %s; tracer CPU %.2f s - %.2f s start-up = %.0f MB per CPU-second\n",
      mb, r ? r : "max", got, d, u, cpu, base, (cpu > base) ? mb / (cpu - base) : 0 }'
done

# ---- 3. the tracer's RSS with open connections ---------------------------
for n in 1 1000; do
  quiet || foreign=$((foreign + 1))
  rm -f "$work/fifo" && mkfifo "$work/fifo"
  "$tracer" --no-top --no-summary --sources tls -- "${B[@]}" conns "$n" <"$work/fifo" >"$work/conns.out" 2>/dev/null &
  tpid=$!
  exec 7>"$work/fifo"
  for _ in $(seq 300); do grep -q ready "$work/conns.out" 2>/dev/null && break; sleep 0.1; done
  sleep 1 # the ring drained, the requests parsed
  rss=$(awk '/^VmRSS/ {print $2}' /proc/$tpid/status)
  echo >&7
  exec 7>&-
  wait $tpid || true
  echo "tracer RSS with $n open connection(s), request sent, answer pending: $rss KiB" | tee -a "$work/rss"
done
awk '/open connection/ {r[NR]=$(NF-1)} END {printf "  -> %.0f KiB for 999 more connections (%.2f KiB each)\n", r[2]-r[1], (r[2]-r[1])/999}' "$work/rss"

# ---- 4. user space alone --------------------------------------------------
"$work/parse_bench"
echo "== load average at the end $(load); rounds with another tracer's uprobes on libssl after 60 s of waiting: $foreign"
