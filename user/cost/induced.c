/* Induced cost: hits per process and binding, the estimate, the report
 * (induced.h). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "cost/cap.h"
#include "cost/induced_int.h"
#include "cost/sites.h"
#include "clock.h"
#include "source/uprobe/uprobe_multi.h"

#define SAMPLE_NS 250000000ULL /* cost_sample's pace */
#define TICK_NS 1000000000ULL  /* CPU times, the recent share, the cap */

struct cost *cost_new(const struct probe_map *pm, struct call_sink next, double max_pct)
{
	struct cost *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->pm = pm;
	c->next = next;
	c->max_pct = max_pct;
	c->stats_fd = -1;
	atomic_init(&c->cal_done, false);
	pthread_mutex_init(&c->cal_lock, NULL);
	pthread_condattr_t ca; /* timed waits on the monotonic clock */

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cal_cond, &ca);
	pthread_condattr_destroy(&ca);
	for (int i = 0; i < COST_PID_CACHE; i++)
		c->pid_cache[i] = -1;
	return c;
}

static void proc_free(struct cost_proc *p)
{
	free(p->entry_hits);
	free(p->ret_hits);
	free(p->snap_entry);
	free(p->snap_ret);
}

void cost_free(struct cost *c)
{
	if (!c)
		return;
	if (c->cal_started) {
		pthread_mutex_lock(&c->cal_lock);
		c->cal_stop = true;
		pthread_cond_broadcast(&c->cal_cond);
		pthread_mutex_unlock(&c->cal_lock);
		pthread_join(c->cal_thread, NULL);
	}
	pthread_mutex_destroy(&c->cal_lock);
	pthread_cond_destroy(&c->cal_cond);
	cost_stats_stop(c);
	for (int i = 0; i < c->nprocs; i++)
		proc_free(&c->procs[i]);
	proc_free(&c->other);
	free(c->procs);
	free(c->b);
	free(c->ce);
	free(c->cr);
	free(c);
}

bool cost_read_cpu(pid_t pid, uint64_t *cpu_ns, unsigned long long *start_ticks)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st, start;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* After the command's closing parenthesis (the command may hold any
	 * byte): state is field 3, utime 14, stime 15, starttime 22. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu",
			 &ut, &st, &start) != 3)
		return false;
	long tck = sysconf(_SC_CLK_TCK);

	*cpu_ns = (ut + st) * (1000000000ULL / (unsigned long long)(tck > 0 ? tck : 100));
	if (start_ticks)
		*start_ticks = start;
	return true;
}

static int proc_init(struct cost *c, struct cost_proc *p, pid_t pid)
{
	unsigned long long start = 0;
	uint64_t cpu = 0;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->entry_hits = calloc((size_t)c->nb + 1, sizeof(*p->entry_hits));
	p->ret_hits = calloc((size_t)c->nb + 1, sizeof(*p->ret_hits));
	if (!p->entry_hits || !p->ret_hits) {
		proc_free(p);
		return -1;
	}
	/* Its CPU time from here on; all of it when it started under the
	 * tracer (a launched command, a child). */
	if (pid > 0 && cost_read_cpu(pid, &cpu, &start)) {
		p->cpu_base_ns = start >= c->tracer_start_ticks ? 0 : cpu;
		p->cpu_ns = cpu;
	}
	return 0;
}

struct cost_proc *cost_proc_find(struct cost *c, pid_t pid, bool create)
{
	int h = (int)((unsigned)pid % COST_PID_CACHE), i = c->pid_cache[h];

	if (i >= 0 && i < c->nprocs && c->procs[i].pid == pid)
		return &c->procs[i];
	for (i = 0; i < c->nprocs; i++)
		if (c->procs[i].pid == pid) {
			c->pid_cache[h] = i;
			return &c->procs[i];
		}
	if (!create)
		return NULL;
	if (c->nprocs < COST_MAX_PROCS && c->procs && !proc_init(c, &c->procs[c->nprocs], pid)) {
		c->pid_cache[h] = c->nprocs;
		return &c->procs[c->nprocs++];
	}
	if (!c->other.entry_hits && proc_init(c, &c->other, 0))
		return NULL;
	return &c->other;
}

