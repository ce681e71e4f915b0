#!/usr/bin/env bash
# test_mcp.sh again with the mcp source on the syscall tracepoints
# (--mcp-capture=syscalls): the default (auto) captures with libc probes,
# and both ways must give the same export, equal to every ledger.
MCP_CAPTURE=syscalls exec bash "$(dirname "$0")/test_mcp.sh"
