#!/usr/bin/env bash
# The pipeline's stages point one way (README, "How it works"):
#   target -> source -> aggregate -> cost -> export -> view -> main
# A file may include from its own folder, from user/ (catalog, attrs,
# clock, cli, probe map: what every stage uses) and from stages before its
# own; never from a later one. Prints each violation; exits 1 if any.
set -u
cd "$(dirname "$0")/.."
rank() {
  case $1 in
    target) echo 1 ;; source) echo 2 ;; aggregate) echo 3 ;; cost) echo 4 ;; export) echo 5 ;; view) echo 6 ;;
    *) echo 0 ;;
  esac
}
bad=0 checked=0
while IFS= read -r f; do
  dir=${f#user/}; dir=${dir%%/*}
  [ "$dir" = "${f#user/}" ] && dir=top
  # Top-level files other than main.c and list.c are shared by every stage.
  case $f in user/main.c | user/list.c) mine=9 ;; *) mine=$(rank "$dir") ;; esac
  [ "$dir" = top ] && [ "$mine" -ne 9 ] && mine=0
  while IFS= read -r inc; do
    checked=$((checked + 1))
    stage=${inc%%/*}
    [ "$stage" = "$inc" ] && continue # same folder or top level
    theirs=$(rank "$stage")
    if [ "$theirs" -gt "$mine" ] || { [ "$mine" -eq 0 ] && [ "$theirs" -gt 0 ]; }; then
      echo "layers: $f includes \"$inc\" (a later stage)"
      bad=$((bad + 1))
    fi
  done < <(sed -nE 's/^#include "([^"]+)".*/\1/p' "$f")
done < <(find user -name '*.[ch]' | sort)
echo "layers: ${checked} includes checked, ${bad} pointing backwards"
[ "$bad" -eq 0 ]
