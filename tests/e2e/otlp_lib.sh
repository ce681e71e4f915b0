# Helpers for the OTLP/HTTP end-to-end tests; source after lib.sh.
# The receiver (tests/otlp-receiver) decodes with the OpenTelemetry JS
# project's protobufjs code generated from the official OTLP .proto files,
# not with ours, and writes OTLP/JSON lines that check_ledger.py reads.
RECEIVER_DIR=$ROOT/tests/otlp-receiver
[ -d "$RECEIVER_DIR/node_modules/@opentelemetry/otlp-transformer" ] ||
  fail "the test receiver's npm packages are missing: run 'make deps' (npm ci in tests/otlp-receiver)"
command -v node >/dev/null || fail "node is missing: run 'make deps'"

# start_receiver NAME [receiver flags...]: sets RPORT, CPORT, ROUT, RLOG.
start_receiver() {
  local name=$1; shift
  ROUT=$WORK/$name.otlp.jsonl RLOG=$WORK/$name.requests.jsonl
  rm -f "$WORK/$name.port" "$WORK/$name.cport"
  node "$RECEIVER_DIR/receiver.js" --out "$ROUT" --log "$RLOG" --port-file "$WORK/$name.port" \
    --control-port-file "$WORK/$name.cport" "$@" 2>"$WORK/$name.receiver.err" &
  RPID=$!
  bg $RPID
  local end=$((SECONDS + 15))
  until [ -s "$WORK/$name.cport" ]; do
    kill -0 $RPID 2>/dev/null || { cat "$WORK/$name.receiver.err"; fail "receiver did not start"; }
    [ $SECONDS -ge $end ] && fail "receiver did not start in time"
    sleep 0.05
  done
  RPORT=$(cat "$WORK/$name.port") CPORT=$(cat "$WORK/$name.cport")
}

stop_receiver() { kill "$RPID" 2>/dev/null || true; wait "$RPID" 2>/dev/null || true; }

control() { curl -sf -XPOST "http://127.0.0.1:$CPORT/control" -d "$1" >/dev/null || fail "receiver control failed"; }
stats() { curl -sf "http://127.0.0.1:$CPORT/stats"; }
stat() { stats | python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {}, d))" "$1"; }

# ledger_spans LEDGER: how many spans the demo made.
ledger_spans() { python3 -c "import json,sys; l=json.load(open(sys.argv[1])); print(sum(v['ok']+v['error'] for v in l['spans'].values()))" "$1"; }

# check_receiver NAME LEDGER: the receiver's output equals the ledger.
check_receiver() {
  $CHECK --ledger "$2" --otlp "$ROUT" >"$WORK/$1.check" 2>&1 ||
    { tail -n 30 "$WORK/$1.check"; fail "$1: what arrived over OTLP/HTTP differs from the ledger"; }
  note "$1: $(tail -n 1 "$WORK/$1.check")"
}
