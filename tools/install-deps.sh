#!/usr/bin/env bash
# Installs every Debian package mcp-bpftrace's build, tests and demo need.
# Quiet and quick when everything is already there.
set -euo pipefail
PKGS=(
  make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev pkg-config
  libclang-rt-14-dev # tests/fuzz: clang's libFuzzer and sanitizer runtimes
  libprotobuf-c-dev protobuf-c-compiler libcurl4-openssl-dev libncurses-dev
  libcjson-dev systemtap-sdt-dev python3 valgrind tmux binutils procps
  libhttp-parser-dev libbrotli-dev openssl # user/source/tls: HTTP/1.1 parser, br bodies; tests/llm: mock's certificate
  bpftrace linux-perf nodejs # tools/bench: the alternatives, profiling, Node.js
  podman runc crun debootstrap # tests/e2e/test_container.sh: a real container
  mandoc python3-yaml # tests/e2e: test_install (mandoc -Tlint on the man page), test_deploy (PyYAML)
  prometheus curl # tests/e2e/test_prometheus.sh (prometheus, promtool); OTLP tests
  libmicrohttpd-dev # user/export/prom_server.c: the /metrics server
  git # tests/e2e/test_proc_git.sh: git worktree commands under the exec source
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
npm_ci "$here/bench/node"            # the in-process OpenTelemetry baseline
npm_ci "$here/../tests/otlp-receiver" # the OTLP/HTTP test receiver's decoders
npm_ci "$here/../tests/mcp"           # the MCP SDK clients and servers of the mcp source's tests
npm_ci "$here/../tests/llm"           # the LLM SDK clients of the tls source's e2e test
npm_ci "$here/agent-demo"             # make demo: the agent's openai and MCP SDKs
