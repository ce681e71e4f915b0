/* Unit tests of the metric side of the forward path: records built by hand
 * (as bpf/uprobe.bpf.c would emit them) go through the uprobe decoder and pipeline_call()
 * and the metric store must hold exactly the series of README.md, "How each
 * operation is counted", with exactly the values the calls imply. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "call.h"
#include "catalog.h"
#include "aggregate/exp_histogram.h"
#include "aggregate/metrics.h"
#include "aggregate/pipeline.h"
#include "probe_map.h"
#include "target/resources.h"

#define T0 (1000 * SEC) /* an arbitrary CLOCK_MONOTONIC origin */
#define FX_TRACE_ID {0x0123456789abcdefULL, 0xfedcba9876543210ULL}
#include "pipeline_fixture.h"

/* ---- series ------------------------------------------------------------- */

/* The series of `metric` whose attributes are exactly the `n` key/value
 * pairs given, in that order; NULL when none (failing when more than one). */
static const struct series *vfind(struct fx *f, const char *metric, int n, va_list ap)
{
	const char *kv[2 * ACT_MAX_ATTRS];
	const struct series *hit = NULL;
	int hits = 0;

	for (int i = 0; i < 2 * n && i < 2 * ACT_MAX_ATTRS; i++)
		kv[i] = va_arg(ap, const char *);
	for (size_t i = 0; i < f->p.ms.n; i++) {
		const struct series *s = f->p.ms.all[i];
		bool same = s->nattrs == n && !strcmp(ms_metric_def(s->metric)->name, metric);

		for (int k = 0; same && k < n; k++)
			same = !strcmp(s->keys[k], kv[2 * k]) && !strcmp(s->vals[k], kv[2 * k + 1]);
		if (same) {
			hit = s;
			hits++;
		}
	}
	if (hits > 1)
		UNIT_FAIL("%d series of %s with the same attributes", hits, metric);
	return hit;
}

static const struct series *find(struct fx *f, const char *metric, int n, ...)
{
	va_list ap;
	const struct series *s;

	va_start(ap, n);
	s = vfind(f, metric, n, ap);
	va_end(ap);
	return s;
}

static int nseries(struct fx *f, const char *metric)
{
	int n = 0;

	for (size_t i = 0; i < f->p.ms.n; i++)
		n += !strcmp(ms_metric_def(f->p.ms.all[i]->metric)->name, metric);
	return n;
}

/* Integer counter / up-down counter value; fails when the series is missing. */
static void counter_at(int line, struct fx *f, long long want, const char *metric, int n, ...)
{
	va_list ap;
	const struct series *s;

	va_start(ap, n);
	s = vfind(f, metric, n, ap);
	va_end(ap);
	if (!s) {
		UNIT_FAIL("line %d: no series of %s", line, metric);
		return;
	}
	if (ms_metric_def(s->metric)->is_double || ms_metric_def(s->metric)->kind == MK_HISTOGRAM) {
		UNIT_FAIL("line %d: %s is not an integer counter", line, metric);
		return;
	}
	if (s->v.i == want)
		UNIT_PASS();
	else
		UNIT_FAIL("line %d: %s = %lld, want %lld", line, metric, (long long)s->v.i, want);
}
#define COUNTER(f, want, metric, ...) counter_at(__LINE__, f, want, metric, __VA_ARGS__)

static bool close_to(double a, double b)
{
	double d = a - b;

	return (d < 0 ? -d : d) <= 1e-9 * (1 + (b < 0 ? -b : b));
}

/* Histogram count and sum; fails when the series is missing. */
static void hist_at(int line, struct fx *f, uint64_t count, double sum, const char *metric, int n, ...)
{
	va_list ap;
	const struct series *s;

	va_start(ap, n);
	s = vfind(f, metric, n, ap);
	va_end(ap);
	if (!s || !s->h) {
		UNIT_FAIL("line %d: no histogram series of %s", line, metric);
		return;
	}
	if (exph_count(s->h) == count)
		UNIT_PASS();
	else
		UNIT_FAIL("line %d: %s count %llu, want %llu", line, metric,
			  (unsigned long long)exph_count(s->h), (unsigned long long)count);
	if (close_to(exph_sum(s->h), sum))
		UNIT_PASS();
	else
		UNIT_FAIL("line %d: %s sum %.17g, want %.17g", line, metric, exph_sum(s->h), sum);
}
#define HIST(f, count, sum, metric, ...) hist_at(__LINE__, f, count, sum, metric, __VA_ARGS__)

/* An up-down series that must be absent or 0 (never negative). */
static void updown_zero_at(int line, struct fx *f, const char *metric, int n, ...)
{
	va_list ap;
	const struct series *s;

	va_start(ap, n);
	s = vfind(f, metric, n, ap);
	va_end(ap);
	if (!s || s->v.i == 0)
		UNIT_PASS();
	else
		UNIT_FAIL("line %d: %s = %lld, want 0 (or no series)", line, metric, (long long)s->v.i);
}
#define UPDOWN_ZERO(f, metric, ...) updown_zero_at(__LINE__, f, metric, __VA_ARGS__)

/* No series of an up-down metric may be negative. */
static void no_negative_at(int line, struct fx *f, const char *metric)
{
	for (size_t i = 0; i < f->p.ms.n; i++) {
		const struct series *s = f->p.ms.all[i];

		if (strcmp(ms_metric_def(s->metric)->name, metric))
			continue;
		if (s->v.i >= 0) {
			UNIT_PASS();
		} else {
			UNIT_FAIL("line %d: %s{%s=\"%s\"} = %lld < 0", line, metric,
				  s->nattrs ? s->keys[0] : "", s->nattrs ? s->vals[0] : "", (long long)s->v.i);
		}
	}
}
#define NO_NEGATIVE(f, metric) no_negative_at(__LINE__, f, metric)

/* ---- family 1: agent collaboration -------------------------------------- */

static const char collab_map[] =
	"span agent_collaboration collab_run\n"
	"    mcp.collaboration_type = arg0 as str\n"
	"    mcp.collaboration_iterations = arg1 as int\n"
	"    mcp.consensus_time_ms = arg2[0] as double\n"
	"    fail if ret < 0\n"
	"    error.type = arg2[8] as str\n"
	"span agent_iteration agent_iter\n"
	"    mcp.agent_name = arg0 as str\n"
	"    mcp.collaboration_type = arg1 as str\n"
	"    mcp.agent_contribution = arg2[0] as double\n"
	"    fail if ret != 0\n"
	"span consensus_building consensus\n"
	"    mcp.collaboration_type = arg0 as str\n";

#define CT "mcp.collaboration_type"
#define OK "mcp.success"
#define ET "mcp.error_type"

/* The start record the BPF side sends at entry: no return-time captures. */
static void decode_start(struct call *c, const struct rb *x)
{
	struct mcp_call_rec r = x->r;

	r.h.type = MCP_REC_SPAN_START;
	uprobe_decode(c, &r, sizeof(r), x->b);
}

