#!/usr/bin/env bash
# A stripped copy of the demo: symbols come from .dynsym.
source "$(dirname "$0")/lib.sh"
cp "$DEMO" "$WORK/mcp-demo-stripped"
strip --strip-all "$WORK/mcp-demo-stripped"
readelf -S "$WORK/mcp-demo-stripped" | grep -q '\.symtab' && fail "strip left .symtab"
DEMO=$WORK/mcp-demo-stripped
trace_and_check stripped "$PROBES" --seed 21 --threads 3 --ops 3000
