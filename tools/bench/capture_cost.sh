#!/usr/bin/env bash
# What capturing reads and writes costs, per mechanism, on this machine:
# a write() loop of 64 bytes to /dev/null and to a pipe, in a process that
# is not traced (while the mechanism is attached for another one) and in a
# traced one. Prints a Markdown table of medians and ratios to "none".
#
#   sudo tools/bench/capture_cost.sh [--rounds N] [--iterations N] [--modes "M1 M2..."] [--no-userspace]
#
# Mechanisms (tools/bench/capture_cost.bpf.c, loaded by capture_cost.c):
#   tp   the mcp source's own object (bpf/mcp_io.bpf.c as `make` built it in
#        $BUILD): tp_btf/sys_enter + sys_exit, the traced set in a hash map
#   tp0  the same tracepoints with empty programs: the mechanism's floor
#   up   uprobes (+ uretprobes) on libc's read, write, readv, writev,
#        recvfrom, sendto, recvmsg, sendmsg, attached for one pid
#   upx  the same, each on the first instruction past glibc's entry check
#        that the kernel emulates (no single-step)
#   lx   the mcp source's libc capture as mcp-bpftrace attaches it (its
#        object's mcp_libc_enter/exit programs, user/source/mcp/mcp_libc.c's
#        offsets, uprobe_multi links with the traced pid): the default
#        (--mcp-capture=auto) for a process on glibc
# Then the user-space half alone (capture_cost_userspace.c): messages/s
# through framing and matching on one core, memory per request in flight.
# Builds into $BUILD/bench-capture (BUILD defaults to build).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
OUT=$BUILD/bench-capture
ROUNDS=5
ITER=500000
USERSPACE=1
MODES=(none tp0-other tp-other tp-self up-other up-self upx-other upx-self lx-other lx-self)
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --iterations) ITER=$2; shift 2 ;;
    --modes) read -ra MODES <<<"none $2"; shift 2 ;; # "none" is every ratio's base
    --no-userspace) USERSPACE=0; shift ;;
    *) echo "capture_cost.sh: unknown option $1 (--rounds N, --iterations N, --modes LIST, --no-userspace)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "capture_cost.sh: needs root (BPF)" >&2; exit 1; }

mkdir -p "$OUT"
[ -f vmlinux/vmlinux.h ] || make -s vmlinux/vmlinux.h
CFLAGS="-std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE"
clang -target bpf -g -O2 -D__TARGET_ARCH_x86 -Ivmlinux -I/usr/include/"$(uname -m)"-linux-gnu \
  -Wall -Werror -c tools/bench/capture_cost.bpf.c -o "$OUT/capture_cost.bpf.o"
bpftool gen skeleton "$OUT/capture_cost.bpf.o" > "$OUT/capture_cost.skel.h"
[ -f "$BUILD/mcp_io.bpf.o" ] || { echo "capture_cost.sh: $BUILD/mcp_io.bpf.o missing (make BUILD=$BUILD all)" >&2; exit 1; }
bpftool gen skeleton "$BUILD/mcp_io.bpf.o" name mcp_io_bpf > "$OUT/mcp_io.skel.h"
gcc $CFLAGS -I"$OUT" -I"$BUILD" -Ibpf -Iuser -o "$OUT/capture-cost" tools/bench/capture_cost.c user/source/mcp/mcp_libc.c \
  user/source/mcp/mcp_capture.c user/source/mcp/mcp_watchdog.c user/source/core_btf.c user/source/uprobe/elf_symbols.c \
  user/source/uprobe/uprobe_multi.c user/clock.c \
  -lbpf -lelf -lz -lpthread
gcc $CFLAGS -o "$OUT/capture-cost-loop" tools/bench/capture_cost_loop.c
[ "$USERSPACE" = 0 ] || gcc $CFLAGS -Iuser -Ibpf -o "$OUT/capture-cost-userspace" tools/bench/capture_cost_userspace.c \
  user/source/mcp/jsonrpc_framer.c user/source/mcp/jsonrpc_msg.c user/source/mcp/jsonrpc_salvage.c \
  user/source/mcp/mcp_session.c user/source/mcp/mcp_pending.c user/source/mcp/mcp_channels.c \
  user/source/mcp/mcp_finish.c user/source/mcp/mcp_hold.c user/source/mcp/mcp_names.c \
  user/source/mcp/mcp_reserve.c user/source/tool_calls.c -lcjson -lm