static void test_collaboration(void)
{
	struct fx f;
	struct rb a, b, c, d;

	if (!fx_init(&f, collab_map, FX_SPANS_DROP))
		return;
	/* ok: 2 s, 3 iterations, consensus after 1500 ms */
	a = fx_rec(&f, "collab_run", 0x11, 0, 0, 2 * SEC, 0);
	set_str(&a, CT, "peer");
	set_raw(&a, "mcp.collaboration_iterations", 3);
	set_double(&a, "mcp.consensus_time_ms", 1500.0);
	/* failed (ret -5 in eax, garbage above): 0.5 s */
	b = fx_rec(&f, "collab_run", 0x12, 0, 3 * SEC, 3 * SEC + SEC / 2, 0xdeadbeeffffffffbULL);
	set_str(&b, CT, "peer");
	set_raw(&b, "mcp.collaboration_iterations", 9);
	set_double(&b, "mcp.consensus_time_ms", 9999.0);
	set_str(&b, "error.type", "timeout");

	push_start(&f, &a);
	COUNTER(&f, 1, "mcp_active_agent_collaborations", 1, CT, "peer");
	CHECK_EQ_INT(nseries(&f, "mcp_agent_collaboration_total"), 0); /* a start counts nothing else */
	push_start(&f, &b);
	COUNTER(&f, 2, "mcp_active_agent_collaborations", 1, CT, "peer");
	push(&f, &a);
	COUNTER(&f, 1, "mcp_active_agent_collaborations", 1, CT, "peer");
	push(&f, &b);
	COUNTER(&f, 0, "mcp_active_agent_collaborations", 1, CT, "peer");

	/* ok, its start record lost: counted, but the active count is untouched */
	c = fx_rec(&f, "collab_run", 0x13, 0, 10 * SEC, 11 * SEC, 7);
	set_str(&c, CT, "hierarchical");
	set_raw(&c, "mcp.collaboration_iterations", 1);
	set_double(&c, "mcp.consensus_time_ms", 250.0);
	push(&f, &c);
	UPDOWN_ZERO(&f, "mcp_active_agent_collaborations", 1, CT, "hierarchical");

	/* failed with the error name left empty: _OTHER */
	d = fx_rec(&f, "collab_run", 0x14, 0, 12 * SEC, 12 * SEC + SEC / 4, (uint32_t)-1);
	set_str(&d, CT, "hierarchical");
	push_start(&f, &d);
	COUNTER(&f, 1, "mcp_active_agent_collaborations", 1, CT, "hierarchical");
	push(&f, &d);
	COUNTER(&f, 0, "mcp_active_agent_collaborations", 1, CT, "hierarchical");
	/* the same end record again (a duplicate): no second decrement */
	push(&f, &d);
	COUNTER(&f, 0, "mcp_active_agent_collaborations", 1, CT, "hierarchical");

	COUNTER(&f, 1, "mcp_agent_collaboration_total", 2, CT, "peer", OK, "true");
	COUNTER(&f, 1, "mcp_agent_collaboration_total", 2, CT, "peer", OK, "false");
	COUNTER(&f, 1, "mcp_agent_collaboration_total", 2, CT, "hierarchical", OK, "true");
	COUNTER(&f, 2, "mcp_agent_collaboration_total", 2, CT, "hierarchical", OK, "false");
	CHECK_EQ_INT(nseries(&f, "mcp_agent_collaboration_total"), 4);
	COUNTER(&f, 1, "mcp_agent_collaboration_success_total", 1, CT, "peer");
	COUNTER(&f, 1, "mcp_agent_collaboration_success_total", 1, CT, "hierarchical");
	CHECK_EQ_INT(nseries(&f, "mcp_agent_collaboration_success_total"), 2);
	COUNTER(&f, 1, "mcp_agent_collaboration_errors_total", 2, CT, "peer", ET, "timeout");
	COUNTER(&f, 2, "mcp_agent_collaboration_errors_total", 2, CT, "hierarchical", ET, "_OTHER");
	CHECK_EQ_INT(nseries(&f, "mcp_agent_collaboration_errors_total"), 2);
	HIST(&f, 2, 2.5, "mcp_agent_collaboration_duration_seconds", 1, CT, "peer");
	HIST(&f, 3, 1.5, "mcp_agent_collaboration_duration_seconds", 1, CT, "hierarchical");
	/* value histograms only for ok calls */
	HIST(&f, 1, 3, "mcp_agent_collaboration_iterations", 1, CT, "peer");
	HIST(&f, 1, 1, "mcp_agent_collaboration_iterations", 1, CT, "hierarchical");
	CHECK_EQ_INT(nseries(&f, "mcp_agent_collaboration_iterations"), 2);
	/* milliseconds captured, seconds recorded */
	HIST(&f, 1, 1.5, "mcp_agent_consensus_time_seconds", 1, CT, "peer");
	HIST(&f, 1, 0.25, "mcp_agent_consensus_time_seconds", 1, CT, "hierarchical");
	CHECK_EQ_INT(nseries(&f, "mcp_agent_consensus_time_seconds"), 2);

	/* agent iterations: participation every call, contribution if ok */
	struct rb i1 = fx_rec(&f, "agent_iter", 0x21, 0x11, SEC, SEC + 1000, 0);
	struct rb i2 = fx_rec(&f, "agent_iter", 0x22, 0x11, SEC, SEC + 1000, 1);
	struct rb i3 = fx_rec(&f, "agent_iter", 0x23, 0x11, SEC, SEC + 1000, 0);

	set_str(&i1, "mcp.agent_name", "alice");
	set_str(&i1, CT, "peer");
	set_double(&i1, "mcp.agent_contribution", 0.75);
	set_str(&i2, "mcp.agent_name", "bob");
	set_str(&i2, CT, "peer");
	set_double(&i2, "mcp.agent_contribution", 0.5);
	set_str(&i3, "mcp.agent_name", "alice");
	set_str(&i3, CT, "peer");
	set_double(&i3, "mcp.agent_contribution", 0.125);
	push(&f, &i1);
	push(&f, &i2);
	push(&f, &i3);
	COUNTER(&f, 2, "mcp_agent_participation_total", 2, "mcp.agent_name", "alice", CT, "peer");
	COUNTER(&f, 1, "mcp_agent_participation_total", 2, "mcp.agent_name", "bob", CT, "peer");
	HIST(&f, 2, 0.875, "mcp_agent_contribution_score", 2, "mcp.agent_name", "alice", CT, "peer");
	CHECK_EQ_INT(nseries(&f, "mcp_agent_contribution_score"), 1);

	/* consensus_building updates no metric at all */
	size_t before = f.p.ms.n;
	struct rb cb = fx_rec(&f, "consensus", 0x31, 0x11, SEC, 2 * SEC, 0);

	set_str(&cb, CT, "peer");
	push(&f, &cb);
	CHECK_EQ_INT(f.p.ms.n, before);
	CHECK_EQ_INT(f.p.records, 12);
	CHECK_EQ_INT(f.p.bad_records, 0);
	fx_free(&f);
}

/* ---- family 2: model routing -------------------------------------------- */

static const char routing_map[] =
	"span model_routing route\n"
	"    mcp.model_type = arg1 as str\n"
	"    fail if ret < 0\n"
	"    error.type = arg4[64] as str\n"
	"span model_selection select\n"
	"    mcp.selected_model = arg0[0] as str\n"
	"    fail if ret < 0\n"
	"span model_inference infer\n"
	"    mcp.model_type = arg0 as str\n"
	"    mcp.tokens_used = arg1[8] as long\n"
	"    mcp.cost = arg1[16] as double\n"
	"    fail if ret < 0\n"
	"    error.type = arg1[24] as str\n"
	"point model_cache_hit cache_hit\n"
	"    mcp.model_type = arg0 as str\n"
	"point model_cache_miss cache_miss\n";

#define MT "mcp.model_type"

