/* Shared by induced.c (hits, processes, estimate, report), stats.c (the
 * kernel's BPF statistics), cap.c (--max-overhead) and the unit tests. */
#ifndef COST_INDUCED_INT_H
#define COST_INDUCED_INT_H

#include "cost/induced.h"

/* What a program of the tracer's does, by its name (bpf/uprobe.bpf.c). */
enum cost_role { ROLE_OTHER, ROLE_ENTRY, ROLE_RETURN, ROLE_POINT, ROLE_USDT };

#define COST_PID_CACHE 1024 /* pid -> process slot, direct-mapped */

struct cost {
	const struct probe_map *pm;
	struct call_sink next;
	struct source_set *sources;
	double max_pct;
	bool verbose;

	/* calibration thread: at start, 1 s and 2 s later, then again every
	 * COST_RECALIBRATE_WINDOWS statistics windows, never while a window
	 * is open (a hit costs more then); `cal` is the main thread's copy
	 * of the merged figures (cal_pub) */
	pthread_t cal_thread;
	bool cal_started, cal_told;
	atomic_bool cal_done;
	pthread_mutex_t cal_lock;
	pthread_cond_t cal_cond;
	bool cal_stop, cal_request;      /* under cal_lock */
	bool cal_busy, stats_on;         /* under cal_lock: measuring; a window is open */
	struct cost_calib cal_pub;       /* under cal_lock */
	struct cost_calib cal_hist[16];  /* the thread's own */
	int ncal;
	struct cost_calib cal;
	int windows_closed;
	const struct source_target *targets;
	int ntargets;
	bool multi;

	/* the kernel's statistics (stats.c) */
	int stats_fd;        /* ours while a window is open, -1 otherwise */
	bool stats_always;   /* on for everyone: read all the time */
	bool window_on;
	uint64_t window_open_ns, next_window_ns, window_total_ns;
	struct cost_prog progs[COST_MAX_PROGS];
	int nprogs;

	/* bindings: counted from the records */
	struct cost_binding *b;
	int nb;
	double *ce, *cr; /* ns an entry / a return hit of binding i costs, as of the last sample */

	/* processes */
	struct cost_proc *procs;
	int nprocs;
	struct cost_proc other; /* past COST_MAX_PROCS */
	int pid_cache[COST_PID_CACHE];
	uint64_t start_ns, last_sample_ns, last_tick_ns;
	unsigned long long tracer_start_ticks; /* the tracer's start, clock ticks since boot */
	double other_ns;     /* programs of no binding, unseen hits: every process */
	double total_ns;

	/* the cap (cap.c): takes a binding's probes off
	 * (sources_detach_binding; the unit tests put their own) */
	int (*detach)(void *ctx, int binding);
	void *detach_ctx;
	int ndetached;
	char detached[256];
	struct cost_report rep;
};

/* stats.c */
void cost_stats_find_progs(struct cost *c);
void cost_stats_start(struct cost *c, uint64_t now_ns);
/* Opens or closes the window as the schedule says; folds a closed one. */
void cost_stats_tick(struct cost *c, uint64_t now_ns, bool final);
/* ns per run of program i over the windows, their own clock reads taken off; 0 when unknown. */
double cost_prog_ns(const struct cost *c, int i);
/* The cost of programs of no binding and of hits no record showed, every
 * process together, extrapolated from the windows to `elapsed_ns`. */
double cost_stats_other_ns(const struct cost *c, uint64_t elapsed_ns);
void cost_stats_stop(struct cost *c);

/* cap.c: once a second. */
void cost_cap_tick(struct cost *c, uint64_t now_ns);

/* induced.c */
#define COST_RECALIBRATE_WINDOWS 3 /* every 30 s */
/* Asks the calibration thread for another measurement (after a window). */
void cost_request_calibration(struct cost *c);
/* The per-binding tables for the probe map as it is now (after the
 * sources added theirs); program roles from c->progs. 0 or -1 (memory). */
int cost_init_bindings(struct cost *c);
/* Feeds a tick: CPU time and estimate into the process's ring. */
void cost_proc_tick(struct cost *c, struct cost_proc *p);
/* Per-hit costs of every binding from the calibration and the statistics. */
void cost_update_unit_costs(struct cost *c);
/* utime + stime of `pid` in ns, and its start (clock ticks since boot). */
bool cost_read_cpu(pid_t pid, uint64_t *cpu_ns, unsigned long long *start_ticks);
/* The process's share over its last `seconds` ticks: Δinduced, Δcpu. */
bool cost_proc_recent(const struct cost_proc *p, int seconds, double *dind, double *dcpu);

#endif
