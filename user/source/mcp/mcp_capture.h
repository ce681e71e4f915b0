/* How the mcp source captures reads and writes (--mcp-capture): the
 * syscall tracepoints, the libc probes per process (mcp_libc.h), or both
 * at once in auto while a process libc cannot cover is traced. Owns the
 * links of bpf/mcp_io.bpf.c's programs; the records are the same either
 * way, and mcp_source.c reads them. */
#ifndef MCP_CAPTURE_H
#define MCP_CAPTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "source/mcp/mcp_libc.h"
#include "source/source.h"

struct mcp_io_bpf;
struct bpf_link;
struct ring_buffer;

struct mcp_capture_state {
	enum mcp_capture mode;     /* after mcp_capture_configure: syscalls, libc or auto */
	bool session;              /* libc probes as session uprobes: one link a process */
	struct mcp_io_bpf *skel;
	/* The syscall programs: in skel when the mode needs them from the
	 * start (syscalls); else loaded on first need, alone, in a second
	 * instance of the object sharing skel's maps (tp_object()). */
	bool tp_in_skel, tp_failed;
	struct mcp_io_bpf *tp_skel;
	struct source *s;          /* its env, its attach_errors */
	struct bpf_link *tp[2];    /* sys_enter, sys_exit: while some process needs them */
	struct bpf_link *hold[2];  /* sched_process_fork, sched_process_exec: libc and auto */
	struct mcp_libc *libc;     /* libc and auto, once attached */
	uint64_t holds, held_ns;   /* processes held, and for how long in all */
	uint64_t tp_needed_ns;     /* the last time a process needed the tracepoints */
	/* The hold thread reads the `holds` ring; the lock keeps libc and tp
	 * between it and the caller's thread (exits). */
	pthread_t thread;
	bool thread_on;
	volatile bool stopping;
	pthread_mutex_t lock;
	struct ring_buffer *hold_rb;
	int watchdog; /* mcp_watchdog.h: continues the held if the tracer is killed */
};

/* Before the object loads: the mode for this run (the one asked, or
 * syscalls where libc cannot serve: --all, containers, no uprobe_multi)
 * and the programs it needs. 0, or 1 with err set. */
int mcp_capture_configure(struct mcp_capture_state *c, struct source *s, struct mcp_io_bpf *skel, char *err,
			  size_t errlen);
/* Before load: which of the object's libc programs load (none, the
 * session program, or the entry and return pair), with their attach types.
 * Also for tools/bench/capture_cost.c. */
void mcp_capture_programs(struct mcp_io_bpf *skel, bool libc, bool session);
/* After load: the fds mcp_libc_new takes. */
int mcp_capture_libc_fds(struct mcp_io_bpf *skel, bool session, int *exit_fd);
/* Attaches: the holds, each target's libc, the tracepoints if needed.
 * Returns the links attached. */
int mcp_capture_attach(struct mcp_capture_state *c);
/* A traced process ended. */
void mcp_capture_exit(struct mcp_capture_state *c, pid_t pid);
/* Everything detached; the processes held meanwhile go on. */
void mcp_capture_detach(struct mcp_capture_state *c);

#endif
