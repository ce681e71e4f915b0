/* `git [global options] worktree SUB [options] [args]` from an exec's argv:
 * which worktree operation, on which path, with which new branch. Pure (unit
 * tested in tests/unit/test_proc.c, fuzzed in tests/fuzz/fuzz_git_args.c):
 * the argv is whatever a traced program passed to exec. */
#ifndef GIT_ARGS_H
#define GIT_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#define GIT_TEXT_LEN 256

struct git_worktree_cmd {
	char op[16];                /* add, remove, prune, list, move, lock, unlock, repair */
	char path[GIT_TEXT_LEN];    /* the worktree the command names ("" when none) */
	char branch[GIT_TEXT_LEN];  /* add -b/-B NAME ("" when not given) */
};

/* argv as the kernel holds it: `len` bytes of NUL-separated strings (the
 * last may lack its NUL when the record was cut). True when it is a git
 * worktree command with a known subcommand; `cmd` is filled then. */
bool git_worktree_parse(const char *args, size_t len, struct git_worktree_cmd *cmd);

/* The i-th string of a NUL-separated argv, NULL past the end. */
const char *argv_at(const char *args, size_t len, int i, char *buf, size_t buflen);

#endif