/* Every call passes here on its way to the pipeline: a call is one entry
 * hit, a span's end one return hit more. */
static void sink(void *ctx, const struct call *call)
{
	struct cost *c = ctx;
	unsigned bi = call->rec.binding;
	uint8_t kind = call->rec.kind;

	if (bi < (unsigned)c->nb && c->b[bi].counted && (kind == CALL_END || kind == CALL_POINT)) {
		struct cost_binding *b = &c->b[bi];
		struct cost_proc *p = cost_proc_find(c, (pid_t)call->rec.pid, true);
		bool ret = kind == CALL_END && b->prog_ret != -2;
		unsigned hits = ret ? 2 : 1;

		if (p) {
			p->entry_hits[bi]++;
			p->ret_hits[bi] += ret;
			p->hits += hits;
			if (c->window_on)
				p->stats_hits += hits;
		}
		b->calls++;
		b->depth_sum += call->rec.depth;
		if (c->window_on) {
			if (b->prog_entry >= 0)
				c->progs[b->prog_entry].seen++;
			if (ret && b->prog_ret >= 0)
				c->progs[b->prog_ret].seen++;
		}
	}
	c->next.fn(c->next.ctx, call);
}

struct call_sink cost_call_sink(struct cost *c)
{
	return (struct call_sink){sink, c};
}

/* Measures once, with the statistics off (or waits for their window to
 * close); false when told to stop meanwhile. */
static bool measure(struct cost *c)
{
	struct cost_calib one, merged;

	pthread_mutex_lock(&c->cal_lock);
	while (c->stats_on && !c->cal_stop)
		pthread_cond_wait(&c->cal_cond, &c->cal_lock);
	c->cal_busy = !c->cal_stop;
	pthread_mutex_unlock(&c->cal_lock);
	if (!c->cal_busy)
		return false;
	cost_calibrate(&one, c->multi);
	pthread_mutex_lock(&c->cal_lock);
	c->cal_busy = false;
	pthread_mutex_unlock(&c->cal_lock);
	if (one.ok) {
		if (c->ncal == (int)(sizeof(c->cal_hist) / sizeof(c->cal_hist[0]))) {
			memmove(&c->cal_hist[0], &c->cal_hist[1], (size_t)(c->ncal - 1) * sizeof(c->cal_hist[0]));
			c->ncal--;
		}
		c->cal_hist[c->ncal++] = one;
		cost_calib_merge(c->cal_hist, c->ncal, &merged);
	} else if (!c->ncal) {
		merged = one; /* why it failed */
	} else {
		return true; /* keep what earlier ones found */
	}
	pthread_mutex_lock(&c->cal_lock);
	c->cal_pub = merged;
	pthread_mutex_unlock(&c->cal_lock);
	return true;
}

static void *calibrate_thread(void *arg)
{
	struct cost *c = arg;

	int early = 2; /* 1 s and 2 s after the first: a short run gets three */
	struct timespec next;

	measure(c);
	/* Which instruction each binding's probe sits on: the trap differs. */
	cost_sites_resolve(c->pm, c->b, c->nb, c->targets, c->ntargets);
	atomic_store_explicit(&c->cal_done, true, memory_order_release);
	/* Again now and then: the machine's load changes over a run, and the
	 * figures used are the medians of all (cost_calib_merge). */
	clock_gettime(CLOCK_MONOTONIC, &next);
	next.tv_sec++;
	for (;;) {
		pthread_mutex_lock(&c->cal_lock);
		while (!c->cal_stop && !c->cal_request) {
			if (!early) {
				pthread_cond_wait(&c->cal_cond, &c->cal_lock);
			} else if (pthread_cond_timedwait(&c->cal_cond, &c->cal_lock, &next) == ETIMEDOUT) {
				early--;
				next.tv_sec++;
				break;
			}
		}
		bool stop = c->cal_stop;

		c->cal_request = false;
		pthread_mutex_unlock(&c->cal_lock);
		if (stop || !measure(c))
			break;
	}
	return NULL;
}

