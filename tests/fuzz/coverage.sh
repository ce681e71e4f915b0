#!/usr/bin/env bash
# Line coverage of each parser by its harness's corpus (what `make fuzz`
# found, plus the seeds): runs BUILD/fuzz-cov/fuzz_NAME over it once,
# merges the profile and prints llvm-cov's line coverage of the files the
# harness names on a line "fuzz-covers: FILE..." (all of user/ otherwise).
#   usage: tests/fuzz/coverage.sh BUILD [NAME...]
set -u
cd "$(dirname "$0")/../.."
build=${1:?usage: coverage.sh BUILD [NAME...]}
shift
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do n=${f##*/fuzz_}; names+=("${n%.c}"); done
fi
profdata=$(command -v llvm-profdata-14 || command -v llvm-profdata)
cov=$(command -v llvm-cov-14 || command -v llvm-cov)
out=$build/fuzz-cov/profiles
mkdir -p "$out"
for n in "${names[@]}"; do
  bin=$build/fuzz-cov/fuzz_$n
  [ -x "$bin" ] || { echo "coverage: $bin not built"; continue; }
  dirs=()
  for d in "$build/fuzz/corpus/$n" "tests/fuzz/corpus/$n"; do [ -d "$d" ] && dirs+=("$d"); done
  rm -f "$out/$n".*.profraw
  # -runs=0: execute the corpus once, no mutation.
  LLVM_PROFILE_FILE="$out/$n.%p.profraw" "$bin" -runs=0 "${dirs[@]}" >"$out/$n.log" 2>&1 ||
    { echo "coverage: $n failed on its corpus (see $out/$n.log)"; continue; }
  "$profdata" merge -sparse "$out/$n".*.profraw -o "$out/$n.profdata"
  read -r -a files <<<"$(sed -n 's/.*fuzz-covers: *//p' "tests/fuzz/fuzz_$n.c" | head -n 1 | sed 's/ *\*\/.*//')"
  echo "== $n ($(find "${dirs[@]}" -type f | wc -l) inputs)"
  # One file at a time: llvm-cov names it in full then (with several it
  # strips their common prefix). Columns: name, regions (3), functions (3),
  # lines (total, missed, cover), branches (3).
  [ ${#files[@]} -gt 0 ] || files=(user/)
  for f in "${files[@]}"; do
    "$cov" report "$bin" -instr-profile="$out/$n.profdata" "$f" |
      awk -v root="$PWD/" '$1 != "Filename" && $1 != "TOTAL" && $1 !~ /^-+$/ && NF >= 10 {
        sub("^" root, "", $1); printf "   %-36s %6s lines %5s missed %8s\n", $1, $8, $9, $10 }'
  done
done