# Another tracer's syscall tracepoints would tax "nothing attached" too.
others=$(bpftool link list 2>/dev/null | grep -cE 'sys_enter|sys_exit' || true)
[ "$others" -eq 0 ] || echo "capture_cost.sh: warning: $others other sys_enter/sys_exit links attached" >&2
echo "capture_cost.sh: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)" >&2

results=$(mktemp)
loopout=$(mktemp)
trap 'rm -f "$results" "$loopout"' EXIT
for round in $(seq "$ROUNDS"); do
  for mode in "${MODES[@]}"; do
    for target in null pipe; do
      n=$ITER
      # single-stepped probes cost tens of microseconds each here
      [ "$mode" = up-self ] && n=$((ITER / 25))
      # the loop's own report goes to a file, not a pipe: it would be captured
      line=$("$OUT/capture-cost" "$mode" -- sh -c "exec '$OUT/capture-cost-loop' $target $n > '$loopout'" 2>/dev/null | tr '\n' ' ')
      echo "$mode $target $(cat "$loopout") $line" >> "$results"
    done
  done
  echo "capture_cost.sh: round $round of $ROUNDS done" >&2
done

python3 - "$results" "$ROUNDS" "${MODES[*]}" <<'EOF'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    mode, target, rest = line.split(" ", 2)
    kv = dict(re.findall(r"(\w+)=([\d.]+)", rest))
    if "ns_per_write" not in kv:
        sys.exit(f"capture_cost.sh: {mode} {target} gave no result: {rest.strip()}")
    rows.setdefault((mode, target), []).append(kv)
def med(mode, target, key):
    return statistics.median(float(r[key]) for r in rows[(mode, target)])
labels = {
    "none": "nothing attached",
    "tp0-other": "tp_btf sys_enter/exit, empty programs (their floor)",
    "tp-other": "mcp source (tp_btf sys_enter/exit), process NOT traced",
    "tp-self": "mcp source (tp_btf sys_enter/exit), process traced",
    "up-other": "libc uprobes at entry, process NOT traced",
    "up-self": "libc uprobes at entry, process traced",
    "upx-other": "libc uprobes past the entry check, NOT traced",
    "upx-self": "libc uprobes past the entry check, traced",
    "lx-other": "mcp source, libc capture (the default), process NOT traced",
    "lx-self": "mcp source, libc capture (the default), process traced",
}
print(f"write() of 64 bytes, median of {sys.argv[2]} rounds; ratio = ns / the same with nothing attached\n")
print("| mechanism | /dev/null wall ns | ratio | CPU ns | ratio | pipe wall ns | ratio | CPU ns | ratio | records (pipe) |")
print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
for mode in [m for m in labels if m in sys.argv[3].split()]:
    cells = []
    for target in ("null", "pipe"):
        for key in ("ns_per_write", "cpu_ns_per_write"):
            v, base = med(mode, target, key), med("none", target, key)
            cells += [f"{v:,.0f}", "-" if mode == "none" else f"{v / base:.3f}"]
    rec = statistics.median(int(r.get("records", 0)) for r in rows[(mode, "pipe")])
    writes = statistics.median(int(r["writes"]) for r in rows[(mode, "pipe")])
    drops = max(int(r.get("dropped", 0)) for r in rows[(mode, "pipe")])
    cap = f"{rec:,.0f} of {writes:,.0f}" + (f", {drops} dropped" if drops else "")
    print(f"| {labels[mode]} | " + " | ".join(cells) + f" | {cap if mode.endswith('self') else '-'} |")
EOF
[ "$USERSPACE" = 1 ] || exit 0
for i in 1 2 3; do "$OUT/capture-cost-userspace" 200000; done > "$results"
python3 - "$results" <<'EOF'
import re, statistics, sys
runs = [dict(re.findall(r"(\w+)=([\d.]+)", l)) for l in open(sys.argv[1]) if l.strip()]
med = lambda k: statistics.median(float(r[k]) for r in runs)
print(f"\nUser space alone (framing, JSON-RPC, matching, stitching; one core, median of {len(runs)}): "
      f"{med('messages_per_s'):,.0f} messages/s ({med('calls_per_s'):,.0f} tools/call with both sides traced, "
      f"{med('ns_per_message'):,.0f} ns a message); 10,000 requests in flight: "
      f"{med('bytes_per_request'):,.0f} bytes each, {med('rss_kib') / 1024:.1f} MiB RSS for the whole process.")
EOF