void cost_request_calibration(struct cost *c)
{
	if (!c->cal_started)
		return;
	pthread_mutex_lock(&c->cal_lock);
	c->cal_request = true;
	pthread_cond_signal(&c->cal_cond);
	pthread_mutex_unlock(&c->cal_lock);
}

void cost_start(struct cost *c, const struct source_target *targets, int ntargets, bool no_uprobe_multi,
		bool verbose, struct source_set *sources)
{
	unsigned long long start = 0;
	uint64_t cpu;

	if (!c)
		return;
	c->sources = sources;
	c->verbose = verbose;
	c->targets = targets;
	c->ntargets = ntargets;
	c->multi = !no_uprobe_multi && umulti_supported();
	c->start_ns = c->last_tick_ns = clock_mono_ns();
	if (cost_read_cpu(getpid(), &cpu, &start))
		c->tracer_start_ticks = start;
	cost_stats_find_progs(c);
	if (cost_init_bindings(c))
		return;
	/* The named targets first, their CPU time so far set aside. */
	for (int i = 0; i < ntargets; i++) {
		struct cost_proc *p = targets[i].pid > 0 ? cost_proc_find(c, targets[i].pid, true) : NULL;

		if (p)
			p->launched = targets[i].maps_pid == 0; /* main.c: launched targets have no maps yet */
	}
	cost_stats_start(c, c->start_ns);
	if (!pthread_create(&c->cal_thread, NULL, calibrate_thread, c))
		c->cal_started = true;
}

static int detach_in_sources(void *ctx, int binding)
{
	return sources_detach_binding(ctx, binding);
}

int cost_init_bindings(struct cost *c)
{
	/* Built-in sources added their bindings while opening: count now. */
	c->nb = (int)c->pm->n;
	c->b = calloc((size_t)c->nb + 1, sizeof(*c->b));
	c->ce = calloc((size_t)c->nb + 1, sizeof(*c->ce));
	c->cr = calloc((size_t)c->nb + 1, sizeof(*c->cr));
	c->procs = calloc(COST_MAX_PROCS, sizeof(*c->procs));
	if (!c->b || !c->ce || !c->cr || !c->procs) {
		c->nb = 0;
		return -1;
	}
	if (!c->detach && c->sources) {
		c->detach = detach_in_sources;
		c->detach_ctx = c->sources;
	}
	for (int i = 0; i < c->nb; i++) {
		const struct pm_binding *pb = &c->pm->bindings[i];
		struct cost_binding *b = &c->b[i];
		enum cost_role want_e = pb->usdt_provider ? ROLE_USDT : pb->kind == PM_POINT ? ROLE_POINT : ROLE_ENTRY;

		b->marker = pm_by_name(pb);
		b->counted = !pb->builtin || b->marker;
		b->site = pb->usdt_provider ? COST_SITE_USDT : COST_SITE_INT3;
		b->prog_entry = b->prog_ret = -1;
		if (pb->usdt_provider || pb->kind == PM_POINT)
			b->prog_ret = -2; /* no return probe */
		if (b->marker)
			continue; /* not the uprobe source's programs: their run time unknown */
		for (int k = 0; k < c->nprogs; k++) {
			if (c->progs[k].role == (int)want_e)
				b->prog_entry = k;
			if (b->prog_ret == -1 && c->progs[k].role == ROLE_RETURN)
				b->prog_ret = k;
		}
	}
	return 0;
}

double cost_proc_estimate_ns(const struct cost *c, const struct cost_proc *p)
{
	double s = 0;

	for (int i = 0; i < c->nb; i++)
		s += (double)p->entry_hits[i] * c->ce[i] + (double)p->ret_hits[i] * c->cr[i];
	if (!c->cal.stats_always)
		s += (double)p->stats_hits * c->cal.stats_extra_ns;
	return s;
}

