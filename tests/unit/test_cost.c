/* The induced cost (user/cost/): which instruction a probe sits on, the
 * estimate from hits and unit costs, the --max-overhead choice and its
 * detaching, the summary line and the metrics. No BPF here: the
 * calibration and the statistics are set by hand, as they would be
 * measured. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include "aggregate/health.h"
#include "aggregate/metrics.h"
#include "call.h"
#include "cost/calibrate.h"
#include "cost/cap.h"
#include "cost/cost_metrics.h"
#include "cost/induced_int.h"
#include "probe_map.h"
#include "target/resources.h"
#include "view/summary.h"
#include "unit_test.h"

#define FAKE_PID 4000000 /* above pid_max's default: no such process */
#define SEC 1000000000ULL

static const char map_text[] = "span workflow_execution outer\n"
			       "span workflow_step inner\n"
			       "point workflow_branch tick\n"
			       "point model_cache_hit usdt:demo:hit\n";

static int forwarded;

static void count_forward(void *ctx, const struct call *c)
{
	(void)ctx;
	(void)c;
	forwarded++;
}

static int parse_quiet(const char *text, struct probe_map *pm)
{
	int saved = dup(2), sink = open("/dev/null", O_WRONLY), rc;
	char err[256];

	dup2(sink, 2);
	rc = probe_map_parse(text, "test.probes", false, pm, err, sizeof(err));
	dup2(saved, 2);
	close(sink);
	close(saved);
	if (rc)
		fprintf(stderr, "parse: %s\n", err);
	return rc;
}

/* Detaches recorded in order, as the cap asked for them. */
static int detached_order[8], ndetached_calls;

static int fake_detach(void *ctx, int binding)
{
	(void)ctx;
	if (ndetached_calls < 8)
		detached_order[ndetached_calls++] = binding;
	return 2;
}

/* A cost over the map, calibrated by hand: int3 entry 500 ns, nop5 250,
 * USDT 450, single-stepped 20 µs, return 300; programs: span_enter 236 ns
 * a run, span_exit 136, point_fire 86, usdt 116, each with 36 ns of the
 * statistics' own in it. */
static struct cost *make_cost_of(struct probe_map *pm, const char *text)
{
	struct cost *c;
	static const struct { const char *name; int role; uint64_t cnt, ns; } progs[] = {
		{"span_enter", ROLE_ENTRY, 1000, 236000}, {"span_exit", ROLE_RETURN, 1000, 136000},
		{"point_fire", ROLE_POINT, 1000, 86000}, {"usdt_point_fire", ROLE_USDT, 1000, 116000},
	};

	if (parse_quiet(text, pm))
		return NULL;
	c = cost_new(pm, (struct call_sink){count_forward, NULL}, 0);
	if (!c)
		return NULL;
	c->nprogs = 4;
	for (int i = 0; i < 4; i++) {
		snprintf(c->progs[i].name, sizeof(c->progs[i].name), "%s", progs[i].name);
		c->progs[i].role = progs[i].role;
		c->progs[i].cnt = progs[i].cnt;
		c->progs[i].ns = progs[i].ns;
		c->progs[i].fd = -1;
	}
	if (cost_init_bindings(c)) {
		cost_free(c);
		return NULL;
	}
	c->detach = fake_detach;
	c->cal.ok = true;
	c->cal.entry_ns[COST_SITE_INT3] = 500;
	c->cal.entry_ns[COST_SITE_NOP5] = 250;
	c->cal.entry_ns[COST_SITE_USDT] = 450;
	c->cal.entry_ns[COST_SITE_XOL] = 20000;
	c->cal.ret_ns = 300;
	c->cal.stats_bias_ns = 36;
	c->cal.stats_extra_ns = 50;
	atomic_store(&c->cal_done, true);
	return c;
}

static struct cost *make_cost(struct probe_map *pm)
{
	return make_cost_of(pm, map_text);
}

static void feed(struct cost *c, int binding, enum call_kind kind, uint32_t pid, int depth, int n)
{
	struct call call;

	memset(&call, 0, sizeof(call));
	call.rec.kind = (uint8_t)kind;
	call.rec.binding = (uint16_t)binding;
	call.rec.pid = pid;
	call.rec.depth = (uint8_t)depth;
	struct call_sink s = cost_call_sink(c);

	for (int i = 0; i < n; i++)
		s.fn(s.ctx, &call);
}

