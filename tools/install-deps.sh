#!/usr/bin/env bash
# Installs every Debian package mcp-bpftrace's build, tests and demo need.
# Quiet and quick when everything is already there.
#   tools/install-deps.sh          everything (make deps, make test)
#   tools/install-deps.sh --demo   the build and the agent demo only (make demo:
#                                  a fresh machine runs it in under two minutes)
set -euo pipefail
demo_only=false
[ "${1:-}" = --demo ] && demo_only=true
BUILD_PKGS=( # build and run the tracer
  make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev pkg-config
  libprotobuf-c-dev protobuf-c-compiler libcurl4-openssl-dev libncurses-dev
  libcjson-dev libhttp-parser-dev libbrotli-dev libmicrohttpd-dev
  systemtap-sdt-dev python3 procps
  libwslay-dev libssl-dev # the Node.js inspector client: websocket frames, the handshake's SHA-1
)
DEMO_PKGS=( # make demo: a Node.js agent, an HTTPS mock (openssl), git worktrees
  nodejs openssl git # (npm: with nodejs here; npm_ci below installs it where not)
)
PKGS=(
  "${BUILD_PKGS[@]}" "${DEMO_PKGS[@]}"
  libclang-rt-14-dev # tests/fuzz: clang's libFuzzer and sanitizer runtimes
  valgrind tmux binutils
  bpftrace linux-perf # tools/bench: the alternatives, profiling
  podman runc crun debootstrap # tests/e2e/test_container.sh: a real container
  mandoc python3-yaml # tests/e2e: test_install (mandoc -Tlint on the man page), test_deploy (PyYAML)
  prometheus curl # tests/e2e/test_prometheus.sh (prometheus, promtool); OTLP tests
  iproute2 # tests/e2e/test_node_functions.sh: ss (listening ports), ip (a node in its own network namespace)
)
$demo_only && PKGS=("${BUILD_PKGS[@]}" "${DEMO_PKGS[@]}")
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
# npm_ci DIR: the locked npm packages of DIR, when the lock file changed.
npm_ci() {
  local dir=$1
  [ -f "$dir/package-lock.json" ] || return 0
  if ! command -v npm >/dev/null; then
    echo "install-deps: installing npm"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}
here=$(dirname "$0")
npm_ci "$here/agent-demo"             # make demo: the agent's openai and MCP SDKs
$demo_only && exit 0
npm_ci "$here/bench/node"            # the in-process OpenTelemetry baseline
npm_ci "$here/../tests/otlp-receiver" # the OTLP/HTTP test receiver's decoders
npm_ci "$here/../tests/mcp"           # the MCP SDK clients and servers of the mcp source's tests
npm_ci "$here/../tests/llm"           # the LLM SDK clients of the tls source's e2e test
