/* --all's --exclude-comm / --include-comm: which processes' calls are kept,
 * by the process name (/proc/PID/comm, as `ps` shows it) against shell globs.
 * Applied in user space where the sources hand calls on, not in BPF: a
 * glob does not fit a BPF program, and in host-wide mode the kernel side
 * already records every process (the cost of recording an excluded one
 * stays; what it costs is in BENCHMARKS.md). */
#ifndef COMM_FILTER_H
#define COMM_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "source/source.h"

#define COMM_FILTER_CACHE 4096 /* pids whose last name is kept, for those gone */

struct comm_filter {
	const char *const *exclude;
	int nexclude;
	const char *const *include; /* none: every name not excluded */
	int ninclude;
	struct call_sink next;
	uint64_t dropped; /* calls of processes left out */
	pid_t cache_pid[COMM_FILTER_CACHE];
	char cache_comm[COMM_FILTER_CACHE][16];
};

/* Whether a process named `comm` is kept: no exclude glob matches it, and
 * an include glob does when there are any. */
bool comm_filter_wanted(const struct comm_filter *f, const char *comm);
/* The name of `pid`: /proc/PID/comm, else the last one read for that pid
 * (the process has exited since its record was written). false: unknown. */
bool comm_filter_name(struct comm_filter *f, pid_t pid, char out[16]);
/* A call_sink fn (ctx: the filter): passes the call on to f->next when its
 * process is wanted: by the call's process.executable.name (an exec span:
 * the image it names), else by the process's name now. A process whose
 * name is unknown is kept. */
void comm_filter_call(void *ctx, const struct call *c);

#endif
