#!/usr/bin/env bash
# `make install` into a DESTDIR gives a tracer that works from anywhere:
# the installed copy traces the demo from another directory, in a mount
# namespace where the checkout is hidden, and its export equals the
# demo's ledger; it finds its data beside itself, and a lone copy finds
# the PREFIX's. The man page renders without warnings and documents every
# option of --help; bash completion completes options and pids; `make
# uninstall` leaves nothing behind.
source "$(dirname "$0")/lib.sh"
B=${BUILD:-build}
DEST=$WORK/dest
PREFIX=/usr/local # the Makefile's default: the build's binary is not rebuilt
make -s -C "$ROOT" BUILD="$B" install DESTDIR="$DEST" >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log"; fail "make install exited with $?"; }
BIN=$DEST$PREFIX/sbin/mcp-bpftrace
MAN=$DEST$PREFIX/share/man/man8/mcp-bpftrace.8
COMP=$DEST$PREFIX/share/bash-completion/completions/mcp-bpftrace

# 1. Exactly the files it should install, with their modes.
expected() {
  echo "$PREFIX/sbin/mcp-bpftrace 755"
  (cd "$ROOT/data" && find . -type f | sed "s|^\./|$PREFIX/share/mcp-bpftrace/|; s|\$| 644|")
  echo "$PREFIX/share/man/man8/mcp-bpftrace.8 644"
  echo "$PREFIX/share/bash-completion/completions/mcp-bpftrace 644"
  echo "$PREFIX/share/doc/mcp-bpftrace/README.md 644"
  echo "$PREFIX/share/doc/mcp-bpftrace/catalog.md 644"
}
expected | sort >"$WORK/want"
(cd "$DEST" && find . -type f -printf '/%P %m\n' | sort) >"$WORK/got"
diff -u "$WORK/want" "$WORK/got" || fail "make install: not the expected files (-want +got)"
cmp -s "$ROOT/data/prices.tsv" "$DEST$PREFIX/share/mcp-bpftrace/prices.tsv" 2>/dev/null ||
  [ ! -f "$ROOT/data/prices.tsv" ] || fail "the installed price table differs from data/prices.tsv"
note "installed $(wc -l <"$WORK/got") files under $PREFIX"

# 2. --version from the installed copy: its own data directory, the
#    kernel features, libbpf.
"$BIN" --version >"$WORK/version" || fail "--version exited with $?"
cat "$WORK/version"
grep -qx "mcp-bpftrace [0-9][0-9.]*" <(head -n 1 "$WORK/version") || fail "--version: no version line"
grep -q "^libbpf v\?[0-9]" "$WORK/version" || fail "--version: no libbpf version"
grep -qx "features: BTF yes, uprobe yes, uprobe_multi yes, ring buffer yes, tp_btf yes" "$WORK/version" ||
  fail "--version: this kernel has every feature, as root"
grep -qx "data: $DEST$PREFIX/share/mcp-bpftrace" "$WORK/version" ||
  fail "--version: the installed copy must use its own data directory"

# 3. The installed copy traces the demo from another directory, with the
#    checkout hidden (a tmpfs over it in a private mount namespace): no
#    path relative to the checkout is used.
mkdir -p "$WORK/elsewhere"
cp "$DEMO" "$PROBES" "$WORK/elsewhere/"
hidden() { # command... : run with $ROOT hidden, from $WORK/elsewhere
  unshare -m --propagation private sh -c 'mount -t tmpfs hidden "$0" && cd "$1" && shift && exec "$@"' \
    "$ROOT" "$WORK/elsewhere" "$@"
}
hidden ls -A "$ROOT" >"$WORK/ls" && [ ! -s "$WORK/ls" ] || fail "the checkout is not hidden: $(head -3 "$WORK/ls")"
hidden "$BIN" -P mcp-demo.probes --no-top --otlp-file out.jsonl -- ./mcp-demo --seed 21 --threads 3 \
  --ops 3000 --ledger ledger.json >"$WORK/run.log" 2>&1 || { cat "$WORK/run.log"; fail "installed tracer exited with $?"; }
