#!/usr/bin/env bash
# What the tracer says about its exporters is what happened to them. Every
# exporter reports to one status board; the text view (--top=text),
# --verbose, the exit status and the mcp_bpftrace_export_* health metrics
# read it. Checked against ground truth:
#  1. Prometheus scraped twice, OTLP/HTTP to a dead port, an OTLP file: the
#     last frame says "Prometheus ok (2)", "OTLP/HTTP N errors: Couldn't
#     connect to server", "OTLP file ok (L)" with L the file's lines (it
#     used to say "waiting" for both network exporters, all run long).
#  2. A receiver answering 503 three times: "OTLP/HTTP 3 errors: HTTP 503"
#     while it fails, then "ok (M, 3 failed)", M and 3 the receiver's counts.
#  3. --otlp-file /dev/full beside OTLP/HTTP to a receiver: one clear
#     message, the board's error count in mcp_bpftrace_export_errors_total,
#     every span the receiver got in mcp_bpftrace_dropped_spans_total (the
#     file lost them all), exit status 1.
#  4. Malformed OTLP URLs (flag and environment): exit status 2 at once,
#     the URL and what is wrong named, nothing loaded, the target not run.
#  5. A password in the URL is printed nowhere.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/otlp_lib.sh"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# last_frame FILE: the exporters part of the last --top=text header.
last_frame() { grep -E '^records ' "$1" | tail -n 1; }

# ---- 1. Prometheus, a dead OTLP/HTTP port, an OTLP file --------------------------
PPORT=$(free_port)
"$TRACER" -P "$PROBES" --top=text --refresh 0.5 --verbose --prometheus "$PPORT" \
  --otlp http://127.0.0.1:1 --otlp-shutdown-timeout 1 -o "$WORK/one.jsonl" \
  -- "$DEMO" --duration 6 --rate 200 --ledger "$WORK/one.ledger" >"$WORK/one.txt" 2>"$WORK/one.err" &
tpid=$!
bg $tpid
wait_for "$WORK/one.err" "probes attached" 30 || { cat "$WORK/one.err"; fail "one: the tracer did not start"; }
sleep 1
for i in 1 2; do
  curl -sf "http://127.0.0.1:$PPORT/metrics" -o "$WORK/scrape$i.txt" || fail "one: scrape $i failed"
  grep -q '^mcp_bpftrace_events_total{' "$WORK/scrape$i.txt" || fail "one: scrape $i has no health metrics"
done
wait $tpid || { cat "$WORK/one.err"; fail "one: the tracer exited with $?"; }
frame=$(last_frame "$WORK/one.txt")
lines=$(wc -l <"$WORK/one.jsonl")
[ "$lines" -gt 1 ] || fail "one: the OTLP file has $lines lines"
grep -qF "| Prometheus ok (2)" <<<"$frame" || fail "one: two scrapes served, the view says: $frame"
grep -qE "\| OTLP/HTTP [1-9][0-9]* errors: Couldn't connect to server \|" <<<"$frame" ||
  fail "one: every OTLP/HTTP request failed, the view says: $frame"
grep -qF "| OTLP file ok ($lines) |" <<<"$frame" || fail "one: $lines lines in the file, the view says: $frame"
# The first request fails within about a second: after the first 2 s (4
# frames) no frame may call OTLP/HTTP "waiting".
waiting=$(grep -E '^records ' "$WORK/one.txt" | tail -n +5 | grep -c "OTLP/HTTP waiting" || true)
[ "$waiting" -eq 0 ] || fail "one: $waiting later frames still say 'OTLP/HTTP waiting'"
grep -qE "^mcp-bpftrace: export: Prometheus ok \(2\) \[http://127.0.0.1:$PPORT/metrics\]$" "$WORK/one.err" ||
  { cat "$WORK/one.err"; fail "one: --verbose does not give the board's final state"; }
grep -qE "^mcp-bpftrace: export: OTLP/HTTP [0-9]+ errors: Couldn't connect to server \[http://127.0.0.1:1/v1/" "$WORK/one.err" ||
  fail "one: --verbose: OTLP/HTTP state"
