/* The CPU time the tracer adds to each traced process: its induced cost.
 *
 *   induced(process) = sum over bindings of
 *       entry hits x (trap cost of the probed instruction + entry program's run time)
 *     + return hits x (return probe's trap cost + return program's run time)
 *
 * Hits are counted from the records the process's calls produced (every
 * call is one entry hit, a span one return hit more), as they pass from
 * the sources to the pipeline (cost_call_sink). The trap costs come from
 * the calibration (calibrate.h), run at start on the tracer's own code.
 * The programs' run time per hit comes from the kernel's BPF statistics,
 * which cost every program run two clock reads (~50 ns a hit here) while
 * on: they are turned on one second in ten (or read all the time when
 * something else turned them on), and what they cost while on is counted
 * too. Programs that belong to no binding (TLS, syscalls, scheduler
 * tracepoints) are counted from the statistics alone, for every process
 * together ("other sources"): they cannot be told apart per process.
 *
 * The process's own CPU time (utime + stime, /proc/PID/stat) gives the
 * share; the hits are part of it (uprobe handlers run in the process).
 *
 * Threads: the consumer (main) thread feeds records and calls
 * cost_sample(); the calibration runs on a thread of its own. Views get
 * a copy (cost_report). */
#ifndef COST_INDUCED_H
#define COST_INDUCED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "mcp_trace.h"
#include "probe_map.h"
#include "cost/calibrate.h"
#include "source/source.h"

#define COST_MAX_PROCS 256  /* processes counted one by one; more go together */
#define COST_MAX_PROGS 32   /* BPF programs of the tracer whose statistics are read */
#define COST_REPORT_PROCS 16
#define COST_STATS_PERIOD_NS 10000000000ULL /* statistics on ... */
#define COST_STATS_ON_NS 1000000000ULL      /* ... for this long in each period */
/* The first window, opened as soon as the calibration is done, is short:
 * while statistics are on every program run pays two more clock reads
 * (~60-80 ns a call here), and a short run would pay them on all its
 * calls; a tenth of a second sees plenty of runs of a busy binding. */
#define COST_STATS_FIRST_ON_NS 100000000ULL
#define COST_RECENT_S 10                    /* "recent" share: the last N seconds */

struct cost_prog {
	int fd; /* the tracer's own descriptor (not owned) */
	uint32_t id, type;
	char name[16];
	uint64_t cnt_mark, ns_mark; /* at the start of the open window */
	uint64_t cnt, ns;           /* summed over closed windows */
	uint64_t seen_mark, seen;   /* hits the records showed, likewise */
	int role;                   /* enum in induced.c: entry / return / usdt / other */
};

/* One second of a process: for the recent share and the cap. */
struct cost_tick {
	double induced_ns, cpu_ns;
};

struct cost_proc {
	pid_t pid; /* 0: every process past COST_MAX_PROCS */
	uint64_t cpu_base_ns, cpu_ns; /* utime+stime when first counted, latest */
	bool gone;
	bool launched; /* the tracer's child: its CPU time survives it (getrusage) */
	uint64_t *entry_hits, *ret_hits; /* per binding */
	uint64_t hits;
	uint64_t stats_hits;  /* hits while the statistics were on */
	double induced_ns;    /* latest estimate, never lower than before */
	struct cost_tick ring[COST_RECENT_S + 1]; /* per second, for the recent share */
	int ring_n, ring_at;
	/* the cap (cap.c) */
	uint64_t over_since_ns;
	uint64_t *snap_entry, *snap_ret; /* hits when it went over */
	struct cost_tick snap;
};

struct cost_binding {
	enum cost_site site;
	int prog_entry, prog_ret; /* into progs[], -1: none (not known yet) */
	uint64_t calls, depth_sum;
	bool counted;  /* a binding of the probe map whose hits are counted */
	bool marker;   /* python:/node: by name: its hits are the wrapper's marker
			* writes, two uprobes (no uretprobe) read by the python
			* source's program; the wrapper's own Python is not counted.
			* --max-overhead leaves it (its source detaches no binding alone) */
	bool detached; /* --max-overhead took it off */
	uint64_t detached_ns;
};

struct cost;

/* What the summary, views and metrics show. */
struct cost_report_proc {
	pid_t pid;
	double induced_s, cpu_s; /* over the run */
	double pct;              /* induced / cpu over the run, NaN: no CPU yet */
	double recent_pct;       /* over the last COST_RECENT_S seconds, NaN: none */
	uint64_t hits;
	bool gone;
};

struct cost_report_binding {
	double induced_s;   /* every process together */
	double ns_per_call; /* a call's cost (entry and return) */
	uint64_t calls;
	bool detached;
};

struct cost_report {
	bool ready;         /* calibrated: the figures below mean something */
	char why[192];      /* !ready after the calibration: why */
	char calib[320];    /* the calibration, for --verbose */
	int nprocs;         /* of procs[] filled (the costliest first) */
	int nprocs_total;
	struct cost_report_proc procs[COST_REPORT_PROCS];
	double total_s;     /* every process the bindings' hits came from */
	double other_s;     /* programs of no binding, and hits outside the traced set */
	double max_pct;     /* --max-overhead, 0: off */
	int nbindings;
	struct cost_report_binding bindings[MCP_MAX_BINDINGS];
	int ndetached;
	char detached[256]; /* "harm_work, bench_plain" */
};

/* The cost of a run: `pm` the bindings (indexes of call.rec.binding),
 * `next` where calls go on to (the pipeline). `max_pct`: --max-overhead
 * (0: off); with it, `sources` detaches bindings (cap.h). */
struct cost *cost_new(const struct probe_map *pm, struct call_sink next, double max_pct);
void cost_free(struct cost *c);
/* The sink to give the sources instead of the pipeline's. */
struct call_sink cost_call_sink(struct cost *c);
/* After attaching: notes the targets' CPU time so far, finds the tracer's
 * BPF programs, starts the calibration thread (probes as the loader
 * attaches them: uprobe_multi links unless `no_uprobe_multi`) and the
 * first statistics window. `targets` (kept: they must outlive c): where
 * each binding's code is, its first instruction deciding the trap.
 * `verbose`: the calibration is said on stderr. NULL c: nothing. */
void cost_start(struct cost *c, const struct source_target *targets, int ntargets, bool no_uprobe_multi,
		bool verbose, struct source_set *sources);
/* From the main loop, as often as it likes (it keeps its own pace, 250 ms
 * for the statistics windows, 1 s for CPU times and the cap); `final`:
 * now, whatever the pace (tracing has stopped). */
void cost_sample(struct cost *c, uint64_t now_ns, bool final);
/* Waits up to `timeout_ms` for the calibration (the summary wants it). */
bool cost_wait_calibrated(struct cost *c, int timeout_ms);
/* A copy of the figures as of the last cost_sample(). */
void cost_report(struct cost *c, struct cost_report *r);
/* The estimate for one process's hits (exposed for the unit tests). */
double cost_proc_estimate_ns(const struct cost *c, const struct cost_proc *p);

/* For the unit tests and cap.c (induced_int.h holds the struct). */
struct cost_proc *cost_proc_find(struct cost *c, pid_t pid, bool create);

#endif