grep -q "dropped 0 (ring buffer full)" "$WORK/run.log" || { cat "$WORK/run.log"; fail "records were dropped"; }
$CHECK --ledger "$WORK/elsewhere/ledger.json" --otlp "$WORK/elsewhere/out.jsonl" >"$WORK/check" 2>&1 ||
  { tail -n 30 "$WORK/check"; fail "installed tracer: export differs from the ledger"; }
note "installed copy, checkout hidden: $(tail -n 1 "$WORK/check")"

# 4. A copy on its own (no share/ beside it) falls back to the PREFIX's data
#    directory: shown with a tmpfs standing in for $PREFIX/share.
mkdir -p "$WORK/lone/bin"
cp "$BIN" "$WORK/lone/bin/"
unshare -m --propagation private sh -c 'mount -t tmpfs prefix "$0/share" && mkdir "$0/share/mcp-bpftrace" &&
  exec "$1" --version' "$PREFIX" "$WORK/lone/bin/mcp-bpftrace" >"$WORK/lone.version" ||
  fail "lone copy: --version exited with $?"
grep -qx "data: $PREFIX/share/mcp-bpftrace" "$WORK/lone.version" ||
  fail "a lone copy must use $PREFIX/share/mcp-bpftrace: $(grep ^data "$WORK/lone.version")"
unshare -m --propagation private sh -c 'mount -t tmpfs prefix "$0/share" && exec "$1" --version' \
  "$PREFIX" "$WORK/lone/bin/mcp-bpftrace" >"$WORK/lone2.version"
grep -q "^data: none found (looked in .*$PREFIX/share/mcp-bpftrace)" "$WORK/lone2.version" ||
  fail "without any data directory --version must say where it looked: $(grep ^data "$WORK/lone2.version")"
note "lone copy: $(grep ^data "$WORK/lone.version")"

# 5. The man page: renders without a warning, lints clean, and documents
#    every option of --help under a heading of its own (.TP line).
MANWIDTH=80 man --warnings -l "$MAN" >"$WORK/man.txt" 2>"$WORK/man.err" || fail "man -l exited with $?"
[ ! -s "$WORK/man.err" ] || { cat "$WORK/man.err"; fail "man -l: warnings"; }
groff -ww -man -Tutf8 -z "$MAN" 2>"$WORK/groff.err"
[ ! -s "$WORK/groff.err" ] || { cat "$WORK/groff.err"; fail "groff -ww: warnings"; }
if command -v mandoc >/dev/null; then
  mandoc -Tlint -Wwarning "$MAN" >"$WORK/mandoc.err" 2>&1 || { cat "$WORK/mandoc.err"; fail "mandoc -Tlint"; }
fi
grep -q "^EXIT STATUS" "$WORK/man.txt" && grep -q "^PROBE MAPS" "$WORK/man.txt" &&
  grep -q "^ENVIRONMENT" "$WORK/man.txt" && grep -q "^FILES" "$WORK/man.txt" &&
  grep -q "^EXAMPLES" "$WORK/man.txt" || fail "man page: a section is missing"
"$BIN" --help >"$WORK/help"
# Options as --help lists them: "  -p, --pid PID", "      --top[=text]".
help_options() { grep -oE '^ +(-[A-Za-z], )?--[a-z][a-z0-9-]*' "$WORK/help" | grep -oE -- '--?[A-Za-z][a-z0-9-]*'; }
undocumented() { # man-page-source: prints each option of --help without a .TP heading
  # the line after each .TP, roff escapes and fonts removed
  awk 'p { print; p = 0 } /^\.TP/ { p = 1 }' "$1" | sed -E 's/\\-/-/g; s/\\f[BIRP]//g' >"$WORK/headings"
  for o in $(help_options); do
    grep -qE -- "(^|[ \"])$o([] =\"[,]|$)" "$WORK/headings" || echo "$o"
  done
}
n=$(help_options | wc -l)
[ "$n" -ge 30 ] || fail "only $n options read from --help: the pattern is broken"
missing=$(undocumented "$MAN")
[ -z "$missing" ] || fail "options in --help that docs/mcp-bpftrace.8 does not document:" $missing
# ... and the check fails when one is missing.
sed '/^\.BI \\-\\-otlp\\-queue " N"$/d' "$MAN" >"$WORK/cut.8"
cmp -s "$MAN" "$WORK/cut.8" && fail "could not remove --otlp-queue from the page: fix the test"
[ "$(undocumented "$WORK/cut.8")" = "--otlp-queue" ] || fail "the option check missed a removed --otlp-queue"
note "man page: $n options of --help documented, no warnings"