void cost_update_unit_costs(struct cost *c)
{
	for (int i = 0; i < c->nb; i++) {
		const struct cost_binding *b = &c->b[i];

		c->ce[i] = c->cr[i] = 0;
		if (!b->counted)
			continue;
		c->ce[i] = c->cal.entry_ns[b->site] + (b->prog_entry >= 0 ? cost_prog_ns(c, b->prog_entry) : 0);
		if (b->prog_ret != -2) /* a return marker is a uprobe hit, as its entry */
			c->cr[i] = (b->marker ? c->cal.entry_ns[b->site] : c->cal.ret_ns) +
				   (b->prog_ret >= 0 ? cost_prog_ns(c, b->prog_ret) : 0);
	}
}

bool cost_proc_recent(const struct cost_proc *p, int seconds, double *dind, double *dcpu)
{
	int n = p->ring_n, back;

	if (n < 2)
		return false;
	back = seconds < n - 1 ? seconds : n - 1;
	const struct cost_tick *now = &p->ring[(p->ring_at + COST_RECENT_S) % (COST_RECENT_S + 1)];
	const struct cost_tick *then = &p->ring[(p->ring_at + COST_RECENT_S - back) % (COST_RECENT_S + 1)];

	*dind = now->induced_ns - then->induced_ns;
	*dcpu = now->cpu_ns - then->cpu_ns;
	return true;
}

/* Its CPU time now. Read at every sample (250 ms): a process that ends
 * keeps its last reading, unless it was the tracer's child, whose whole
 * CPU time the kernel hands its parent when reaped. */
static void proc_read(struct cost_proc *p)
{
	uint64_t cpu;
	struct rusage ru;

	if (p->pid <= 0 || p->gone)
		return;
	if (cost_read_cpu(p->pid, &cpu, NULL)) {
		p->cpu_ns = cpu;
		return;
	}
	p->gone = true;
	if (p->launched && !getrusage(RUSAGE_CHILDREN, &ru)) {
		cpu = ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ULL +
		      ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ULL;
		if (cpu > p->cpu_ns)
			p->cpu_ns = cpu;
	}
}

void cost_proc_tick(struct cost *c, struct cost_proc *p)
{
	double est = cost_proc_estimate_ns(c, p);
	/* A counter: a better estimate of the programs' run time may lower
	 * the sum a little; it is held, not taken back. */
	if (est > p->induced_ns)
		p->induced_ns = est;
	p->ring[p->ring_at] = (struct cost_tick){est, (double)(p->cpu_ns - p->cpu_base_ns)};
	p->ring_at = (p->ring_at + 1) % (COST_RECENT_S + 1);
	if (p->ring_n < COST_RECENT_S + 1)
		p->ring_n++;
}

