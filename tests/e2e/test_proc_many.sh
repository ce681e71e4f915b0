#!/usr/bin/env bash
# Following 10,000 short-lived children leaks nothing: after they are gone,
# the kernel's traced-process map holds the target alone again, and the
# tracer's memory is where it was after the first 1,000.
. "$(dirname "$0")/lib.sh"
FORKER=$BUILD_DIR/forker
[ -x "$FORKER" ] || fail "build first: make e2e builds $FORKER"
command -v bpftool >/dev/null || fail "bpftool is not installed (make deps)"
W=$WORK/wait
"$TRACER" --no-top --no-summary -- "$FORKER" 5000 3 "$W" >"$WORK/out" 2>&1 &
tracer=$!
bg $tracer
traced_entries() { # entries of the traced_pids map this tracer holds (others may run)
  local id
  id=$(bpftool -j map show 2>/dev/null | python3 -c '
import json, os, sys
mine = set()
for fd in os.listdir(f"/proc/{sys.argv[1]}/fdinfo"):
    for line in open(f"/proc/{sys.argv[1]}/fdinfo/{fd}"):
        if line.startswith("map_id:"):
            mine.add(int(line.split()[1]))
print(*[m["id"] for m in json.load(sys.stdin) if m.get("name") == "traced_pids" and m["id"] in mine])
' "$tracer")
  [ -n "$id" ] || { echo "none"; return; }
  bpftool -j map dump id "$id" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
rss() { awk '/^VmRSS/ {print $2}' "/proc/$tracer/status"; }
wait_for "$WORK/out" "round 1 done" 60 || { cat "$WORK/out"; fail "round 1 did not finish"; }
sleep 0.5 # the exit records of the last children reach the tracer
rss1=$(rss); n1=$(traced_entries)
touch "$W.1"
wait_for "$WORK/out" "round 2 done" 60 || fail "round 2 did not finish"
touch "$W.2"
wait_for "$WORK/out" "round 3 done" 60 || fail "round 3 did not finish"
sleep 0.5
rss3=$(rss); n3=$(traced_entries)
touch "$W.3"
wait $tracer || fail "tracer exited $?"
note "traced_pids entries: $n1 after 5,000 children, $n3 after 15,000; tracer RSS ${rss1} -> ${rss3} KiB"
[ "$n1" = 1 ] && [ "$n3" = 1 ] || fail "traced_pids keeps children that are gone ($n1, $n3 entries; want the target alone)"
[ $((rss3 - rss1)) -lt 2048 ] || fail "tracer memory grew by $((rss3 - rss1)) KiB over 10,000 children"
echo "PASS: 15,000 children followed, nothing left behind"