static void test_sites(void)
{
	static const struct { unsigned char b[8]; enum cost_site want; } cases[] = {
		{{0x55, 0x48, 0x89, 0xe5}, COST_SITE_INT3},             /* push %rbp; mov %rsp,%rbp */
		{{0x41, 0x57, 0x41, 0x56}, COST_SITE_INT3},             /* push %r15 */
		{{0x0f, 0x1f, 0x44, 0x00, 0x00}, COST_SITE_NOP5},       /* -mfentry -mnop-mcount */
		{{0x0f, 0x1f, 0x40, 0x00, 0x55}, COST_SITE_INT3},       /* nopl 0(%rax): 4 bytes, emulated */
		{{0x90, 0xc3}, COST_SITE_INT3},                         /* a USDT site's nop */
		{{0xe9, 0x10, 0x00, 0x00, 0x00}, COST_SITE_INT3},       /* jmp rel32 */
		{{0x48, 0x8d, 0x04, 0x7f, 0xc3}, COST_SITE_XOL},        /* lea (%rdi,%rdi,2),%rax */
		{{0x48, 0x8b, 0x05, 0x41, 0x2c}, COST_SITE_XOL},        /* mov 0x2c41(%rip),%rax */
		{{0xf3, 0x0f, 0x1e, 0xfa, 0x55}, COST_SITE_XOL},        /* endbr64: taken as single-stepped */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_EQ_INT(cost_site_of_bytes(cases[i].b), cases[i].want);
	/* From a file, at an offset. */
	char path[] = "/tmp/test_cost_site.XXXXXX";
	int fd = mkstemp(path);
	const unsigned char bytes[16] = {0x48, 0x8d, 0x04, 0x7f, 0xc3, 0, 0, 0, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x55};

	CHECK(fd >= 0 && write(fd, bytes, sizeof(bytes)) == (ssize_t)sizeof(bytes));
	close(fd);
	CHECK_EQ_INT(cost_site_of(path, 0), COST_SITE_XOL);
	CHECK_EQ_INT(cost_site_of(path, 8), COST_SITE_NOP5);
	CHECK_EQ_INT(cost_site_of(path, 13), COST_SITE_INT3); /* too few bytes left: the trap */
	CHECK_EQ_INT(cost_site_of("/nonexistent/file", 0), COST_SITE_INT3);
	unlink(path);
}

/* Hits x unit costs, per process; calls go on to the pipeline whatever
 * they are. */
static void test_estimate(void)
{
	struct probe_map pm;
	struct cost *c = make_cost(&pm);

	CHECK(c != NULL);
	if (!c)
		return;
	forwarded = 0;
	c->b[1].site = COST_SITE_NOP5; /* inner's first instruction is a 5-byte nop */
	feed(c, 0, CALL_END, FAKE_PID, 0, 10);     /* outer: 10 spans */
	feed(c, 0, CALL_START, FAKE_PID, 0, 10);   /* their starts: no hit of their own */
	feed(c, 1, CALL_END, FAKE_PID, 1, 100);    /* inner: 100 spans */
	feed(c, 2, CALL_POINT, FAKE_PID, 1, 1000); /* tick: 1000 points */
	feed(c, 3, CALL_POINT, FAKE_PID + 1, 0, 7); /* USDT, another process */
	feed(c, 3, CALL_END, FAKE_PID, 0, 0);
	CHECK_EQ_INT(forwarded, 10 + 10 + 100 + 1000 + 7);
	cost_update_unit_costs(c);
	/* Per hit: program ns/run less the statistics' own 36 ns. */
	CHECK(fabs(c->ce[0] - (500 + 200)) < 1e-9);
	CHECK(fabs(c->cr[0] - (300 + 100)) < 1e-9);
	CHECK(fabs(c->ce[1] - (250 + 200)) < 1e-9);
	CHECK(fabs(c->ce[2] - (500 + 50)) < 1e-9);
	CHECK(c->cr[2] == 0);
	CHECK(fabs(c->ce[3] - (450 + 80)) < 1e-9);

	struct cost_proc *p = cost_proc_find(c, FAKE_PID, false), *q = cost_proc_find(c, FAKE_PID + 1, false);

	CHECK(p && q);
	if (!p || !q)
		goto out;
	CHECK_EQ_INT(p->hits, 10 * 2 + 100 * 2 + 1000);
	CHECK_EQ_INT(q->hits, 7);
	double want = 10 * (700 + 400) + 100 * (450 + 400) + 1000 * 550.0;

	CHECK(fabs(cost_proc_estimate_ns(c, p) - want) < 1e-6);
	CHECK(fabs(cost_proc_estimate_ns(c, q) - 7 * 530.0) < 1e-6);
	/* Hits while the statistics were on cost 50 ns more each. */
	c->window_on = true;
	feed(c, 2, CALL_POINT, FAKE_PID, 1, 10);
	c->window_on = false;
	CHECK(fabs(cost_proc_estimate_ns(c, p) - (want + 10 * 550.0 + 10 * 50.0)) < 1e-6);
	/* A binding of a built-in source counts no hit. */
	c->b[0].counted = false;
	feed(c, 0, CALL_END, FAKE_PID, 0, 5);
	CHECK_EQ_INT(p->hits, 10 * 2 + 100 * 2 + 1000 + 10);
out:
	cost_free(c);
	probe_map_free(&pm);
}

/* Python functions bound by name: each call is two marker writes, each a
 * uprobe hit (no uretprobe), counted; --max-overhead leaves them alone
 * (the python source detaches no binding by itself). The summary once
 * said "0 probe hits" for a traced Python program. */
static void test_marker_bindings(void)
{
	struct probe_map pm;
	struct cost *c = make_cost_of(&pm, "span agent_collaboration python:m:C.f\n"
					    "point model_cache_hit python:m:hit\n");

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(c->b[0].counted && c->b[0].marker);
	CHECK(c->b[1].counted && c->b[1].marker);
	feed(c, 0, CALL_END, FAKE_PID, 0, 10);
	feed(c, 1, CALL_POINT, FAKE_PID, 1, 3);
	cost_update_unit_costs(c);
	CHECK(fabs(c->ce[0] - 500) < 1e-9); /* an int3 hit; its program's run time unknown */
	CHECK(fabs(c->cr[0] - 500) < 1e-9); /* the return marker: a uprobe hit too, not a uretprobe */
	CHECK(c->cr[1] == 0);
	struct cost_proc *p = cost_proc_find(c, FAKE_PID, false);

	CHECK(p != NULL);
	if (p) {
		CHECK_EQ_INT(p->hits, 10 * 2 + 3);
		CHECK(fabs(cost_proc_estimate_ns(c, p) - (10 * 1000 + 3 * 500.0)) < 1e-6);
	}
	cost_free(c);
	probe_map_free(&pm);
}

static void test_cap_order_choose(void)
{
	struct cap_candidate v[] = {
		{.binding = 0, .ns = 100, .depth = 0, .calls = 10, .point = false},  /* outer span */
		{.binding = 1, .ns = 500, .depth = 2, .calls = 100, .point = false}, /* innermost span */
		{.binding = 2, .ns = 300, .depth = 1, .calls = 900, .point = false}, /* middle, most frequent */
		{.binding = 3, .ns = 50, .depth = 1, .calls = 5, .point = true},     /* a rare point */
		{.binding = 4, .ns = 400, .depth = 1, .calls = 50, .point = true},   /* a frequent point */
	};

	cost_cap_order(v, 5);
	CHECK_EQ_INT(v[0].binding, 4); /* points first, the most frequent first */
	CHECK_EQ_INT(v[1].binding, 3);
	CHECK_EQ_INT(v[2].binding, 1); /* then spans, innermost first */
	CHECK_EQ_INT(v[3].binding, 2);
	CHECK_EQ_INT(v[4].binding, 0);
	/* 1350 ns of 10000 ns (13.5 %): the frequent point (400) leaves
	 * 950/10000 = 9.5 %, the rare one too 9.0 %, the innermost span too
	 * (500) 4.0 %, the middle one too 1.0 %. */
	CHECK_EQ_INT(cost_cap_choose(v, 5, 1350, 10000, 0.04), 3);
	CHECK_EQ_INT(cost_cap_choose(v, 5, 1350, 10000, 0.095), 1);
	/* A loop that spends 98 % in the probes: the point and the inner span
	 * go, the outer span (0.1 %) stays (taken of what is left, 2 %, it
	 * looked like 5 % and went too). */
	struct cap_candidate hot[] = {{.binding = 0, .ns = 483, .point = true},
				      {.binding = 1, .ns = 497, .depth = 1},
				      {.binding = 2, .ns = 1, .depth = 0}};

	CHECK_EQ_INT(cost_cap_choose(hot, 3, 981, 1000, 0.04), 2);
	/* The same loop, its estimate above what its bindings cost (97 % with
	 * 88 % in them): what stays of the bindings decides, the outer stays. */
	struct cap_candidate hot2[] = {{.binding = 0, .ns = 436, .point = true},
				       {.binding = 1, .ns = 445, .depth = 1},
				       {.binding = 2, .ns = 1, .depth = 0}};

	CHECK_EQ_INT(cost_cap_choose(hot2, 3, 970, 1000, 0.04), 2);
	CHECK_EQ_INT(cost_cap_choose(v, 5, 1350, 10000, 0.10), 1);
	CHECK_EQ_INT(cost_cap_choose(v, 5, 1350, 10000, 0.20), 0); /* under already */
	CHECK_EQ_INT(cost_cap_choose(v, 5, 9000, 9000, 0.0), 5);   /* even all is not enough */
}

/* One second of process p: `hits` tick points, its CPU time up by cpu_ms. */
static void second(struct cost *c, struct cost_proc *p, int hits, double cpu_ms, uint64_t *now)
{
	feed(c, 2, CALL_POINT, (uint32_t)p->pid, 1, hits);
	feed(c, 1, CALL_END, (uint32_t)p->pid, 1, hits / 10);
	feed(c, 0, CALL_END, (uint32_t)p->pid, 0, 1);
	p->cpu_ns += (uint64_t)(cpu_ms * 1e6);
	*now += SEC;
	c->last_tick_ns = *now;
	cost_update_unit_costs(c);
	cost_proc_tick(c, p);
	cost_cap_tick(c, *now);
}

static void test_cap(void)
{
	struct probe_map pm;
	struct cost *c = make_cost(&pm);
	uint64_t now = 100 * SEC;

	CHECK(c != NULL);
	if (!c)
		return;
	c->max_pct = 5;
	ndetached_calls = 0;
	struct cost_proc *p = cost_proc_find(c, FAKE_PID, true), *idle = cost_proc_find(c, FAKE_PID + 2, true);

	CHECK(p && idle);
	if (!p || !idle)
		goto out;
	/* Below the cap: 10,000 ticks a second (5.5 ms) and 1,000 inner spans
	 * (1.1 ms) in 1 s of CPU: 0.66 %. Nothing happens. */
	for (int i = 0; i < 8; i++)
		second(c, p, 10000, 1000, &now);
	CHECK_EQ_INT(ndetached_calls, 0);
	/* A process that hardly runs is left alone, however high its share:
	 * 10 ticks (5.5 µs) in 0.1 ms of CPU. */
	for (int i = 0; i < 8; i++) {
		feed(c, 2, CALL_POINT, FAKE_PID + 2, 1, 10);
		idle->cpu_ns += 100000;
		cost_proc_tick(c, idle);
	}
	/* Over the cap: 100,000 ticks (55 ms) and 10,000 inner spans (8.5 ms)
	 * in 0.5 s of CPU: 12.7 %. Two seconds to fill the window, then 3 s
	 * held before anything goes. */
	for (int i = 0; i < 4; i++)
		second(c, p, 100000, 500, &now);
	CHECK_EQ_INT(ndetached_calls, 0);
	second(c, p, 100000, 500, &now);
	second(c, p, 100000, 500, &now);
	/* The point first; without it, 8.5 + 0.001 ms of 445 ms is 1.9 %:
	 * under 4 %, the spans stay. */
	CHECK_EQ_INT(ndetached_calls, 1);
	CHECK_EQ_INT(detached_order[0], 2);
	CHECK(c->b[2].detached && !c->b[1].detached && !c->b[0].detached);
	CHECK_STR_EQ(c->detached, "tick");
	CHECK_EQ_INT(c->ndetached, 1);
	/* Still over (the inner span grows): it goes next, the outer stays. */
	for (int i = 0; i < 7 && ndetached_calls < 2; i++) {
		feed(c, 1, CALL_END, (uint32_t)p->pid, 1, 100000);
		second(c, p, 0, 500, &now);
	}
	CHECK_EQ_INT(ndetached_calls, 2);
	CHECK_EQ_INT(detached_order[1], 1);
	CHECK(!c->b[0].detached);
	CHECK_STR_EQ(c->detached, "tick, inner");
	/* The report says so. */
	cost_sample(c, now + SEC, true);
	struct cost_report *r = malloc(sizeof(*r));

	CHECK(r != NULL);
	if (r) {
		cost_report(c, r);
		CHECK(r->ready);
		CHECK_EQ_INT(r->ndetached, 2);
		CHECK(r->bindings[1].detached && r->bindings[2].detached && !r->bindings[0].detached);
		free(r);
	}
out:
	cost_free(c);
	probe_map_free(&pm);
}

static void test_summary_and_metrics(void)
{
	struct probe_map pm;
	struct cost_report *r = calloc(1, sizeof(*r));
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(r && !parse_quiet(map_text, &pm));
	if (!r)
		return;
	r->ready = true;
	r->nprocs = r->nprocs_total = 1;
	r->procs[0] = (struct cost_report_proc){.pid = 4242, .induced_s = 0.012, .cpu_s = 0.048, .pct = 25.0,
						.recent_pct = NAN, .hits = 20000};
	r->total_s = 0.012;
	r->nbindings = (int)pm.n;
	r->bindings[1] = (struct cost_report_binding){.induced_s = 0.012, .ns_per_call = 1200, .calls = 10000,
						      .detached = true};
	r->max_pct = 5;
	r->ndetached = 1;
	snprintf(r->detached, sizeof(r->detached), "inner");
	f = open_memstream(&buf, &len);
	summary_print_cost(f, r, &pm);
	fclose(f);
	CHECK_STR_HAS(buf, "cost to the target: pid 4242: 12.0 ms CPU over the run, 25.0 % of its CPU time");
	CHECK_STR_HAS(buf, "inner 1.20 µs a call, 12.0 ms (detached)");
	CHECK_STR_HAS(buf, "detached by --max-overhead 5%: inner");
	free(buf);

	struct metric_store ms;

	CHECK(!ms_init(&ms));
	struct resource_table rt;

	resources_init(&rt);
	r->procs[0].pid = getpid(); /* a process with a resource of its own */
	cost_fold_metrics(r, &pm, &ms, &rt, "svc");
	int found = 0;

	for (size_t i = 0; i < ms.n; i++) {
		const struct series *s = ms.all[i];
		const struct metric_def *d = ms_metric_def(s->metric);

		/* On the process's own resource (its process.pid), no attribute:
		 * a Prometheus process_pid label is then the target's. */
		if (s->metric == HEALTH_METRIC(HM_INDUCED_CPU)) {
			CHECK_STR_EQ(d->name, "mcp_bpftrace_induced_cpu_seconds_total");
			CHECK_EQ_INT(s->nattrs, 0);
			CHECK(s->resource >= 0 && s->resource < rt.n && rt.v[s->resource].pid == getpid());
			CHECK(fabs(s->v.d - 0.012) < 1e-12);
			found++;
		} else if (s->metric == HEALTH_METRIC(HM_TARGET_CPU)) {
			CHECK_EQ_INT(s->nattrs, 0);
			CHECK(s->resource >= 0);
			CHECK(fabs(s->v.d - 0.048) < 1e-12);
			found++;
		} else if (s->metric == HEALTH_METRIC(HM_BINDING_INDUCED_CPU)) {
			CHECK_STR_EQ(s->vals[0], "inner");
			found++;
		} else if (s->metric == HEALTH_METRIC(HM_DETACHED)) {
			CHECK_STR_EQ(s->vals[0], "inner");
			CHECK_EQ_INT(s->v.i, 1);
			found++;
		}
	}
	CHECK_EQ_INT(found, 4);
	ms_destroy(&ms);
	resources_free(&rt);
	/* Not calibrated: no metric, and the summary says why. */
	r->ready = false;
	snprintf(r->why, sizeof(r->why), "cannot load the calibration program: Operation not permitted");
	buf = NULL;
	f = open_memstream(&buf, &len);
	summary_print_cost(f, r, &pm);
	fclose(f);
	CHECK_STR_HAS(buf, "cost to the target: not measured (cannot load the calibration program");
	free(buf);
	free(r);
	probe_map_free(&pm);
}

/* /proc/PID/stat read past the command, whatever it holds. */
static void test_read_cpu(void)
{
	uint64_t a = 0, b = 0;
	unsigned long long start = 0;
	char saved[32] = "";
	volatile unsigned long x = 0;
	struct timespec t0, t;

	prctl(PR_GET_NAME, saved);
	prctl(PR_SET_NAME, "a) 1 2 (b");
	CHECK(cost_read_cpu(getpid(), &a, &start));
	CHECK(start > 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do { /* 60 ms of CPU: past the clock tick */
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i * 7;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 60000000L);
	CHECK(cost_read_cpu(getpid(), &b, NULL));
	CHECK(b > a);
	prctl(PR_SET_NAME, saved);
	CHECK(!cost_read_cpu(FAKE_PID, &a, NULL));
}

int main(void)
{
	test_sites();
	test_estimate();
	test_marker_bindings();
	test_cap_order_choose();
	test_cap();
	test_summary_and_metrics();
	test_read_cpu();
	UNIT_DONE();
}