static void test_routing(void)
{
	struct fx f;
	struct rb a, b, c;

	if (!fx_init(&f, routing_map, FX_SPANS_DROP))
		return;
	/* "" asks for no model: counted as "auto", at start and at return */
	a = fx_rec(&f, "route", 0x41, 0, 0, SEC / 2, 0);
	set_str(&a, MT, "");
	push_start(&f, &a);
	COUNTER(&f, 1, "mcp_active_model_routings", 1, MT, "auto");
	CHECK_EQ_INT(nseries(&f, "mcp_active_model_routings"), 1);
	push(&f, &a);
	COUNTER(&f, 0, "mcp_active_model_routings", 1, MT, "auto");
	/* -ETIMEDOUT as an int register with garbage above: 0x...ffffff92 */
	b = fx_rec(&f, "route", 0x42, 0, SEC, 2 * SEC, 0x00000000ffffff92ULL);
	set_str(&b, MT, "gpt-4");
	set_str(&b, "error.type", "ETIMEDOUT");
	push_start(&f, &b);
	push(&f, &b);
	/* a positive int with the sign bit set above bit 31: still ok */
	c = fx_rec(&f, "route", 0x43, 0, 2 * SEC, 3 * SEC, 0xffffffff00000005ULL);
	set_str(&c, MT, "gpt-4");
	set_str(&c, "error.type", "stale");
	push(&f, &c);

	COUNTER(&f, 1, "mcp_model_routing_total", 2, MT, "auto", OK, "true");
	COUNTER(&f, 1, "mcp_model_routing_total", 2, MT, "gpt-4", OK, "false");
	COUNTER(&f, 1, "mcp_model_routing_total", 2, MT, "gpt-4", OK, "true");
	CHECK_EQ_INT(nseries(&f, "mcp_model_routing_total"), 3);
	COUNTER(&f, 1, "mcp_model_routing_success_total", 1, MT, "auto");
	COUNTER(&f, 1, "mcp_model_routing_success_total", 1, MT, "gpt-4");
	COUNTER(&f, 1, "mcp_model_routing_errors_total", 2, MT, "gpt-4", ET, "ETIMEDOUT");
	CHECK_EQ_INT(nseries(&f, "mcp_model_routing_errors_total"), 1);
	HIST(&f, 1, 0.5, "mcp_model_routing_duration_seconds", 1, MT, "auto");
	HIST(&f, 2, 2.0, "mcp_model_routing_duration_seconds", 1, MT, "gpt-4");
	COUNTER(&f, 0, "mcp_active_model_routings", 1, MT, "gpt-4");
	NO_NEGATIVE(&f, "mcp_active_model_routings");

	/* selection: its time only when ok */
	struct rb s1 = fx_rec(&f, "select", 0x51, 0x41, 0, SEC / 4, 0);
	struct rb s2 = fx_rec(&f, "select", 0x52, 0x41, 0, SEC / 4, (uint64_t)-1);

	set_str(&s1, "mcp.selected_model", "claude");
	set_str(&s2, "mcp.selected_model", "llama");
	push(&f, &s1);
	push(&f, &s2);
	HIST(&f, 1, 0.25, "mcp_model_selection_time_seconds", 1, "mcp.selected_model", "claude");
	CHECK_EQ_INT(nseries(&f, "mcp_model_selection_time_seconds"), 1);

	/* inference: tokens and cost if ok, usage and time always */
	struct rb n1 = fx_rec(&f, "infer", 0x61, 0, 0, SEC, 0);
	struct rb n2 = fx_rec(&f, "infer", 0x62, 0, 0, 3 * SEC, 0);
	struct rb n3 = fx_rec(&f, "infer", 0x63, 0, 0, SEC / 2, (uint32_t)-12);
	struct rb n4 = fx_rec(&f, "infer", 0x64, 0, 0, SEC, 0);

	set_str(&n1, MT, "gpt-4");
	set_raw(&n1, "mcp.tokens_used", 100);
	set_double(&n1, "mcp.cost", 0.25);
	set_str(&n2, MT, "gpt-4");
	set_raw(&n2, "mcp.tokens_used", 50);
	set_double(&n2, "mcp.cost", 0.125);
	set_str(&n3, MT, "gpt-4");
	set_raw(&n3, "mcp.tokens_used", 7000);
	set_double(&n3, "mcp.cost", 9.0);
	set_str(&n3, "error.type", "ENOMEM");
	set_str(&n4, MT, ""); /* inference also defaults to auto */
	set_raw(&n4, "mcp.tokens_used", 3);
	set_double(&n4, "mcp.cost", 0.001);
	push(&f, &n1);
	push(&f, &n2);
	push(&f, &n3);
	push(&f, &n4);
	COUNTER(&f, 150, "mcp_model_token_usage_total", 1, MT, "gpt-4");
	COUNTER(&f, 3, "mcp_model_token_usage_total", 1, MT, "auto");
	COUNTER(&f, 3, "mcp_model_usage_total", 1, MT, "gpt-4");
	COUNTER(&f, 1, "mcp_model_usage_total", 1, MT, "auto");
	COUNTER(&f, 1, "mcp_model_errors_total", 2, MT, "gpt-4", ET, "ENOMEM");
	HIST(&f, 3, 4.5, "mcp_model_inference_time_seconds", 1, MT, "gpt-4");
	HIST(&f, 1, 1.0, "mcp_model_inference_time_seconds", 1, MT, "auto");
	{
		const struct series *s = find(&f, "mcp_model_cost_total", 1, MT, "gpt-4");
		const struct series *t = find(&f, "mcp_model_cost_total", 1, MT, "auto");

		CHECK(s && ms_metric_def(s->metric)->is_double);
		CHECK(s && s->v.d == 0.375); /* a double counter keeps the fraction */
		CHECK(t && close_to(t->v.d, 0.001));
	}

	/* cache points, with and without a model type, and one unbound */
	struct rb h1 = fx_rec(&f, "cache_hit", 0, 0x61, 100, 0, 0);
	struct rb h2 = fx_rec(&f, "cache_hit", 0, 0x61, 200, 0, 0);
	struct rb h3 = fx_rec(&f, "cache_hit", 0, 0, 300, 0, 0);
	struct rb m1 = fx_rec(&f, "cache_miss", 0, 0x62, 400, 0, 0);

	set_str(&h1, MT, "gpt-4");
	set_str(&h2, MT, "gpt-4");
	set_str(&h3, MT, "");
	push(&f, &h1);
	push(&f, &h2);
	push(&f, &h3);
	push(&f, &m1);
	COUNTER(&f, 2, "mcp_model_cache_hits_total", 1, MT, "gpt-4");
	COUNTER(&f, 1, "mcp_model_cache_hits_total", 1, MT, "auto");
	COUNTER(&f, 1, "mcp_model_cache_misses_total", 1, MT, "auto");
	CHECK_EQ_INT(nseries(&f, "mcp_model_cache_misses_total"), 1);
	fx_free(&f);
}

/* ---- family 3: workflow ------------------------------------------------- */

static const char workflow_map[] =
	"span workflow_execution wf_run\n"
	"    mcp.workflow_type = arg0 as str\n"
	"    fail if ret < 0\n"
	"    error.type = arg1[0] as strptr\n"
	"span workflow_step wf_step\n"
	"    mcp.step_name = arg0 as str\n"
	"    mcp.step_type = arg1 as str\n"
	"    fail if ret != 0\n"
	"point workflow_branch wf_branch\n"
	"    mcp.branch_name = arg0 as str\n"
	"point workflow_retry wf_retry\n"
	"    mcp.step_name = arg0 as str\n"
	"    mcp.attempt = arg1 as int\n"
	"point workflow_rollback wf_rollback\n"
	"    mcp.reason = arg0 as str\n";

#define WT "mcp.workflow_type"
#define ST "mcp.step_type"