static void build_report(struct cost *c)
{
	struct cost_report *r = &c->rep;
	double all = 0;

	r->ready = atomic_load_explicit(&c->cal_done, memory_order_acquire) && c->cal.ok;
	snprintf(r->why, sizeof(r->why), "%s", c->cal.why);
	cost_calib_describe(&c->cal, r->calib, sizeof(r->calib));
	r->max_pct = c->max_pct;
	r->nprocs_total = c->nprocs + (c->other.entry_hits ? 1 : 0);
	r->nprocs = 0;
	/* The costliest processes first. */
	bool taken[COST_MAX_PROCS] = {0};

	while (r->nprocs < COST_REPORT_PROCS && r->nprocs < c->nprocs) {
		int best = -1;

		for (int i = 0; i < c->nprocs; i++)
			if (!taken[i] && (best < 0 || c->procs[i].induced_ns > c->procs[best].induced_ns))
				best = i;
		taken[best] = true;
		const struct cost_proc *p = &c->procs[best];
		struct cost_report_proc *rp = &r->procs[r->nprocs++];
		double dind, dcpu, cpu = (double)(p->cpu_ns - p->cpu_base_ns);

		rp->pid = p->pid;
		rp->induced_s = p->induced_ns / 1e9;
		rp->cpu_s = cpu / 1e9;
		rp->pct = cpu > 0 ? 100.0 * p->induced_ns / cpu : NAN;
		rp->recent_pct = cost_proc_recent(p, COST_RECENT_S, &dind, &dcpu) && dcpu > 0 ? 100.0 * dind / dcpu : NAN;
		rp->hits = p->hits;
		rp->gone = p->gone;
	}
	for (int i = 0; i < c->nprocs; i++)
		all += c->procs[i].induced_ns;
	all += c->other.induced_ns;
	r->total_s = all / 1e9;
	r->other_s = c->other_ns / 1e9;
	r->nbindings = c->nb < MCP_MAX_BINDINGS ? c->nb : MCP_MAX_BINDINGS;
	for (int i = 0; i < r->nbindings; i++) {
		struct cost_report_binding *rb = &r->bindings[i];
		double s = 0;

		for (int k = 0; k < c->nprocs; k++)
			s += (double)c->procs[k].entry_hits[i] * c->ce[i] + (double)c->procs[k].ret_hits[i] * c->cr[i];
		if (c->other.entry_hits)
			s += (double)c->other.entry_hits[i] * c->ce[i] + (double)c->other.ret_hits[i] * c->cr[i];
		rb->induced_s = s / 1e9;
		rb->ns_per_call = c->ce[i] + c->cr[i];
		rb->calls = c->b[i].calls;
		rb->detached = c->b[i].detached;
	}
	r->ndetached = c->ndetached;
	snprintf(r->detached, sizeof(r->detached), "%s", c->detached);
}

void cost_sample(struct cost *c, uint64_t now_ns, bool final)
{
	if (!c || !c->b)
		return;
	/* At every call, not at the sample's pace: a statistics window is
	 * closed as soon as it is due (each run pays two clock reads while
	 * one is open). */
	cost_stats_tick(c, now_ns, final);
	if (!final && now_ns - c->last_sample_ns < SAMPLE_NS)
		return;
	c->last_sample_ns = now_ns;
	for (int i = 0; i < c->nprocs; i++)
		proc_read(&c->procs[i]);
	if (!final && now_ns - c->last_tick_ns < TICK_NS)
		return;
	c->last_tick_ns = now_ns;
	bool ready = atomic_load_explicit(&c->cal_done, memory_order_acquire);

	if (ready && c->cal_started) { /* the merged figures, as they stand */
		pthread_mutex_lock(&c->cal_lock);
		c->cal = c->cal_pub;
		pthread_mutex_unlock(&c->cal_lock);
	}

	if (ready && c->verbose && !c->cal_told) {
		char buf[400];

		cost_calib_describe(&c->cal, buf, sizeof(buf));
		fprintf(stderr, "mcp-bpftrace: cost calibration: %s\n", buf);
		c->cal_told = true;
	}
	if (ready && c->cal.ok)
		cost_update_unit_costs(c);
	for (int i = 0; i < c->nprocs; i++)
		cost_proc_tick(c, &c->procs[i]);
	if (c->other.entry_hits)
		cost_proc_tick(c, &c->other);
	/* Hits no record showed (outside the traced set, too deep, dropped)
	 * and programs of no binding: from the statistics windows. */
	c->other_ns = cost_stats_other_ns(c, now_ns - c->start_ns);
	if (ready && c->cal.ok && c->max_pct > 0)
		cost_cap_tick(c, now_ns);
	build_report(c);
}

bool cost_wait_calibrated(struct cost *c, int timeout_ms)
{
	if (!c || !c->cal_started)
		return false;
	for (int waited = 0; !atomic_load_explicit(&c->cal_done, memory_order_acquire); waited += 5) {
		if (waited >= timeout_ms)
			return false;
		nanosleep(&(struct timespec){0, 5000000}, NULL);
	}
	return true;
}

void cost_report(struct cost *c, struct cost_report *r)
{
	if (!c) {
		memset(r, 0, sizeof(*r));
		return;
	}
	*r = c->rep;
}
