/*
 * A source is where calls come from: uprobe/USDT bindings of a probe map
 * today, then TLS plaintext, MCP JSON-RPC on the wire, process exec/exit.
 * Each has its own BPF object (bpf/NAME.bpf.c) with its own ring buffer
 * and health counters, and turns its records into calls (call.h) for the
 * pipeline. main.c drives every source that applies through this table:
 *
 *   applies? -> open (resolve, load) -> attach -> records -> detach -> close
 *
 * A new source is a folder under user/source/ with one `struct source_ops`
 * listed in source_registry[] (source.c).
 */
#ifndef SOURCE_H
#define SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "call.h"
#include "mcp_trace.h"
#include "probe_map.h"
#include "source/ring_reader.h"

/* Where decoded calls go (aggregate/pipeline.h: pipeline_call). */
struct call_sink {
	void (*fn)(void *ctx, const struct call *c);
	void *ctx;
};

/* A target process as the sources see it. */
struct source_target {
	pid_t pid;       /* attach filter, -1 for all (filtered in BPF instead) */
	pid_t maps_pid;  /* a process whose /proc/PID/maps and root to search, 0 for none */
	const char *exe; /* its main executable, openable by the tracer */
};

/* BPF maps every source's object uses as one (sources_open and
 * source_share_maps make them; the latter hands them to an object). */
struct source_shared {
	int traced_fd; /* traced_pids: the traced process set (lib/traced.bpf.h) */
	int stacks_fd; /* stacks: per-thread open spans (lib/span_stack.bpf.h), -1 until
			* the first object that has it opens */
};

/* A process event, from the process source to the others (on_process). */
enum proc_event_kind { PROC_FORK = 1, PROC_EXEC, PROC_EXIT };
struct proc_event {
	enum proc_event_kind kind;
	pid_t pid, ppid;
	const char *path; /* PROC_EXEC: the file executed */
};

/* What every source is given, for the whole run. */
struct source_env {
	struct probe_map *pm; /* the bindings: the probe map's, then those the
			       * built-in sources add (probe_map_add_builtin);
			       * call.rec.binding indexes them */
	const struct source_target *targets;
	int ntargets;
	/* For targets with pid -1: which tasks count (filter.bpf.h). */
	uint64_t filter_cgroup_id;
	uint32_t filter_cgroup_level;
	uint32_t filter_pidns_ino;
	uint32_t filter_self_tgid; /* --all: the tracer's own pid, never traced */
	size_t ringbuf_bytes; /* each source's ring; 0: the object's default */
	bool verbose;
	bool no_uprobe_multi;
	bool capture_content;
	bool container; /* the targets are a container's processes (task filter) */
	bool all;       /* --all: every process of the host (task filter), no targets */
	int mcp_capture; /* --mcp-capture: enum mcp_capture (source/mcp/mcp_libc.h), 0: auto */
	bool follow;    /* children of the targets are traced too */
	bool link_per_binding; /* --max-overhead: bindings can be detached one by one */
	const char *only; /* --sources: comma-separated names; NULL: all that apply */
	const char *prices; /* --prices FILE for the tls source; NULL: the shipped table */
	bool listing; /* --list: `applies` answers for the target as it is, not
		       * for what it may load later */
	struct call_sink sink;
	struct source_shared *shared;
	/* --all: the run's resources, made by the exec source when a process
	 * execs (it may be gone by the time its calls are read). NULL: the
	 * pipeline makes them on a process's first call. */
	struct resource_table *rt;
};

struct source;
struct resource_table;