# 6. Bash completion, in a clean bash: options (read from --help), --pid
#    with pids, --list-ops= forms, the command after --.
complete_words() { # words... (the last one is completed) -> $WORK/comp, one a line
  PATH="$DEST$PREFIX/sbin:$PATH" bash --norc --noprofile -c '
    source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mcp_bpftrace
    [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' "$COMP" "$@" >"$WORK/comp"
}
offers() { grep -qx -- "$1" "$WORK/comp"; } # (files, not pipes: grep -q would cut the writer short)
complete_words mcp-bpftrace --pi && offers --pid || fail "completion: --pi does not give --pid"
complete_words mcp-bpftrace --list-ops= && offers --list-ops=markdown || fail "completion: --list-ops=markdown"
complete_words mcp-bpftrace -P x.probes --pid "" && offers "$$" || fail "completion: --pid does not offer pid $$"
[ -s "$WORK/comp" ] && ! grep -qvE '^[0-9]+$' "$WORK/comp" || fail "completion: --pid must offer pids only"
complete_words mcp-bpftrace --otlp-compression ""
[ "$(sort "$WORK/comp" | tr '\n' ' ')" = "gzip none " ] || fail "completion: --otlp-compression"
complete_words mcp-bpftrace -P x -- mcp-dem
[ ! -s "$WORK/comp" ] || fail "completion: a command that does not exist completed"
complete_words mcp-bpftrace -P x -- bas && offers bash || fail "completion: the command after -- is not completed"
complete_words mcp-bpftrace --
ncomp=$(wc -l <"$WORK/comp")
nlong=$(help_options | grep -c -- '^--')
[ "$(grep -c '^--' "$WORK/comp")" -ge "$nlong" ] || fail "completion: -- gives fewer than the $nlong long options"
note "completion: $nlong long options, pids, --list-ops=, commands ($ncomp words for --)"

# 7. make uninstall leaves nothing behind.
make -s -C "$ROOT" BUILD="$B" uninstall DESTDIR="$DEST" >"$WORK/uninstall.log" 2>&1 ||
  { cat "$WORK/uninstall.log"; fail "make uninstall exited with $?"; }
left=$(cd "$DEST" && find . \( -type f -o -type l -o -name '*mcp-bpftrace*' \) -printf '%P\n')
[ -z "$left" ] || fail "make uninstall left: $left"
note "uninstall: nothing left under $DEST"

# 8. PREFIX and DESTDIR reach every path (dry run: building for another
#    PREFIX would rebuild the shared build directory's binary).
make -s -n -C "$ROOT" BUILD="$B" install PREFIX=/opt/mcp DESTDIR=/stage >"$WORK/dry" 2>&1
for p in sbin/mcp-bpftrace share/man/man8/mcp-bpftrace.8 share/bash-completion/completions/mcp-bpftrace \
  share/doc/mcp-bpftrace/catalog.md; do
  grep -q " /stage/opt/mcp/$p\$" "$WORK/dry" || fail "make -n install PREFIX=/opt/mcp: no /stage/opt/mcp/$p"
done
grep -q "MCP_DATADIR.*'/opt/mcp/share/mcp-bpftrace'" "$WORK/dry" || fail "PREFIX does not reach MCP_DATADIR"
note "PREFIX=/opt/mcp DESTDIR=/stage: every path under /stage/opt/mcp"