grep -qF "mcp-bpftrace: export: OTLP file ok ($lines) [$WORK/one.jsonl]" "$WORK/one.err" || fail "one: --verbose: file state"
note "one: $(sed 's/^records .* attach-errors [0-9]* | //' <<<"$frame")"

# ---- 2. 503 three times, then delivered ---------------------------------------
start_receiver r503 --fail 503:3
"$TRACER" -P "$PROBES" --top=text --refresh 0.25 --verbose --otlp "http://127.0.0.1:$RPORT" \
  --otlp-shutdown-timeout 30 -- "$DEMO" --duration 6 --rate 100 >"$WORK/r503.txt" 2>"$WORK/r503.err" ||
  { cat "$WORK/r503.err"; fail "r503: the tracer failed"; }
n503=$(stat "statuses.get('503', 0)") n200=$(stat "statuses.get('200', 0)")
[ "$n503" -eq 3 ] || fail "r503: the receiver answered 503 $n503 times"
grep -E '^records ' "$WORK/r503.txt" | grep -qF "| OTLP/HTTP 3 errors: HTTP 503 |" ||
  { grep -E '^records ' "$WORK/r503.txt" | cut -c60- | uniq; fail "r503: no frame says 'OTLP/HTTP 3 errors: HTTP 503'"; }
grep -qE "^mcp-bpftrace: export: OTLP/HTTP ok \($n200, 3 failed\) \[" "$WORK/r503.err" ||
  { grep "export:" "$WORK/r503.err"; fail "r503: the final state is not ok ($n200, 3 failed)"; }
note "r503: while failing 'OTLP/HTTP 3 errors: HTTP 503', at exit 'ok ($n200, 3 failed)' = the receiver's counts"
stop_receiver

# ---- 3. --otlp-file /dev/full -------------------------------------------------
start_receiver full
"$TRACER" -P "$PROBES" --top=text --refresh 0.5 --interval 0.5 -o /dev/full --prometheus 0 \
  --prometheus-linger 3 --otlp "http://127.0.0.1:$RPORT" --otlp-queue 100000 --otlp-shutdown-timeout 30 \
  -- "$DEMO" --duration 2 --rate 200 >"$WORK/full.txt" 2>"$WORK/full.err" &
tpid=$!
bg $tpid
wait_for "$WORK/full.err" "serving /metrics on port [0-9]+ for" 30 || { cat "$WORK/full.err"; fail "full: no linger"; }
port=$(grep -oE "serving /metrics on port [0-9]+" "$WORK/full.err" | head -n 1 | grep -oE "[0-9]+$")
curl -sf "http://127.0.0.1:$port/metrics" -o "$WORK/full.scrape" || fail "full: scrape failed"
rc=0
wait $tpid || rc=$?
[ "$rc" -eq 1 ] || { cat "$WORK/full.err"; fail "full: exit status $rc, expected 1"; }
nmsg=$(grep -c "cannot write" "$WORK/full.err" || true)
[ "$nmsg" -eq 1 ] || { cat "$WORK/full.err"; fail "full: the write error was reported $nmsg times, expected once"; }
grep -qF "mcp-bpftrace: --otlp-file /dev/full: cannot write: No space left on device" "$WORK/full.err" ||
  fail "full: the message does not say what and why"
frame=$(last_frame "$WORK/full.txt")
nerr=$(grep -oE "OTLP file [0-9]+ errors: No space left on device" <<<"$frame" | grep -oE "[0-9]+" | head -n 1 || true)
[ -n "$nerr" ] || fail "full: the view says: $frame"
grep -qF "| OTLP/HTTP ok (" <<<"$frame" || fail "full: OTLP/HTTP beside it: $frame"
delivered=$(stat "items['traces']")
stop_receiver
python3 - "$WORK/full.scrape" "$delivered" "$nerr" <<'PY' || fail "full: health metrics"
import re, sys
text = open(sys.argv[1]).read()
def val(name, labels=""):
    m = re.search(r"^%s\{%s[^}]*\} (\d+)$" % (name, labels), text, re.M)
    assert m, f"{name}{{{labels}}} not in the scrape"
    return int(m.group(1))
