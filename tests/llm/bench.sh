#!/usr/bin/env bash
# The tls source's costs (numbers for BENCHMARKS.md), as root:
#   1. what it adds to an SSL_write+SSL_read pair of 1 KiB and of 64 KiB
#      (ssl_bench.c over a memory BIO pair): bare, under bpftrace with
#      empty uprobe/uretprobe pairs on the same functions (the floor), and
#      under mcp-bpftrace --sources tls;
#   2. user space alone (parse_bench.c): plaintext through HTTP/1.1, SSE and
#      the LLM JSON readers, and the RSS of 1,000 open connections.
# usage: tests/llm/bench.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/tests/llm/make_cert.sh" "$work"
gcc -O2 -Wall -Wextra -o "$work/ssl_bench" "$root/tests/llm/ssl_bench.c" -lssl -lcrypto
gcc -std=gnu11 -O2 -Wall -Wextra -I"$root/user" -D_GNU_SOURCE -o "$work/parse_bench" "$root/tests/llm/parse_bench.c" \
  $(ls "$root"/user/source/tls/*.c | grep -v -e tls_source -e tls_emit -e tls_files) \
  -lhttp_parser -lbrotlidec -lz -lcjson -lm
lib=$(ls /usr/lib/x86_64-linux-gnu/libssl.so.3 /lib/x86_64-linux-gnu/libssl.so.3 2>/dev/null | head -1)
for a in "1024 50000" "65536 5000"; do
  set -- $a
  echo "== SSL_write+SSL_read of $1 bytes, $2 times"
  printf 'bare:              '; "$work/ssl_bench" "$work/cert.pem" "$work/key.pem" "$1" "$2"
  if command -v bpftrace >/dev/null; then
    printf 'bpftrace (floor):  '
    bpftrace -e "uprobe:$lib:SSL_write {} uretprobe:$lib:SSL_write {} uprobe:$lib:SSL_read {} uretprobe:$lib:SSL_read {}" \
      -c "$work/ssl_bench $work/cert.pem $work/key.pem $1 $2" 2>/dev/null | grep bytes || echo "(bpftrace failed)"
  fi
  printf 'mcp-bpftrace tls:  '
  "$build/mcp-bpftrace" --no-top --no-summary --sources tls -- "$work/ssl_bench" "$work/cert.pem" "$work/key.pem" "$1" "$2" \
    2>/dev/null | grep bytes
done
echo "== user space"
"$work/parse_bench"