static void test_workflow(void)
{
	struct fx f;

	if (!fx_init(&f, workflow_map, FX_SPANS_DROP))
		return;
	struct rb w1 = fx_rec(&f, "wf_run", 0x71, 0, 0, 4 * SEC, 0);
	struct rb w2 = fx_rec(&f, "wf_run", 0x72, 0, 0, 2 * SEC, (uint32_t)-2);

	set_str(&w1, WT, "etl");
	set_str(&w2, WT, "etl");
	set_str(&w2, "error.type", "step_failed");
	push_start(&f, &w1);
	push_start(&f, &w2);
	COUNTER(&f, 2, "mcp_active_workflows", 1, WT, "etl");

	struct rb s1 = fx_rec(&f, "wf_step", 0x81, 0x71, SEC, 2 * SEC, 0);
	struct rb s2 = fx_rec(&f, "wf_step", 0x82, 0x72, SEC, SEC + SEC / 2, 3);
	struct rb br = fx_rec(&f, "wf_branch", 0, 0x81, SEC + 10, 0, 0);
	struct rb rt = fx_rec(&f, "wf_retry", 0, 0x82, SEC + 20, 0, 0);
	struct rb rt2 = fx_rec(&f, "wf_retry", 0, 0x82, SEC + 30, 0, 0);
	struct rb rb1 = fx_rec(&f, "wf_rollback", 0, 0x72, SEC + 40, 0, 0);

	set_str(&s1, "mcp.step_name", "fetch");
	set_str(&s1, ST, "io");
	set_str(&s2, "mcp.step_name", "transform");
	set_str(&s2, ST, "cpu");
	set_str(&br, "mcp.branch_name", "fast_path");
	set_str(&rt, "mcp.step_name", "transform");
	set_raw(&rt, "mcp.attempt", 1);
	set_str(&rt2, "mcp.step_name", "transform");
	set_raw(&rt2, "mcp.attempt", 2);
	set_str(&rb1, "mcp.reason", "validation_error");
	push(&f, &br);
	push(&f, &s1);
	push(&f, &rt);
	push(&f, &rt2);
	push(&f, &s2);
	push(&f, &rb1);
	push(&f, &w1);
	COUNTER(&f, 1, "mcp_active_workflows", 1, WT, "etl");
	push(&f, &w2);
	COUNTER(&f, 0, "mcp_active_workflows", 1, WT, "etl");

	COUNTER(&f, 1, "mcp_workflow_execution_total", 2, WT, "etl", OK, "true");
	COUNTER(&f, 1, "mcp_workflow_execution_total", 2, WT, "etl", OK, "false");
	COUNTER(&f, 1, "mcp_workflow_success_total", 1, WT, "etl");
	COUNTER(&f, 1, "mcp_workflow_errors_total", 2, WT, "etl", ET, "step_failed");
	HIST(&f, 2, 6.0, "mcp_workflow_execution_duration_seconds", 1, WT, "etl");

	COUNTER(&f, 1, "mcp_workflow_step_total", 2, ST, "io", OK, "true");
	COUNTER(&f, 1, "mcp_workflow_step_total", 2, ST, "cpu", OK, "false");
	CHECK_EQ_INT(nseries(&f, "mcp_workflow_step_total"), 2);
	COUNTER(&f, 1, "mcp_workflow_step_success_total", 1, ST, "io");
	CHECK_EQ_INT(nseries(&f, "mcp_workflow_step_success_total"), 1);
	/* `fail if ret != 0` without error.type: _OTHER */
	COUNTER(&f, 1, "mcp_workflow_step_errors_total", 2, ST, "cpu", ET, "_OTHER");
	CHECK_EQ_INT(nseries(&f, "mcp_workflow_step_errors_total"), 1);
	HIST(&f, 1, 1.0, "mcp_workflow_step_duration_seconds", 1, ST, "io");
	HIST(&f, 1, 0.5, "mcp_workflow_step_duration_seconds", 1, ST, "cpu");

	COUNTER(&f, 1, "mcp_workflow_branch_total", 1, "mcp.branch_name", "fast_path");
	COUNTER(&f, 2, "mcp_workflow_retry_total", 1, "mcp.step_name", "transform");
	CHECK_EQ_INT(nseries(&f, "mcp_workflow_retry_total"), 1); /* mcp.attempt is no metric attribute */
	COUNTER(&f, 1, "mcp_workflow_rollback_total", 1, "mcp.reason", "validation_error");
	/* points count in the per-binding stats too, without failing */
	CHECK_EQ_INT(f.p.stats.v[binding_of(&f, "wf_retry")].calls, 2);
	CHECK_EQ_INT(f.p.stats.v[binding_of(&f, "wf_retry")].errors, 0);
	CHECK_EQ_INT(f.p.stats.v[binding_of(&f, "wf_step")].calls, 2);
	CHECK_EQ_INT(f.p.stats.v[binding_of(&f, "wf_step")].errors, 1);
	CHECK_EQ_INT(f.p.stats.v[binding_of(&f, "wf_run")].active, 0);
	fx_free(&f);
}

/* ---- family 4: plans ----------------------------------------------------- */

static const char plan_map[] =
	"span plan_creation plan_create\n"
	"    mcp.plan_type = arg0 as str\n"
	"    mcp.plan_steps = arg1 as int\n"
	"    fail if ret < 0\n"
	"span plan_validation plan_validate\n"
	"    mcp.plan_type = arg0 as str\n"
	"    mcp.validation_result = arg1[0] as enum(invalid|valid)\n"
	"    fail if ret < 0\n"
	"    error.type = arg1[8] as str\n"
	"span plan_execution plan_exec\n"
	"    mcp.plan_type = arg0 as str\n"
	"    fail if ret < 0\n"
	"    error.type = arg1[0] as str\n";

#define PT "mcp.plan_type"
#define PO "mcp.plan_operation"

