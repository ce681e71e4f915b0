/* How the mcp source captures reads and writes (--mcp-capture): the
 * syscall tracepoints, the libc probes per process (mcp_libc.h), or both
 * at once in auto while a process libc cannot cover is traced. Owns the
 * links of bpf/mcp_io.bpf.c's programs; the records are the same either
 * way, and mcp_source.c reads them. */
#ifndef MCP_CAPTURE_H
#define MCP_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include "source/mcp/mcp_libc.h"
#include "source/source.h"

struct mcp_io_bpf;
struct bpf_link;

struct mcp_capture_state {
	enum mcp_capture mode;     /* after mcp_capture_configure: syscalls, libc or auto */
	struct mcp_io_bpf *skel;
	struct source *s;          /* its env, its attach_errors */
	struct bpf_link *tp[2];    /* sys_enter, sys_exit: while some process needs them */
	struct bpf_link *hold[2];  /* sched_process_fork, sched_process_exec: libc and auto */
	struct mcp_libc *libc;     /* libc and auto, once attached */
	uint64_t holds, held_ns;   /* processes held, and for how long in all */
};

/* Before the object loads: the mode for this run (the one asked, or
 * syscalls where libc cannot serve: --all, containers, no uprobe_multi)
 * and the programs it needs. 0, or 1 with err set. */
int mcp_capture_configure(struct mcp_capture_state *c, struct source *s, struct mcp_io_bpf *skel, char *err,
			  size_t errlen);
/* Attaches: the holds, each target's libc, the tracepoints if needed.
 * Returns the links attached. */
int mcp_capture_attach(struct mcp_capture_state *c);
/* An MCP_REC_IO_HOLD record: the process is probed (or the tracepoints
 * attached for it), then continued; held_ns: when it was stopped. */
void mcp_capture_hold(struct mcp_capture_state *c, pid_t pid, bool exec, uint64_t held_ns);
/* A traced process ended. */
void mcp_capture_exit(struct mcp_capture_state *c, pid_t pid);
/* No new holds from now on (then the caller reads its ring: the holds in
 * it continue their processes). */
void mcp_capture_stop_holds(struct mcp_capture_state *c);
/* Everything else detached. */
void mcp_capture_detach(struct mcp_capture_state *c);

#endif
