/* The process source (`exec`): fork, exec and exit of the traced processes
 * from the scheduler tracepoints (bpf/proc.bpf.c). It keeps the traced set
 * following the targets' children, tells the other sources about every
 * process so that they can attach to it, and makes an `exec NAME` span per
 * exec (exec to exit) or, for `git worktree SUB`, a `git_worktree_SUB` span. */
#ifndef PROC_SOURCE_H
#define PROC_SOURCE_H

#include "source/source.h"

extern const struct source_ops proc_source_ops;

#endif
