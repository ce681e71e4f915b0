#!/usr/bin/env bash
# docs/catalog.md is what `mcp-bpftrace --list-ops=markdown` prints (`make
# docs` rewrites it), and what it says is what the tracer exports: a demo
# run's OTLP file is checked against it (catalog_doc_check.py), and the
# checker is shown to catch a wrong unit, a missing attribute and a missing
# health reason.
source "$(dirname "$0")/lib.sh"
DOC=$ROOT/docs/catalog.md
[ -f "$DOC" ] || fail "docs/catalog.md is missing (make docs)"

# 1. The committed document equals the binary's output.
"$TRACER" --list-ops=markdown >"$WORK/catalog.md" || fail "--list-ops=markdown exited with $?"
if ! diff -u "$DOC" "$WORK/catalog.md" >"$WORK/diff"; then
  head -n 40 "$WORK/diff"
  fail "docs/catalog.md differs from '$TRACER --list-ops=markdown': run 'make docs' and commit it"
fi
note "docs/catalog.md equals --list-ops=markdown ($(wc -l <"$DOC") lines)"
# The text form still works, and a bad form is bad usage.
"$TRACER" --list-ops=text >"$WORK/text" && grep -q "^span  model_routing" "$WORK/text" ||
  fail "--list-ops=text lost its table"
rc=0; "$TRACER" --list-ops=html >/dev/null 2>"$WORK/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "markdown" "$WORK/err" || fail "--list-ops=html: exit $rc, $(cat "$WORK/err")"

# 2. What it says is what a run exports: every metric of every operation
#    the demo binds, with some calls failing so that the error counters move.
out=$WORK/demo.jsonl
"$TRACER" -P "$PROBES" --no-top --otlp-file "$out" -- "$DEMO" --seed 5 --threads 2 --ops 3000 \
  --error-rate 0.2 --ledger "$WORK/ledger.json" >"$WORK/log" 2>&1 || { cat "$WORK/log"; fail "tracer exited with $?"; }
CHECK_DOC="python3 $ROOT/tests/e2e/catalog_doc_check.py --otlp $out --probes $PROBES"
$CHECK_DOC --doc "$DOC" >"$WORK/check" || { cat "$WORK/check"; fail "the export differs from docs/catalog.md"; }
note "$(tail -n 1 "$WORK/check")"

# 3. The checker fails when the document is wrong (a test that cannot fail
#    proves nothing): a unit, an attribute of a row, a health reason.
mutate() { # name sed-expression
  sed -E "$2" "$DOC" >"$WORK/$1.md"
  cmp -s "$DOC" "$WORK/$1.md" && fail "mutation $1 changed nothing: fix the test"
  if $CHECK_DOC --doc "$WORK/$1.md" >"$WORK/$1.out"; then
    fail "catalog_doc_check accepted a document with $1"
  fi
  note "caught $1: $(grep -m1 FAIL "$WORK/$1.out")"
}
mutate wrong-unit 's/^(\| `mcp_model_routing_duration_seconds` \| histogram \| )`s`/\1`ms`/'
mutate missing-attribute '/^### model_routing/,/^### /s/^(\| `mcp_model_routing_total` .*)`mcp.model_type`, /\1/'
mutate missing-reason 's/(`reason`: too_deep), return_without_entry/\1/'
mutate missing-metric '/^\| `mcp_model_cache_hits_total` \|/d'