static void test_plan(void)
{
	struct fx f;

	if (!fx_init(&f, plan_map, FX_SPANS_DROP))
		return;
	struct rb c1 = fx_rec(&f, "plan_create", 0x91, 0, 0, SEC, 0);
	struct rb c2 = fx_rec(&f, "plan_create", 0x92, 0, 0, 2 * SEC, 0);
	struct rb c3 = fx_rec(&f, "plan_create", 0x93, 0, 0, SEC / 2, (uint32_t)-1);

	set_str(&c1, PT, "linear");
	set_raw(&c1, "mcp.plan_steps", 5);
	set_str(&c2, PT, "linear");
	set_raw(&c2, "mcp.plan_steps", 0xabcd000000000007ULL); /* an int register */
	set_str(&c3, PT, "dag");
	set_raw(&c3, "mcp.plan_steps", 40);
	push(&f, &c1);
	push(&f, &c2);
	push(&f, &c3);
	COUNTER(&f, 2, "mcp_plan_operations_total", 3, PO, "create", PT, "linear", OK, "true");
	COUNTER(&f, 1, "mcp_plan_operations_total", 3, PO, "create", PT, "dag", OK, "false");
	COUNTER(&f, 1, "mcp_plan_errors_total", 2, PO, "create", ET, "_OTHER");
	HIST(&f, 3, 3.5, "mcp_plan_operation_duration_seconds", 1, PO, "create");
	HIST(&f, 2, 12, "mcp_plan_steps", 1, PT, "linear");
	CHECK_EQ_INT(nseries(&f, "mcp_plan_steps"), 1);

	struct rb v1 = fx_rec(&f, "plan_validate", 0xa1, 0, 0, SEC, 0);
	struct rb v2 = fx_rec(&f, "plan_validate", 0xa2, 0, 0, SEC, 0);
	struct rb v3 = fx_rec(&f, "plan_validate", 0xa3, 0, 0, SEC, 0);
	struct rb v4 = fx_rec(&f, "plan_validate", 0xa4, 0, 0, SEC, 0);
	struct rb v5 = fx_rec(&f, "plan_validate", 0xa5, 0, 0, SEC, (uint32_t)-22);

	set_str(&v1, PT, "linear");
	set_raw(&v1, "mcp.validation_result", 1);
	set_str(&v2, PT, "linear");
	set_raw(&v2, "mcp.validation_result", 0);
	set_str(&v3, PT, "linear");
	set_raw(&v3, "mcp.validation_result", 1);
	set_str(&v4, PT, "linear");
	set_raw(&v4, "mcp.validation_result", 5); /* no label: the number */
	set_str(&v5, PT, "linear");
	set_raw(&v5, "mcp.validation_result", 1);
	set_str(&v5, "error.type", "EINVAL");
	push(&f, &v1);
	push(&f, &v2);
	push(&f, &v3);
	push(&f, &v4);
	push(&f, &v5);
	COUNTER(&f, 2, "mcp_plan_validation_total", 1, "mcp.validation_result", "valid");
	COUNTER(&f, 1, "mcp_plan_validation_total", 1, "mcp.validation_result", "invalid");
	COUNTER(&f, 1, "mcp_plan_validation_total", 1, "mcp.validation_result", "5");
	CHECK_EQ_INT(nseries(&f, "mcp_plan_validation_total"), 3); /* the failed one: none */
	COUNTER(&f, 4, "mcp_plan_operations_total", 3, PO, "validate", PT, "linear", OK, "true");
	COUNTER(&f, 1, "mcp_plan_operations_total", 3, PO, "validate", PT, "linear", OK, "false");
	COUNTER(&f, 1, "mcp_plan_errors_total", 2, PO, "validate", ET, "EINVAL");
	HIST(&f, 5, 5.0, "mcp_plan_operation_duration_seconds", 1, PO, "validate");
	CHECK_EQ_INT(nseries(&f, "mcp_plan_steps"), 1); /* validation records no steps */

	struct rb e1 = fx_rec(&f, "plan_exec", 0xb1, 0, 0, 3 * SEC, 0);
	struct rb e2 = fx_rec(&f, "plan_exec", 0xb2, 0, 0, SEC, (uint32_t)-3);

	set_str(&e1, PT, "dag");
	set_str(&e1, "error.type", "leftover"); /* an ok call: no error series */
	set_str(&e2, PT, "dag");
	set_str(&e2, "error.type", "aborted");
	push_start(&f, &e1);
	push_start(&f, &e2);
	COUNTER(&f, 2, "mcp_active_plans", 1, PT, "dag");
	push(&f, &e2);
	push(&f, &e1);
	COUNTER(&f, 0, "mcp_active_plans", 1, PT, "dag");
	COUNTER(&f, 1, "mcp_plan_operations_total", 3, PO, "execute", PT, "dag", OK, "true");
	COUNTER(&f, 1, "mcp_plan_operations_total", 3, PO, "execute", PT, "dag", OK, "false");
	COUNTER(&f, 1, "mcp_plan_errors_total", 2, PO, "execute", ET, "aborted");
	CHECK(!find(&f, "mcp_plan_errors_total", 2, PO, "execute", ET, "leftover"));
	HIST(&f, 2, 4.0, "mcp_plan_operation_duration_seconds", 1, PO, "execute");
	CHECK_EQ_INT(nseries(&f, "mcp_plan_operation_duration_seconds"), 3);
	CHECK_EQ_INT(nseries(&f, "mcp_plan_operations_total"), 6);
	fx_free(&f);
}

/* ---- family 5: verification ---------------------------------------------- */

static const char verify_map[] =
	"span verification verify\n"
	"    mcp.verification_type = arg0 as str\n"
	"    mcp.verification_passed = arg1[0] as bool\n"
	"    mcp.quality_score = arg1[8] as double\n"
	"    fail if ret < 0\n"
	"    error.type = arg1[16] as str\n"
	"span feedback_loop feedback\n"
	"    mcp.verification_type = arg0 as str\n"
	"    mcp.feedback_iterations = arg1[0] as int\n"
	"    fail if ret < 0\n";

#define VT "mcp.verification_type"
#define VR "mcp.verification_result"

static void test_verification(void)
{
	struct fx f;

	if (!fx_init(&f, verify_map, FX_SPANS_DROP))
		return;
	struct rb v[5];

	for (int i = 0; i < 5; i++) {
		v[i] = fx_rec(&f, "verify", 0xc1 + i, 0, 0, SEC / 2, 0);
		set_str(&v[i], VT, "fact_check");
	}
	set_raw(&v[0], "mcp.verification_passed", 1);
	set_double(&v[0], "mcp.quality_score", 0.9);
	set_raw(&v[1], "mcp.verification_passed", 0x0100); /* a bool is its low byte: false */
	set_double(&v[1], "mcp.quality_score", 0.25);
	set_raw(&v[2], "mcp.verification_passed", 0x01);
	set_double(&v[2], "mcp.quality_score", 0.5);
	/* failed, even though it says "passed" */
	v[3].r.ret = (uint32_t)-5;
	v[3].r.vals[v[3].b->caps[v[3].b->fail.cap].spec.slot] = (uint32_t)-5;
	set_raw(&v[3], "mcp.verification_passed", 1);
	set_double(&v[3], "mcp.quality_score", 0.99);
	set_str(&v[3], "error.type", "model_unavailable");
	set_str(&v[4], VT, "code_review");
	set_raw(&v[4], "mcp.verification_passed", 0);
	set_double(&v[4], "mcp.quality_score", 0.0);
	for (int i = 0; i < 5; i++)
		push(&f, &v[i]);
	COUNTER(&f, 2, "mcp_verification_total", 2, VT, "fact_check", VR, "passed");
	COUNTER(&f, 1, "mcp_verification_total", 2, VT, "fact_check", VR, "failed");
	COUNTER(&f, 1, "mcp_verification_total", 2, VT, "fact_check", VR, "error");
	COUNTER(&f, 1, "mcp_verification_total", 2, VT, "code_review", VR, "failed");
	CHECK_EQ_INT(nseries(&f, "mcp_verification_total"), 4);
	COUNTER(&f, 1, "mcp_verification_errors_total", 2, VT, "fact_check", ET, "model_unavailable");
	CHECK_EQ_INT(nseries(&f, "mcp_verification_errors_total"), 1);
	HIST(&f, 4, 2.0, "mcp_verification_duration_seconds", 1, VT, "fact_check");
	HIST(&f, 3, 1.65, "mcp_verification_quality_score", 1, VT, "fact_check");
	HIST(&f, 1, 0.0, "mcp_verification_quality_score", 1, VT, "code_review");
	{
		const struct series *s = find(&f, "mcp_verification_quality_score", 1, VT, "code_review");

		CHECK(s && exph_zero_count(s->h) == 1);
	}

	/* feedback loop: iterations if ok */
	struct rb l1 = fx_rec(&f, "feedback", 0xd1, 0, 0, SEC, 0);
	struct rb l2 = fx_rec(&f, "feedback", 0xd2, 0, 0, SEC, 0);
	struct rb l3 = fx_rec(&f, "feedback", 0xd3, 0, 0, SEC, (uint32_t)-1);

	set_str(&l1, VT, "fact_check");
	set_raw(&l1, "mcp.feedback_iterations", 2);
	set_str(&l2, VT, "fact_check");
	set_raw(&l2, "mcp.feedback_iterations", 4);
	set_str(&l3, VT, "fact_check");
	set_raw(&l3, "mcp.feedback_iterations", 100);
	push(&f, &l1);
	push(&f, &l2);
	push(&f, &l3);
	HIST(&f, 2, 6.0, "mcp_feedback_loop_iterations", 1, VT, "fact_check");
	CHECK_EQ_INT(nseries(&f, "mcp_feedback_loop_iterations"), 1);
	fx_free(&f);
}

/* ---- up-down counters whose attribute is read at return ------------------ */

/* mcp.collaboration_type read from memory at return (the default for a span's
 * argN[OFF]): the start record does not have it yet. Whatever series the
 * entry incremented, the return must bring back to zero; none may go
 * negative. */
