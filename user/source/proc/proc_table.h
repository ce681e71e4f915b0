/* The traced processes the process source knows, by pid: the exec span
 * each one has open, and where a child's spans hang. Bounded like the
 * kernel's traced set (MCP_MAX_TRACED); an entry goes when its process does. */
#ifndef PROC_TABLE_H
#define PROC_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "git_args.h"

#define PROC_BUCKETS 4096

struct proc_entry {
	struct proc_entry *next; /* hash chain */
	pid_t pid, ppid;         /* ppid 0: not seen forked */
	/* Set at fork: the span open on the forking thread, or the parent's
	 * exec span. Zero: the process's spans start traces of their own. */
	unsigned long long up_trace_id[2], up_span_id;
	/* The exec span, while the image it names runs. */
	bool running;
	uint64_t exec_ns;
	unsigned long long trace_id[2], span_id;
	char exe[64];
	bool git;                  /* a `git worktree SUB` command */
	struct git_worktree_cmd gw;
	bool args_cut;
	char cmdline[256];         /* --capture-content only */
};

struct proc_table {
	struct proc_entry *b[PROC_BUCKETS];
	size_t n, max;
	uint64_t refused; /* entries not made: the table was full */
};

void proc_table_init(struct proc_table *t, size_t max);
/* The entry of `pid`, made (zeroed) when `create` and there is room. */
struct proc_entry *proc_table_get(struct proc_table *t, pid_t pid, bool create);
void proc_table_remove(struct proc_table *t, pid_t pid);
void proc_table_free(struct proc_table *t);

#endif