struct source_ops {
	const char *name; /* "uprobe", "tls", "mcp", "exec" */
	/* Whether the source has anything to do in this run. */
	bool (*applies)(const struct source_env *env);
	/* Finds what to attach in every target, opens the BPF object (and
	 * loads it, when the source has no `load`). 0, or an exit status (2:
	 * bad usage, 1: it cannot run) with err set. */
	int (*open)(struct source *s, char *err, size_t errlen);
	/* Optional: loads the object open prepared, and sets s->obj. The
	 * sources that have one load at the same time, each on a thread of
	 * its own, after every open: the kernel's verifier and libbpf's work
	 * are most of the start-up, which the target waits for. So it may
	 * touch nothing but its own state and libbpf. 0, or 1 with err set. */
	int (*load)(struct source *s, char *err, size_t errlen);
	/* With `load`: attach on the load's thread as soon as it is done,
	 * while the others still load (the first uprobe registered waits ~10
	 * ms for an RCU grace period: time the other loads can use). Its
	 * records wait in its ring until sources_attach reads it. */
	bool attach_early;
	/* Attaches; failures are counted in s->attach_errors and told on
	 * stderr. Returns the number of probes attached. */
	int (*attach)(struct source *s);
	/* Its ring buffer and health counters are the `events` and `stats`
	 * maps of s->obj (bpf/lib/ring.bpf.h), which open sets. */
	/* One record from its ring, decoded into calls for env->sink. -1: a
	 * malformed record (counted in s->bad_records by the caller). */
	int (*on_record)(struct source *s, const void *data, size_t len);
	/* Optional: a traced process forked, exec'd or ended (from the
	 * process source), for sources that attach per process image. */
	void (*on_process)(struct source *s, const struct proc_event *e);
	/* Optional: removes one binding's probes alone; the links removed,
	 * -1 when it cannot (sources_detach_binding). */
	int (*detach_binding)(struct source *s, int binding);
	/* Removes its probes from the targets; the data already read stays. */
	void (*detach)(struct source *s);
	void (*close)(struct source *s);
};

struct source_set;

struct source {
	const struct source_ops *ops;
	const struct source_env *env;
	struct source_set *set; /* the run's sources, for sources_notify() */
	void *priv;        /* the source's own state */
	struct bpf_object *obj; /* its loaded BPF object (open sets it) */
	size_t nprobes;    /* attached */
	int attach_errors;
	uint64_t bad_records;
	int early_attached; /* attach_early: what its attach returned, -1: not yet */
	double early_attach_ms;
};

/* A span a source has open in a process, for the other sources to hang
 * theirs under: an MCP SERVER span while the server handles a request, so
 * that a command the tool runs (exec source) is its child. Kept as a short
 * history per process of which span was open from when (record time): the
 * sources' rings are read one after the other, so the fork of that command
 * may be read before the request that led to it, or after its answer. */
struct open_span {
	pid_t pid;                      /* 0: free slot */
	unsigned long long from_ns;     /* open from then on (CLOCK_MONOTONIC, as records) */
	unsigned long long seq;         /* publication order, for equal times */
	unsigned long long trace_id[2];
	unsigned long long span_id;     /* 0: none from then on */
};
#define SOURCE_OPEN_SPANS 1024       /* history entries, all processes */
#define SOURCE_OPEN_SPANS_PER_PID 16 /* a process's most recent ones */

#define SOURCE_MAX 8
#define SOURCE_MAX_TARGETS 64 /* --pid given many times */

/* The sources of one run. */
struct source_set {
	struct source v[SOURCE_MAX];
	int n;
	struct ring_buffer *rb; /* every source's ring, polled together */
	/* Rings read by the tracer's own reader (ring_reader.h): the uprobe
	 * source's, which nothing else drains. Polled with rb through ep. */
	struct ring_reader own[SOURCE_MAX];
	int nown;
	int ep; /* epoll over rb's and own's descriptors; 0 until made */
	bool busy; /* the last poll read many records: the next one waits less */
	struct source_shared shared;
	struct open_span open[SOURCE_OPEN_SPANS]; /* pid 0: free slot */
	unsigned long long open_seq;
};

/* Every registered source, NULL-terminated. */
extern const struct source_ops *const source_registry[];

/* Makes the shared maps (the traced set holds the targets' pids), then
 * opens every registered source that applies. 0, or an exit status with
 * err set (none applying is an error: nothing would be traced). `env`
 * must outlive the set; its `shared` is pointed at the set's. */
int sources_open(struct source_set *S, struct source_env *env, char *err, size_t errlen);
/* Attaches them all; their rings go into one poller. Returns the probes
 * attached, -1 with err set when the poller cannot be made. */