static void test_updown_return_attr(void)
{
	struct fx f;

	if (!fx_init(&f, "span agent_collaboration collab_run\n"
			 "    mcp.collaboration_type = arg0[0] as str\n"
			 "span model_routing route\n"
			 "    mcp.model_type = arg0[0] as str\n", FX_SPANS_DROP))
		return;
	struct rb a = fx_rec(&f, "collab_run", 0xe1, 0, 0, SEC, 0);
	struct rb r = fx_rec(&f, "route", 0xe2, 0, 0, SEC, 0);

	set_str(&a, CT, "peer");
	set_str(&r, MT, "gpt-4");
	push_start(&f, &a);
	push_start(&f, &r);
	push(&f, &a);
	push(&f, &r);
	NO_NEGATIVE(&f, "mcp_active_agent_collaborations");
	NO_NEGATIVE(&f, "mcp_active_model_routings");
	long long sum = 0, nonzero = 0;

	for (size_t i = 0; i < f.p.ms.n; i++) {
		const struct series *s = f.p.ms.all[i];

		if (ms_metric_def(s->metric)->kind != MK_UPDOWN)
			continue;
		sum += s->v.i;
		nonzero += s->v.i != 0;
	}
	CHECK_EQ_INT(sum, 0);
	CHECK_EQ_INT(nonzero, 0); /* no series left at +1 */
	COUNTER(&f, 1, "mcp_agent_collaboration_total", 2, CT, "peer", OK, "true");
	fx_free(&f);
}

/* ---- decoding ------------------------------------------------------------- */

static const struct attr *attr_of(const struct call *c, const char *key)
{
	return attr_find(c->attrs, c->nattrs, key);
}

static void test_decoding(void)
{
	struct fx f;
	struct call c;
	char buf[64];

	if (!fx_init(&f, "span consensus_building cb\n"
			 "    a.bool = arg0 as bool\n"
			 "    a.char = arg1 as char\n"
			 "    a.short = arg2 as short\n"
			 "    a.uint = arg3 as uint\n"
			 "    a.int = arg4 as int\n"
			 "    a.long = arg5\n"
			 "    a.float = arg0[0] as float\n"
			 "    a.double = arg0[8] as double\n"
			 "    a.enum = arg0[16] as enum(red|green|blue)\n"
			 "    a.ulong = arg0[24] as ulong\n"
			 "    a.str = arg1 as str\n"
			 "    a.const = \"fixed\"\n"
			 "    fail if ret as long < 0\n"
			 "span plan_validation pv\n"
			 "    mcp.plan_type = arg0 as str\n"
			 "    mcp.validation_result = arg1 as enum(invalid|valid)\n"
			 "    fail if arg2[0] as char == 1\n"
			 "span workflow_step ws\n"
			 "    mcp.step_type = arg0 as str\n"
			 "    fail if ret as uint > 100\n"
			 "span workflow_execution we\n"
			 "    mcp.workflow_type = arg0 as str\n"
			 "    fail if ret as bool == 1\n"
			 "span plan_execution pe\n"
			 "    mcp.plan_type = arg0 as str\n"
			 "    fail if ret as ulong > 100\n", FX_SPANS_DROP))
		return;
	struct rb x = fx_rec(&f, "cb", 1, 0, 0, SEC, 0);

	set_raw(&x, "a.bool", 0xffffffffffffff00ULL);   /* low byte 0: false */
	set_raw(&x, "a.char", 0x12345680ULL);           /* (signed char)0x80 */
	set_raw(&x, "a.short", 0xffff00000000fffeULL);  /* -2 */
	set_raw(&x, "a.uint", 0xaaaaaaaaffffffffULL);   /* 4294967295 */
	set_raw(&x, "a.int", 0x00000000ffffff92ULL);    /* -110 */
	set_raw(&x, "a.long", 0xfffffffffffffff6ULL);   /* -10 */
	set_float(&x, "a.float", 1.5f);
	set_double(&x, "a.double", -2.25);
	set_raw(&x, "a.enum", 2);
	set_raw(&x, "a.ulong", 42);
	set_str(&x, "a.str", "hello");
	uprobe_decode(&c, &x.r, sizeof(x.r), x.b);
	CHECK(!c.failed);
	CHECK(c.error_type == NULL);
	const struct attr *a;

	CHECK((a = attr_of(&c, "a.bool")) && a->type == AT_BOOL && !a->b);
	CHECK((a = attr_of(&c, "a.char")) && a->type == AT_INT && a->i == -128);
	CHECK((a = attr_of(&c, "a.short")) && a->type == AT_INT && a->i == -2);
	CHECK((a = attr_of(&c, "a.uint")) && a->type == AT_INT && a->i == 4294967295LL);
	CHECK((a = attr_of(&c, "a.int")) && a->type == AT_INT && a->i == -110);
	CHECK((a = attr_of(&c, "a.long")) && a->type == AT_INT && a->i == -10);
	CHECK((a = attr_of(&c, "a.float")) && a->type == AT_DOUBLE && a->d == 1.5);
	CHECK((a = attr_of(&c, "a.double")) && a->type == AT_DOUBLE && a->d == -2.25);
	CHECK((a = attr_of(&c, "a.enum")) && a->type == AT_STR && !strcmp(a->s, "blue"));
	CHECK((a = attr_of(&c, "a.ulong")) && a->type == AT_INT && a->i == 42);
	CHECK((a = attr_of(&c, "a.str")) && a->type == AT_STR && !strcmp(a->s, "hello"));
	CHECK((a = attr_of(&c, "a.const")) && a->type == AT_STR && !strcmp(a->s, "fixed"));
	CHECK(!attr_of(&c, "")); /* the hidden `fail if` value is no attribute */
	CHECK_EQ_INT(c.nattrs, 12);
	/* metric text of each type */
	CHECK_STR_EQ(call_metric_attr(&c, "a.bool", buf, sizeof(buf)), "false");
	CHECK_STR_EQ(call_metric_attr(&c, "a.char", buf, sizeof(buf)), "-128");
	CHECK_STR_EQ(call_metric_attr(&c, "a.uint", buf, sizeof(buf)), "4294967295");
	CHECK_STR_EQ(call_metric_attr(&c, "a.int", buf, sizeof(buf)), "-110");
	CHECK_STR_EQ(call_metric_attr(&c, "a.float", buf, sizeof(buf)), "1.5");
	CHECK_STR_EQ(call_metric_attr(&c, "a.enum", buf, sizeof(buf)), "blue");
	CHECK_STR_EQ(call_metric_attr(&c, "a.ulong", buf, sizeof(buf)), "42");
	CHECK_STR_EQ(call_metric_attr(&c, "a.const", buf, sizeof(buf)), "fixed");
	CHECK_STR_EQ(call_metric_attr(&c, "missing", buf, sizeof(buf)), "");
	CHECK_STR_EQ(call_metric_attr(&c, "mcp.success", buf, sizeof(buf)), "true");
	CHECK_STR_EQ(call_metric_attr(&c, "mcp.error_type", buf, sizeof(buf)), "");
	CHECK_STR_EQ(call_metric_attr(&c, "mcp.plan_operation=execute", buf, sizeof(buf)), "execute");

	/* the boolean: a non-zero low byte is true; a longer string is cut to 63 */
	char longs[100];

	memset(longs, 'x', sizeof(longs));
	set_raw(&x, "a.bool", 0x2);
	set_raw(&x, "a.enum", (uint32_t)-1); /* negative: out of range */
	memcpy(x.r.strs[cap_of(x.b, "a.str")->spec.slot], longs, MCP_STR_LEN); /* no NUL */
	x.r.ret = -1; /* `fail if ret as long < 0` */
	x.r.vals[x.b->caps[x.b->fail.cap].spec.slot] = (uint64_t)-1;
	uprobe_decode(&c, &x.r, sizeof(x.r), x.b);
	CHECK((a = attr_of(&c, "a.bool")) && a->type == AT_BOOL && a->b);
	CHECK((a = attr_of(&c, "a.enum")) && a->type == AT_STR && !strcmp(a->s, "-1"));
	CHECK((a = attr_of(&c, "a.str")) && strlen(a->s) == MCP_STR_LEN - 1);
	CHECK(c.failed);
	CHECK_STR_EQ(c.error_type, "_OTHER");
	CHECK_STR_EQ(call_metric_attr(&c, "mcp.success", buf, sizeof(buf)), "false");
	CHECK_STR_EQ(call_metric_attr(&c, "mcp.error_type", buf, sizeof(buf)), "_OTHER");

	/* a start record decodes no return-time capture and never fails */
	decode_start(&c, &x);
	CHECK(!c.failed);
	CHECK(!attr_of(&c, "a.float") && !attr_of(&c, "a.double") && !attr_of(&c, "a.enum"));
	CHECK(attr_of(&c, "a.int") && attr_of(&c, "a.str") && attr_of(&c, "a.const"));

	/* enum in a register: its low 32 bits */
	struct rb v = fx_rec(&f, "pv", 2, 0, 0, SEC, 0);

	set_str(&v, "mcp.plan_type", "p");
	set_raw(&v, "mcp.validation_result", 0xffffffff00000001ULL);
	uprobe_decode(&c, &v.r, sizeof(v.r), v.b);
	CHECK((a = attr_of(&c, "mcp.validation_result")) && !strcmp(a->s, "valid"));
	CHECK(!c.failed);
	v.r.vals[v.b->caps[v.b->fail.cap].spec.slot] = 1; /* `fail if arg2[0] as char == 1` */
	uprobe_decode(&c, &v.r, sizeof(v.r), v.b);
	CHECK(c.failed);
	v.r.vals[v.b->caps[v.b->fail.cap].spec.slot] = 0x101; /* only one byte is read: still 1 */
	uprobe_decode(&c, &v.r, sizeof(v.r), v.b);
	CHECK(c.failed);

	/* `fail if ret as uint > 100`: 0xffffffff is 4294967295, not -1 */
	struct rb w = fx_rec(&f, "ws", 3, 0, 0, SEC, 0xffffffffffffffffULL);

	set_str(&w, "mcp.step_type", "s");
	uprobe_decode(&c, &w.r, sizeof(w.r), w.b);
	CHECK(c.failed);
	w = fx_rec(&f, "ws", 3, 0, 0, SEC, 0xffffffff00000064ULL); /* 100 */
	uprobe_decode(&c, &w.r, sizeof(w.r), w.b);
	CHECK(!c.failed);

	/* `fail if ret as bool == 1` */
	struct rb e = fx_rec(&f, "we", 4, 0, 0, SEC, 0x7700000000000001ULL);

	uprobe_decode(&c, &e.r, sizeof(e.r), e.b);
	CHECK(c.failed);
	e = fx_rec(&f, "we", 4, 0, 0, SEC, 0x100);
	uprobe_decode(&c, &e.r, sizeof(e.r), e.b);
	CHECK(!c.failed);

	/* `fail if ret as ulong > 100`: 2^63 and up are large, not negative */
	struct rb u = fx_rec(&f, "pe", 5, 0, 0, SEC, 0x8000000000000000ULL);

	uprobe_decode(&c, &u.r, sizeof(u.r), u.b);
	CHECK(c.failed);
	u = fx_rec(&f, "pe", 5, 0, 0, SEC, 99);
	uprobe_decode(&c, &u.r, sizeof(u.r), u.b);
	CHECK(!c.failed);
	fx_free(&f);
}

