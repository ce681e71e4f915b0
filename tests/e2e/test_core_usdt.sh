#!/usr/bin/env bash
# The five point operations bound to USDT probes (with semaphores) instead
# of functions: same ledger equality.
source "$(dirname "$0")/lib.sh"
trace_and_check usdt-7 "$USDT_PROBES" --seed 7 --threads 4 --ops 5000
trace_and_check usdt-errors "$USDT_PROBES" --seed 9 --threads 3 --ops 2000 --error-rate 0.4
# The semaphores were raised while attached: the demo only fires its probes
# when they are (an unattached run must not pay for them).
readelf -n "$DEMO" | grep -q 'Provider: mcp_demo' || fail "demo has no USDT notes"
