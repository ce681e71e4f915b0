#!/usr/bin/env bash
# A self-signed certificate for the mock (made at test time, never kept):
# make_cert.sh DIR -> DIR/cert.pem, DIR/key.pem for 127.0.0.1 and localhost.
set -euo pipefail
dir=$1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mcp-bpftrace llm mock" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