errors = val("mcp_bpftrace_export_errors_total", 'signal="traces",') + \
         val("mcp_bpftrace_export_errors_total", 'signal="metrics",')
assert errors == int(sys.argv[3]), f"export_errors_total {errors} != the board's {sys.argv[3]}"
spans = int(sys.argv[2])
dropped = val("mcp_bpftrace_dropped_spans_total")
assert spans > 0 and dropped == spans, f"dropped_spans_total {dropped} != {spans} spans the receiver got"
print(f"-- full: exit 1, one message; {errors} failed writes on the board and in"
      f" mcp_bpftrace_export_errors_total; {dropped} spans dropped = the {spans} delivered over OTLP/HTTP")
PY

# ---- 4. Malformed URLs: bad usage, before anything is loaded -------------------
bad_url() { # name expected-message "VAR=VALUE ..." tracer-args...
  local name=$1 want=$2 envs=$3; shift 3
  local t0=$SECONDS rc=0
  # shellcheck disable=SC2086 # envs: several words, or none
  env $envs "$TRACER" -P "$PROBES" --verbose "$@" -- "$DEMO" --duration 1 --ledger "$WORK/$name.ledger" \
    >"$WORK/$name.out" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] || { cat "$WORK/$name.out"; fail "$name: exit status $rc, expected 2"; }
  grep -qF -- "$want" "$WORK/$name.out" || { cat "$WORK/$name.out"; fail "$name: expected '$want'"; }
  grep -qE "libbpf|probes attached|uprobe" "$WORK/$name.out" && { cat "$WORK/$name.out"; fail "$name: BPF was loaded"; }
  [ -e "$WORK/$name.ledger" ] && fail "$name: the target ran"
  [ $((SECONDS - t0)) -le 2 ] || fail "$name: took $((SECONDS - t0)) s"
  note "$name: $(head -n 1 "$WORK/$name.out")"
}
bad_url v6 "--otlp 'http://[::1': the IPv6 address has no closing ']'" "" --otlp 'http://[::1'
bad_url port "--otlp 'http://127.0.0.1:99999': port 99999 is out of range (1-65535)" "" --otlp http://127.0.0.1:99999
bad_url env "OTEL_EXPORTER_OTLP_ENDPOINT 'http://127.0.0.1:99999': port 99999 is out of range" \
  "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:99999"
bad_url envtraces "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT 'http://[::1/v1/traces': the IPv6 address has no closing ']'" \
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://[::1/v1/traces"
bad_url secret "--otlp 'http://***@[::1': the IPv6 address has no closing ']'" "" --otlp 'http://user:pa55word@[::1'
grep -q pa55word "$WORK/secret.out" && fail "secret: the password is in the message"

# ---- 5. A password in a working URL is printed nowhere --------------------------
DEAD=$(free_port)
"$TRACER" -P "$PROBES" --top=text --refresh 0.5 --verbose --otlp "http://user:pa55word@127.0.0.1:$DEAD" \
  --otlp-shutdown-timeout 1 -- "$DEMO" --duration 2 --rate 100 >"$WORK/pw.txt" 2>"$WORK/pw.err" ||
  { cat "$WORK/pw.err"; fail "pw: the tracer failed"; }
grep -qF "POST http://***@127.0.0.1:$DEAD/v1/" "$WORK/pw.err" || { cat "$WORK/pw.err"; fail "pw: the failure is not reported with the URL redacted"; }
grep -qF "export: OTLP/HTTP" "$WORK/pw.err" || fail "pw: no --verbose board"
if grep -l pa55word "$WORK/pw.txt" "$WORK/pw.err"; then fail "pw: the password was printed"; fi
note "pw: 'pa55word' in none of $(cat "$WORK/pw.txt" "$WORK/pw.err" | wc -l) lines of output; shown as http://***@127.0.0.1:$DEAD"
