#!/usr/bin/env bash
# Streamable HTTP as one command (for `mcp-bpftrace -- ...`: both processes
# are its children, so both are traced): server.mjs on a free port of
# 127.0.0.1, client.mjs against it, then the server stopped.
#   http_pair.sh LEDGER [--json-response] [client args...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ledger=$1; shift
server_args=()
[ "${1:-}" = --json-response ] && { server_args+=(--json-response); shift; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
node "$here/server.mjs" --http --port-file "$dir/port" --pid-file "$dir/pid" "${server_args[@]}" &
for _ in $(seq 200); do [ -s "$dir/port" ] && [ -s "$dir/pid" ] && break; sleep 0.05; done
[ -s "$dir/port" ] || { echo "http_pair.sh: the server did not start" >&2; exit 1; }
node "$here/client.mjs" --http "http://127.0.0.1:$(cat "$dir/port")/mcp" --server-pid "$(cat "$dir/pid")" \
  --ledger "$ledger" "$@"
kill "$(cat "$dir/pid")"
wait
