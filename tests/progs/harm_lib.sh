# Helpers for tests/e2e/test_never_harm_*.sh; source after tests/e2e/lib.sh.
# (Here, not in tests/e2e/: run_e2e.sh runs every tests/e2e/test_*.sh.)
HARM=$BUILD_DIR/harm-target
HARM_PROBES=$ROOT/tests/progs/harm_target.probes
HCHECK="python3 $ROOT/tests/progs/harm_check.py"
[ -x "$HARM" ] || fail "$HARM not built (make BUILD=... e2e builds it)"

# The BPF link and program ids a process holds open (its fdinfo), one per line.
bpf_ids_of() { # pid
  local f
  for f in /proc/"$1"/fdinfo/*; do
    awk '/^link_id:/ {print "link " $2} /^prog_id:/ && !l {print "prog " $2} /^link_id:/ {l=1}' "$f" 2>/dev/null || true
  done | sort -u
}

# Fails unless every id listed in FILE (from bpf_ids_of) is gone from the
# kernel within SECONDS (a link is released when its last fd closes; the
# program after an RCU grace period).
wait_bpf_ids_gone() { # file seconds
  local end=$((SECONDS + ${2:-10})) kind id left
  while :; do
    left=0
    while read -r kind id; do
      if bpftool "$kind" show id "$id" >/dev/null 2>&1; then left=$((left + 1)); fi
    done <"$1"
    [ "$left" -eq 0 ] && return 0
    [ $SECONDS -ge $end ] && { echo "$left BPF objects still there:" >&2; cat "$1" >&2; return 1; }
    sleep 0.1
  done
}

# The first byte of SYMBOL as it is in the running process (0xcc while a
# uprobe sits there), and as it is in the file, as two hex numbers.
text_byte() { # pid symbol
  python3 - "$1" "$2" <<'PY'
import subprocess, sys
pid, sym = int(sys.argv[1]), sys.argv[2]
exe = f"/proc/{pid}/exe"
addr = None
for line in subprocess.run(["nm", "-D", exe], capture_output=True, text=True, check=True).stdout.splitlines():
    f = line.split()
    if len(f) == 3 and f[2] == sym:
        addr = int(f[0], 16)
assert addr is not None, f"{sym} not in {exe}"
# A PIE: the mapping of file offset 0 is the load bias; text vaddr == file offset.
real = subprocess.run(["readlink", exe], capture_output=True, text=True).stdout.strip()
bias = None
for line in open(f"/proc/{pid}/maps"):
    f = line.split()
    if len(f) >= 6 and f[5] == real and int(f[2], 16) == 0:
        bias = int(f[0].split("-")[0], 16)
        break
assert bias is not None, "no mapping of the executable"
with open(f"/proc/{pid}/mem", "rb") as m:
    m.seek(bias + addr)
    live = m.read(1)[0]
with open(exe, "rb") as e:
    e.seek(addr)
    disk = e.read(1)[0]
print(f"{live:02x} {disk:02x}")
PY
}