/* The same call through the pipeline: the series carry the narrowed values. */
static void test_metric_attr_types(void)
{
	struct fx f;

	if (!fx_init(&f, "span agent_iteration it\n"
			 "    mcp.agent_name = arg0 as char\n"
			 "    mcp.collaboration_type = arg1[0] as enum(peer|hierarchical)\n"
			 "    mcp.agent_contribution = arg1[8] as float\n"
			 "span workflow_step ws\n"
			 "    mcp.step_type = arg0 as bool\n"
			 "    mcp.step_name = arg1 as short\n", FX_SPANS_DROP))
		return;
	struct rb x = fx_rec(&f, "it", 1, 0, 0, SEC, 0);

	set_raw(&x, "mcp.agent_name", 0xfffffffffffffffdULL); /* -3 */
	set_raw(&x, CT, 7);                                   /* no label */
	set_float(&x, "mcp.agent_contribution", 0.5f);
	push(&f, &x);
	COUNTER(&f, 1, "mcp_agent_participation_total", 2, "mcp.agent_name", "-3", CT, "7");
	HIST(&f, 1, 0.5, "mcp_agent_contribution_score", 2, "mcp.agent_name", "-3", CT, "7");
	set_raw(&x, CT, 1);
	push(&f, &x);
	COUNTER(&f, 1, "mcp_agent_participation_total", 2, "mcp.agent_name", "-3", CT, "hierarchical");

	struct rb s = fx_rec(&f, "ws", 2, 0, 0, SEC, 0);

	set_raw(&s, ST, 1);
	set_raw(&s, "mcp.step_name", 0x8000);
	push(&f, &s);
	COUNTER(&f, 1, "mcp_workflow_step_total", 2, ST, "true", OK, "true");
	/* no fail rule: no call fails, whatever it returns */
	s.r.ret = -1;
	push(&f, &s);
	COUNTER(&f, 2, "mcp_workflow_step_total", 2, ST, "true", OK, "true");
	CHECK_EQ_INT(nseries(&f, "mcp_workflow_step_errors_total"), 0);
	fx_free(&f);
}

/* OpenTelemetry's GenAI metrics carry the attributes a call has and no
 * empty ones: error.type only on a failed call, server.port with
 * server.address (both missing once: error.type="" on every success, no
 * server.port). The seed's own metrics keep their labels, "" when unknown. */
static void test_semconv_metric_attrs(void)
{
	struct fx f;

	if (!fx_init(&f, "span llm_chat chat\n"
			 "    gen_ai.provider.name = \"openai\"\n"
			 "    gen_ai.request.model = \"gpt-4o\"\n"
			 "    server.address = \"api.example\"\n"
			 "    server.port = arg0 as int\n"
			 "    fail if ret < 0\n"
			 "    error.type = arg1 as str\n", FX_SPANS_DROP))
		return;
	struct rb ok = fx_rec(&f, "chat", 1, 0, 0, SEC, 0), bad = fx_rec(&f, "chat", 2, 0, 2 * SEC, 3 * SEC, -1);

	set_raw(&ok, "server.port", 443);
	set_raw(&bad, "server.port", 443);
	set_str(&bad, "error.type", "429");
	push(&f, &ok);
	push(&f, &bad);
	HIST(&f, 1, 1.0, "gen_ai.client.operation.duration", 5, "gen_ai.operation.name", "chat",
	     "gen_ai.provider.name", "openai", "gen_ai.request.model", "gpt-4o", "server.address", "api.example",
	     "server.port", "443");
	HIST(&f, 1, 1.0, "gen_ai.client.operation.duration", 6, "gen_ai.operation.name", "chat",
	     "gen_ai.provider.name", "openai", "gen_ai.request.model", "gpt-4o", "server.address", "api.example",
	     "server.port", "443", "error.type", "429");
	CHECK_EQ_INT(nseries(&f, "gen_ai.client.operation.duration"), 2);
	/* the seed's label: present, "" when the model is unknown */
	COUNTER(&f, 1, "mcp_model_errors_total", 2, "mcp.model_type", "unknown", "mcp.error_type", "429");
	fx_free(&f);
}