int sources_attach(struct source_set *S, char *err, size_t errlen);
/* Reads what the rings hold, waiting up to timeout_ms for a wakeup.
 * Records arrive without wakeups until a backlog builds (ring.bpf.h), so
 * a timeout also reads. Returns records read or a negative errno. */
int sources_poll(struct source_set *S, int timeout_ms);
/* After the last poll (nothing more will be read): what sources hold
 * back for a later record is let go (sources_on_poll_end, final). */
void sources_flush(struct source_set *S);
/* For source-side state that holds spans back until the other rings have
 * been read (the mcp tracker: a SERVER span whose client's write may be
 * read a poll later): fn runs at the end of every sources_poll, and with
 * final set from sources_flush. Process-wide (the state registering may
 * have no handle on the set); 0, or -1 when the table is full. */
int sources_on_poll_end(void (*fn)(void *ctx, bool final), void *ctx);
void sources_off_poll_end(void (*fn)(void *ctx, bool final), void *ctx);
/* Health counters of all sources, summed. */
void sources_read_stats(struct source_set *S, uint64_t out[MCP_STAT_MAX]);
int sources_attach_errors(const struct source_set *S);
uint64_t sources_bad_records(const struct source_set *S);
size_t sources_nprobes(const struct source_set *S);
void sources_detach(struct source_set *S);
/* Removes binding `binding`'s probes from whichever source holds them;
 * the other bindings' stay. Returns the links removed, -1 when a source
 * cannot take one binding out. */
int sources_detach_binding(struct source_set *S, int binding);
void sources_close(struct source_set *S);

/* For sources: `span_id` is the span open in process `pid` from `at_ns`
 * on (0: none any more), at_ns the time of the record that said so. A
 * span published again with another trace id (it joined its caller's
 * trace late) has it wherever it was published; it is no new transition
 * when it is the process's last one. */
void sources_publish_span(struct source_set *S, pid_t pid, const unsigned long long trace_id[2],
			  unsigned long long span_id, unsigned long long at_ns);
/* The span another source had open in `pid` at `at_ns` (the last one
 * published from at_ns or before): true and its ids, or false. */
bool sources_open_span(const struct source_set *S, pid_t pid, unsigned long long at_ns,
		       unsigned long long trace_id[2], unsigned long long *span_id);

/* For the process source: tells every other source about a process. */
void sources_notify(struct source_set *S, const struct source *from, const struct proc_event *e);

struct bpf_object;
/* For sources, in open (before their object loads): its shared maps
 * become the run's; the first object with a span stack has it made. */
int source_share_maps(struct bpf_object *obj, const struct source_env *env, char *err, size_t errlen);
/* How an object's programs tell a traced task (enum mcp_traced_mode):
 * `pid_filtered`: its probes are attached to the traced pids alone. */
unsigned source_traced_mode(const struct source_env *env, bool pid_filtered);

/* For sources, before load: which tasks the object's programs keep to
 * (lib/filter.bpf.h, lib/traced.bpf.h), from the run's env. A macro: every
 * skeleton has its own rodata struct, with these same fields. */
#define SOURCE_SET_TASK_FILTER(skel, env, pid_filtered)                                  \
	do {                                                                             \
		(skel)->rodata->traced_mode = source_traced_mode((env), (pid_filtered)); \
		(skel)->rodata->filter_cgroup_id = (env)->filter_cgroup_id;             \
		(skel)->rodata->filter_cgroup_level = (env)->filter_cgroup_level;       \
		(skel)->rodata->filter_pidns_ino = (env)->filter_pidns_ino;             \
		(skel)->rodata->filter_self_tgid = (env)->filter_self_tgid;             \
	} while (0)

/* For sources: adds a per-CPU `stats` array map's totals into out[]. */
void source_add_percpu_stats(int map_fd, uint64_t out[MCP_STAT_MAX]);
/* For sources: libbpf's messages only with --verbose; set before opening. */
void source_libbpf_quiet(bool verbose);

#endif
