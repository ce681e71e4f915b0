#!/usr/bin/env bash
# Installs every Debian package mcp-bpftrace's build, tests and demo need.
# Quiet and quick when everything is already there.
set -euo pipefail
PKGS=(
  make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev pkg-config
  libprotobuf-c-dev protobuf-c-compiler libcurl4-openssl-dev libncurses-dev
  libcjson-dev systemtap-sdt-dev python3 valgrind tmux binutils procps
  bpftrace linux-perf nodejs # tools/bench: the alternatives, profiling, Node.js
  podman runc crun debootstrap # tests/e2e/test_container.sh: a real container
  prometheus curl # tests/e2e/test_prometheus.sh (prometheus, promtool); OTLP tests
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# tools/bench/node: the in-process OpenTelemetry baseline (locked versions).
bench_node=$(dirname "$0")/bench/node
if [ -f "$bench_node/package-lock.json" ]; then
  if ! command -v npm >/dev/null; then
    echo "install-deps: installing npm"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  if [ ! -f "$bench_node/node_modules/.package-lock.json" ] ||
     [ "$bench_node/package-lock.json" -nt "$bench_node/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm ci in tools/bench/node"
    (cd "$bench_node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi
# tests/otlp-receiver: the OTLP/HTTP test receiver's decoders (locked versions).
receiver=$(dirname "$0")/../tests/otlp-receiver
if [ -f "$receiver/package-lock.json" ]; then
  if ! command -v npm >/dev/null; then
    echo "install-deps: installing npm"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  if [ ! -f "$receiver/node_modules/.package-lock.json" ] ||
     [ "$receiver/package-lock.json" -nt "$receiver/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm ci in tests/otlp-receiver"
    (cd "$receiver" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi
