#!/usr/bin/env bash
# Installs every Debian package mcp-bpftrace's build, tests and demo need.
# Quiet and quick when everything is already there.
set -euo pipefail
PKGS=(
  make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev pkg-config
  libprotobuf-c-dev protobuf-c-compiler libcurl4-openssl-dev libncurses-dev
  libcjson-dev systemtap-sdt-dev python3 valgrind tmux binutils procps
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
