#!/usr/bin/env bash
# --list says which built-in sources apply to the target, each by its own
# `applies`: tls when the target maps libssl, needs it (through its
# libraries too) or carries OpenSSL itself (node exports SSL_write); exec
# and mcp for any target; uprobe with a probe map. And a run agrees: a
# source the list says does not apply, named alone in --sources, is bad
# usage (nothing for it to do).
source "$(dirname "$0")/lib.sh"

# applying LISTFILE: the names on the "# Sources that apply to it:" line.
applying() { sed -nE 's/^# Sources that apply to it:(( [a-z]+)*) +\(.*/\1/p' "$1"; }
# has LISTFILE NAME / hasnt LISTFILE NAME
has() { applying "$1" | grep -qw "$2" || { grep -A6 '^# Sources' "$1"; fail "$(basename "$1"): $2 should apply"; }; }
hasnt() { applying "$1" | grep -qw "$2" && { grep -A6 '^# Sources' "$1"; fail "$(basename "$1"): $2 should not apply"; }; return 0; }
line() { grep -E "^#   $2 " "$1" || fail "$(basename "$1"): no line for the $2 source"; }

# node carries OpenSSL in its executable.
"$TRACER" --list -- node -e 0 >"$WORK/node.list" || fail "--list -- node failed"
has "$WORK/node.list" tls
for s in exec mcp; do has "$WORK/node.list" $s; done
hasnt "$WORK/node.list" uprobe
line "$WORK/node.list" tls | grep -q "node exports SSL_write" || fail "node: the tls line does not say why"
note "node: $(line "$WORK/node.list" tls)"

# /bin/true uses no TLS at all.
"$TRACER" --list -- /bin/true >"$WORK/true.list" || fail "--list -- /bin/true failed"
[ -n "$(applying "$WORK/true.list")" ] || { cat "$WORK/true.list"; fail "no Sources line for /bin/true"; }
hasnt "$WORK/true.list" tls
for s in exec mcp; do has "$WORK/true.list" $s; done
line "$WORK/true.list" tls | grep -q "not: true neither needs libssl nor exports SSL_write" ||
  fail "/bin/true: the tls line does not say why not"
line "$WORK/true.list" uprobe | grep -q "not: no probe map" || fail "/bin/true: the uprobe line does not say why not"
note "/bin/true: applying:$(applying "$WORK/true.list")"

# curl needs libssl only through libcurl.
"$TRACER" --list -- curl >"$WORK/curl.list" || fail "--list -- curl failed"
has "$WORK/curl.list" tls
line "$WORK/curl.list" tls | grep -q "curl needs libssl through libcurl.so.4" || fail "curl: not found through libcurl"

# A running python: tls once it has loaded libssl (import ssl), not before.
/usr/bin/python3.11 -c 'import ssl, sys, time; print("ready", flush=True); time.sleep(30)' >"$WORK/py1.out" &
p1=$!; bg $p1
/usr/bin/python3.11 -c 'import sys, time; print("ready", flush=True); time.sleep(30)' >"$WORK/py2.out" &
p2=$!; bg $p2
wait_for "$WORK/py1.out" ready 10 && wait_for "$WORK/py2.out" ready 10 || fail "python did not start"
"$TRACER" --list --pid $p1 >"$WORK/py1.list" || fail "--list --pid (ssl) failed"
has "$WORK/py1.list" tls
line "$WORK/py1.list" tls | grep -q "pid $p1 maps libssl.so" || fail "python with ssl: the tls line does not name libssl"
"$TRACER" --list --pid $p2 >"$WORK/py2.list" || fail "--list --pid (no ssl) failed"
hasnt "$WORK/py2.list" tls
note "python --pid: with ssl $(line "$WORK/py1.list" tls | cut -c1-60)...; without: not"

# A probe map: uprobe applies; the demo itself uses no TLS, and with a
# probe map a run turns tls on only where the list says so.
"$TRACER" --list -P "$PROBES" -- "$DEMO" >"$WORK/demo.list" || fail "--list -P demo failed"
has "$WORK/demo.list" uprobe
hasnt "$WORK/demo.list" tls
rc=0; "$TRACER" -P "$PROBES" --sources tls --no-top -- "$DEMO" --ops 10 >/dev/null 2>"$WORK/demo.err" || rc=$?
[ $rc -eq 2 ] || { cat "$WORK/demo.err"; fail "--sources tls on the demo with a probe map: exit $rc, not 2"; }
grep -q "tls" "$WORK/demo.err" || { cat "$WORK/demo.err"; fail "the refusal does not name tls"; }
note "demo with a probe map: applying:$(applying "$WORK/demo.list"); --sources tls refused ($(head -n 1 "$WORK/demo.err"))"

# The list is still a probe map that loads (the Sources block is comments).
"$TRACER" -P "$WORK/demo.list" --no-summary --no-top -- "$DEMO" --ops 20 >/dev/null 2>"$WORK/load.err" ||
  { cat "$WORK/load.err"; fail "the list with its Sources block does not load as a probe map"; }