/* The per-binding "active" count (summary, live view) follows the same rule
 * as the up-down metric: a call whose start was lost does not end another's. */
static void test_binding_stats_active(void)
{
	struct fx f;

	if (!fx_init(&f, collab_map, FX_SPANS_DROP))
		return;
	int bi = binding_of(&f, "collab_run");
	struct rb lost = fx_rec(&f, "collab_run", 0x501, 0, 0, SEC, 0);
	struct rb open1 = fx_rec(&f, "collab_run", 0x502, 0, 0, 5 * SEC, 0);

	set_str(&lost, CT, "peer");
	set_str(&open1, CT, "peer");
	push_start(&f, &open1);
	CHECK_EQ_INT(f.p.stats.v[bi].active, 1);
	push(&f, &lost); /* its start never came */
	COUNTER(&f, 1, "mcp_active_agent_collaborations", 1, CT, "peer");
	CHECK_EQ_INT(f.p.stats.v[bi].active, 1); /* open1 is still running */
	push(&f, &open1);
	COUNTER(&f, 0, "mcp_active_agent_collaborations", 1, CT, "peer");
	CHECK_EQ_INT(f.p.stats.v[bi].active, 0);
	CHECK_EQ_INT(f.p.stats.v[bi].calls, 2);
	CHECK_EQ_INT(f.p.stats.v[bi].errors, 0);
	CHECK_EQ_INT(exph_count(f.p.stats.v[bi].lat), 2);
	fx_free(&f);
}

/* ---- captures the kernel could not read ----------------------------------- */

/* Marks capture `key` of record x as unreadable, as the BPF side does: the
 * bit of its index among the binding's non-constant captures (the spec). */
static void set_unread(struct rb *x, const char *key)
{
	int i = 0;

	for (int k = 0; k < x->b->ncaps; k++) {
		if (x->b->caps[k].type == PT_CONST)
			continue;
		if (!strcmp(x->b->caps[k].key, key)) {
			x->r.cap_failed |= 1u << i;
			return;
		}
		i++;
	}
	UNIT_FAIL("no capture %s", key);
}

static const char unread_map[] =
	"span plan_creation plan_create\n"
	"    mcp.plan_type = arg0 as str\n"
	"    mcp.plan_operation_tag = \"create\"\n"
	"    mcp.plan_steps = arg1[0] as int\n"
	"    fail if ret < 0\n"
	"span plan_execution plan_exec\n"
	"    mcp.plan_type = arg0[0]@entry as str\n"
	"    fail if ret < 0\n";

/* Defect 12: a failed read was exported as 0 or "" and counted nowhere
 * (mcp.plan_steps = arg1[0x7fffffff] gave mcp_plan_steps observations of 0).
 * Now the attribute is left out, nothing is recorded from it, and the
 * failure is counted per binding, once per call (not again for the start
 * record of an operation with an "active" count). */
static void test_capture_errors(void)
{
	struct fx f;

	if (!fx_init(&f, unread_map, FX_SPANS_DROP))
		return;
	int bc = binding_of(&f, "plan_create"), be = binding_of(&f, "plan_exec");
	struct rb ok = fx_rec(&f, "plan_create", 0x601, 0, 0, SEC, 0);
	struct rb bad = fx_rec(&f, "plan_create", 0x602, 0, 0, SEC, 0);
	struct rb both = fx_rec(&f, "plan_create", 0x603, 0, 0, SEC, 0);

	set_str(&ok, PT, "linear");
	set_raw(&ok, "mcp.plan_steps", 5);
	set_str(&bad, PT, "linear");
	set_unread(&bad, "mcp.plan_steps"); /* the kernel left a 0 there */
	set_unread(&both, PT);
	set_unread(&both, "mcp.plan_steps");
	push(&f, &ok);
	push(&f, &bad);
	push(&f, &both);
	static struct call c;

	CHECK_EQ_INT(uprobe_decode(&c, &bad.r, sizeof(bad.r), bad.b), 0);
	CHECK(attr_find(c.attrs, c.nattrs, "mcp.plan_steps") == NULL);
	CHECK(attr_find(c.attrs, c.nattrs, PT) != NULL);
	CHECK(attr_find(c.attrs, c.nattrs, "mcp.plan_operation_tag") != NULL); /* a constant */
	CHECK_EQ_INT(c.rec.capture_errors, 1);
	HIST(&f, 1, 5, "mcp_plan_steps", 1, PT, "linear"); /* not 2 with a 0 */
	CHECK(!find(&f, "mcp_plan_steps", 1, PT, ""));
	COUNTER(&f, 2, "mcp_plan_operations_total", 3, PO, "create", PT, "linear", OK, "true");
	COUNTER(&f, 1, "mcp_plan_operations_total", 3, PO, "create", PT, "", OK, "true");
	COUNTER(&f, 3, "mcp_bpftrace_capture_errors_total", 1, "binding", "plan_create");
	CHECK_EQ_INT(f.p.stats.v[bc].capture_errors, 3);
	CHECK_EQ_INT(f.p.stats.v[bc].calls, 3);

	/* An entry capture that failed: in the start record and again in the
	 * end record; one error. */
	struct rb ex = fx_rec(&f, "plan_exec", 0x611, 0, 0, SEC, 0);

	set_unread(&ex, PT);
	push_start(&f, &ex);
	push(&f, &ex);
	COUNTER(&f, 1, "mcp_bpftrace_capture_errors_total", 1, "binding", "plan_exec");
	CHECK_EQ_INT(f.p.stats.v[be].capture_errors, 1);
	fx_free(&f);
}

/* Records the pipeline must refuse, and resources by pid. */
static void test_bad_records(void)
{
	struct fx f;

	if (!fx_init(&f, collab_map, FX_SPANS_DROP))
		return;
	struct rb a = fx_rec(&f, "collab_run", 1, 0, 0, SEC, 0);
	struct mcp_call_rec bad = a.r;

	set_str(&a, CT, "peer");
	bad.binding = (unsigned short)f.pm.n; /* out of range */
	push_record(&f, &bad);
	bad = a.r;
	bad.h.type = 9; /* unknown type */
	push_record(&f, &bad);
	push_record_len(&f, &a.r, MCP_CALL_REC_SIZE(0) - 1); /* shorter than any record */
	bad = a.r;
	bad.h.size = sizeof(bad) + 1; /* longer than it came */
	push_record(&f, &bad);
	bad = a.r;
	bad.nstrs = 2; /* two string slots... */
	bad.h.size = MCP_CALL_REC_SIZE(1); /* ...in a record sized for one */
	push_record(&f, &bad);
	CHECK_EQ_INT(f.p.bad_records, 5);
	CHECK_EQ_INT(f.p.ms.n, 0);
	push(&f, &a);
	CHECK_EQ_INT(f.p.bad_records, 5);
	CHECK_EQ_INT(f.p.rt->n, 1);
	CHECK_EQ_INT(f.p.rt->v[0].pid, getpid());
	{
		const struct series *s = find(&f, "mcp_agent_collaboration_total", 2, CT, "peer", OK, "true");

		CHECK(s && s->resource == 0);
	}
	fx_free(&f);
}

int main(void)
{
	test_collaboration();
	test_routing();
	test_workflow();
	test_plan();
	test_verification();
	test_updown_return_attr();
	test_decoding();
	test_metric_attr_types();
	test_semconv_metric_attrs();
	test_binding_stats_active();
	test_bad_records();
	test_capture_errors();
	UNIT_DONE();
}
