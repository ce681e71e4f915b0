#!/usr/bin/env bash
# The tracer under valgrind's memcheck, with every sink at once (OTLP file,
# OTLP/HTTP to a collector that is down, Prometheus, the text view) and the
# target exiting on its own: every heap block must be freed at exit (but the
# dynamic loader's records of the libraries loaded on first use), and
# the export must still equal the ledger. (The two "uninitialised bytes"
# reports valgrind makes inside libbpf's bpf() calls are padding in
# union bpf_attr that valgrind 3.19 does not model; they are not ours.)
source "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || fail "valgrind is not installed (make deps)"

log=$WORK/vg.log
valgrind --leak-check=full --show-leak-kinds=all --track-fds=no \
  --suppressions="$(dirname "$0")/valgrind-dlopen.supp" \
  "$TRACER" -P "$PROBES" --top=text --refresh 0.5 --otlp-file "$WORK/vg.jsonl" \
  --otlp http://127.0.0.1:9 --otlp-shutdown-timeout 1 --prometheus 127.0.0.1:0 \
  -- "$DEMO" --seed 5 --ops 300 --threads 2 --ledger "$WORK/vg.ledger" >"$log" 2>&1 ||
  { tail -n 40 "$log"; fail "tracer under valgrind exited with $?"; }
# Every block in use at exit is the dynamic loader's (suppressed, see
# valgrind-dlopen.supp), none the tracer's.
grep -q "in use at exit: 0 bytes in 0 blocks" "$log" || grep -q "still reachable: 0 bytes in 0 blocks" "$log" ||
  { grep -B 3 -A 14 "still reachable in loss record" "$log" | head -60; fail "heap blocks left at exit"; }
if grep -qE "definitely lost: [1-9]|indirectly lost: [1-9]|possibly lost: [1-9]" "$log"; then
  grep -B 2 -A 20 "lost in" "$log" | head -60; fail "memory leaked"
fi
$CHECK --ledger "$WORK/vg.ledger" --otlp "$WORK/vg.jsonl" >"$WORK/vg.check" ||
  { tail "$WORK/vg.check"; fail "export under valgrind differs from the ledger"; }
note "valgrind: $(grep -oE 'total heap usage: [0-9,]+ allocs, [0-9,]+ frees' "$log"), 0 bytes in use at exit;" \
  "ledger $(tail -n 1 "$WORK/vg.check")"
