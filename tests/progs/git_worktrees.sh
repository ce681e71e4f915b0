#!/usr/bin/env bash
# A target for tests/e2e/test_proc_git.sh: git worktree commands of every
# kind, some failing, in the forms agents use them (-C, -c), from several
# children at once. Writes a ledger line per command: "OP STATUS".
#   git_worktrees.sh DIR LEDGER [CHILDREN]
set -u
dir=$1 ledger=$2 children=${3:-3}
export GIT_CONFIG_NOSYSTEM=1 HOME=$dir
git config --global user.email t@example.invalid
git config --global user.name t
git init -q "$dir/repo"
git -C "$dir/repo" commit -q --allow-empty -m init
run() { # op, then the git command
  local op=$1 st; shift
  "$@" >/dev/null 2>&1; st=$?
  echo "$op $st" >>"$dir/ledger.$BASHPID"
}
child() {
  local k=$1 r=$dir/repo w=$dir/wt
  run add git -C "$r" worktree add "$w$k-a" -b "b$k-a"
  run add git -C "$r" -c core.quotepath=off worktree add "$w$k-b" -b "b$k-b"
  run add git -C "$r" worktree add "$w$k-a"                 # fails: path exists
  run add git -C "$r" worktree add "$w$k-c" -b "b$k-a"      # fails: branch exists
  run add git -C "$r" worktree add "$w$k-d" no-such-commit  # fails: bad commit-ish
  run list git -C "$r" worktree list --porcelain
  run lock git -C "$r" worktree lock --reason busy "$w$k-b"
  run remove git -C "$r" worktree remove "$w$k-b"           # fails: locked
  run unlock git -C "$r" worktree unlock "$w$k-b"
  run move git -C "$r" worktree move "$w$k-b" "$w$k-e"
  run remove git -C "$r" worktree remove "$w$k-e"
  run remove git -C "$r" worktree remove "$w$k-nothere"     # fails: not a worktree
  run prune git -C "$r" worktree prune
}
for k in $(seq 1 "$children"); do child "$k" & done
wait
cat "$dir"/ledger.* >"$ledger"
