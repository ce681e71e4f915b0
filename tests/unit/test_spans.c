/* Unit tests of the span builder (user/spans.c) behind the uprobe decoder and pipeline_call():
 * records built by hand become spans with the catalog's names, kinds,
 * attributes, events and status (README.md, "How each operation is counted"),
 * point events land on the span they fired in, and sinks may keep spans. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "call.h"
#include "source/uprobe/uprobe_decode.h"
#include "catalog.h"
#include "aggregate/pipeline.h"
#include "probe_map.h"
#include "target/resources.h"
#include "aggregate/spans.h"

#define T0 (5000 * SEC)
#define FX_TRACE_ID {0x1111222233334444ULL, 0x5555666677778888ULL}
#include "pipeline_fixture.h"

/* ---- fixture ----------------------------------------------------------- */

/* A second sink that only looks: it must see the same span, in order. */
struct peeker {
	struct keeper *after; /* runs after the keeper: it must already hold it */
	int calls, refs_seen_ok;
};

static void peek_span(void *ctx, struct span *s)
{
	struct peeker *p = ctx;

	p->calls++;
	p->refs_seen_ok += p->after->n > 0 && p->after->v[p->after->n - 1] == s && s->refs == 2;
}

/* A call as fx_rec() builds it, made on a thread other than the main one
 * (tid != pid). */
static struct rb rec(const struct fx *f, const char *sym, uint64_t span, uint64_t parent,
		     uint64_t start, uint64_t end, uint64_t ret)
{
	struct rb x = fx_rec(f, sym, span, parent, start, end, ret);

	x.r.h.tid = (unsigned)getpid() + 1;
	return x;
}

/* ---- span lookups -------------------------------------------------------- */

static struct span *span_by_id(struct fx *f, uint64_t id)
{
	for (int i = 0; i < f->k.n; i++)
		if (f->k.v[i]->call.rec.span_id == id)
			return f->k.v[i];
	return NULL;
}

static int count_key(const struct attr *v, int n, const char *key)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += !strcmp(v[i].key, key);
	return c;
}

static void attr_str_at(int line, const struct attr *v, int n, const char *key, const char *want)
{
	const struct attr *a = attr_find(v, n, key);

	if (!a)
		UNIT_FAIL("line %d: no attribute %s", line, key);
	else if (a->type != AT_STR)
		UNIT_FAIL("line %d: %s has type %d, want a string", line, key, a->type);
	else if (count_key(v, n, key) != 1)
		UNIT_FAIL("line %d: %s appears %d times", line, key, count_key(v, n, key));
	else if (strcmp(a->s, want))
		UNIT_FAIL("line %d: %s = \"%s\", want \"%s\"", line, key, a->s, want);
	else
		UNIT_PASS();
}
#define ATTR_STR(v, n, key, want) attr_str_at(__LINE__, v, n, key, want)
#define SPAN_STR(s, key, want) ATTR_STR((s)->attrs, (s)->nattrs, key, want)

static const struct attr *span_attr(const struct span *s, const char *key)
{
	return attr_find(s->attrs, s->nattrs, key);
}

/* ---- tests --------------------------------------------------------------- */

static const char wf_map[] =
	"span workflow_execution wf_run\n"
	"    mcp.workflow_type = arg0 as str\n"
	"    mcp.workflow_id = arg1 as long\n"
	"    fail if ret < 0\n"
	"    error.type = arg2[0] as str\n"
	"span workflow_step wf_step\n"
	"    mcp.step_name = arg0 as str\n"
	"    mcp.step_type = arg1 as str\n"
	"    fail if ret != 0\n"
	"span workflow_step wf_step_anon\n"
	"    mcp.step_type = arg1 as str\n"
	"point workflow_branch wf_branch\n"
	"    mcp.branch_name = arg0 as str\n"
	"point workflow_retry wf_retry\n"
	"    mcp.step_name = arg0 as str\n"
	"    mcp.attempt = arg1 as int\n"
	"point workflow_rollback wf_rollback\n"
	"    mcp.reason = arg0 as str\n";

/* One workflow with two steps; points on both levels; the second step fails. */
static void test_workflow_spans(void)
{
	struct fx f;
	struct peeker pk;

	if (!fx_init(&f, wf_map, FX_SPANS_CHECK))
		return;
	pk = (struct peeker){.after = &f.k};
	CHECK_EQ_INT(span_builder_add_sink(f.p.sb, peek_span, &pk), 0);

	struct rb run = rec(&f, "wf_run", 0xa0, 0, 0, 10 * SEC, 0);
	struct rb st1 = rec(&f, "wf_step", 0xa1, 0xa0, SEC, 3 * SEC, 0);
	struct rb st2 = rec(&f, "wf_step", 0xa2, 0xa0, 4 * SEC, 4 * SEC + 1500000, 0xffffffff00000002ULL);
	struct rb br = rec(&f, "wf_branch", 0, 0xa1, 2 * SEC, 0, 0);
	struct rb r1 = rec(&f, "wf_retry", 0, 0xa2, 4 * SEC + 100, 0, 0);
	struct rb r2 = rec(&f, "wf_retry", 0, 0xa2, 4 * SEC + 200, 0, 0);
	struct rb rb = rec(&f, "wf_rollback", 0, 0xa0, 5 * SEC, 0, 0);

	set_str(&run, "mcp.workflow_type", "etl");
	set_raw(&run, "mcp.workflow_id", (uint64_t)-7);
	set_str(&run, "error.type", "not_an_error"); /* ok call: must not show */
	set_str(&st1, "mcp.step_name", "fetch");
	set_str(&st1, "mcp.step_type", "io");
	set_str(&st2, "mcp.step_name", "transform");
	set_str(&st2, "mcp.step_type", "cpu");
	set_str(&br, "mcp.branch_name", "fast");
	set_str(&r1, "mcp.step_name", "transform");
	set_raw(&r1, "mcp.attempt", 1);
	set_str(&r2, "mcp.step_name", "transform");
	set_raw(&r2, "mcp.attempt", 0xffffffff00000002ULL);
	set_str(&rb, "mcp.reason", "bad_input");

	push(&f, &br);
	CHECK_EQ_INT(span_builder_orphan_points(f.p.sb), 1);
	push(&f, &st1);
	CHECK_EQ_INT(span_builder_orphan_points(f.p.sb), 0);
	push(&f, &r1);
	push(&f, &r2);
	CHECK_EQ_INT(span_builder_orphan_points(f.p.sb), 2);
	push(&f, &st2);
	push(&f, &rb);
	CHECK_EQ_INT(span_builder_orphan_points(f.p.sb), 1);
	push(&f, &run);
	CHECK_EQ_INT(span_builder_orphan_points(f.p.sb), 0);
	CHECK_EQ_INT(f.k.n, 3); /* points are no spans */
	CHECK_EQ_INT(f.k.calls, 3);
	CHECK_EQ_INT(pk.calls, 3);
	CHECK_EQ_INT(pk.refs_seen_ok, 3);

	/* step 1: ok, one branch event */
	struct span *s = span_by_id(&f, 0xa1);

	CHECK(s != NULL);
	if (s) {
		CHECK_STR_EQ(s->name, "workflow_step_fetch");
		CHECK_EQ_INT(s->kind, SK_INTERNAL);
		CHECK(!s->error);
		CHECK_EQ_INT(s->resource, 0);
		CHECK_EQ_INT(s->call.rec.parent_id, 0xa0);
		CHECK_EQ_INT(s->call.rec.trace_id[0], 0x1111222233334444ULL);
		SPAN_STR(s, "mcp.service", "workflow-orchestrator");
		SPAN_STR(s, "mcp.operation", "workflow_step");
		SPAN_STR(s, "mcp.step_name", "fetch");
		SPAN_STR(s, "mcp.step_type", "io");
		const struct attr *a = span_attr(s, "mcp.step_success");

		CHECK(a && a->type == AT_BOOL && a->b);
		a = span_attr(s, "mcp.step_duration_ms");
		CHECK(a && a->type == AT_DOUBLE && a->d == 2000.0);
		CHECK(!span_attr(s, "error.type"));
		CHECK(!span_attr(s, "")); /* no hidden `fail if` value */
		CHECK_EQ_INT(s->nevents, 3);
		if (s->nevents == 3) {
			CHECK_STR_EQ(s->events[0].name, "Workflow step started");
			CHECK_EQ_INT(s->events[0].time_ns, T0 + SEC);
			CHECK_EQ_INT(s->events[0].nattrs, 0);
			CHECK_STR_EQ(s->events[1].name, "Branch taken");
			CHECK_EQ_INT(s->events[1].time_ns, T0 + 2 * SEC);
			ATTR_STR(s->events[1].attrs, s->events[1].nattrs, "mcp.branch_name", "fast");
			CHECK_STR_EQ(s->events[2].name, "Workflow step completed");
			CHECK_EQ_INT(s->events[2].time_ns, T0 + 3 * SEC);
		}
	}

	/* step 2: failed (ret 2), no error.type bound: _OTHER; two retries in order */
	s = span_by_id(&f, 0xa2);
	CHECK(s != NULL);
	if (s) {
		CHECK_STR_EQ(s->name, "workflow_step_transform");
		CHECK(s->error);
		SPAN_STR(s, "error.type", "_OTHER");
		const struct attr *a = span_attr(s, "mcp.step_success");

		CHECK(a && a->type == AT_BOOL && !a->b);
		a = span_attr(s, "mcp.step_duration_ms");
		CHECK(a && a->type == AT_DOUBLE && a->d > 1.5 - 1e-9 && a->d < 1.5 + 1e-9);
		CHECK_EQ_INT(s->nevents, 5);
		if (s->nevents == 5) {
			CHECK_STR_EQ(s->events[0].name, "Workflow step started");
			CHECK_EQ_INT(s->events[0].time_ns, T0 + 4 * SEC);
			CHECK_STR_EQ(s->events[1].name, "Step retry");
			CHECK_EQ_INT(s->events[1].time_ns, T0 + 4 * SEC + 100);
			ATTR_STR(s->events[1].attrs, s->events[1].nattrs, "mcp.step_name", "transform");
			a = attr_find(s->events[1].attrs, s->events[1].nattrs, "mcp.attempt");
			CHECK(a && a->type == AT_INT && a->i == 1);
			CHECK_STR_EQ(s->events[2].name, "Step retry");
			CHECK_EQ_INT(s->events[2].time_ns, T0 + 4 * SEC + 200);
			a = attr_find(s->events[2].attrs, s->events[2].nattrs, "mcp.attempt");
			CHECK(a && a->type == AT_INT && a->i == 2);
			CHECK_STR_EQ(s->events[3].name, "Workflow step failed");
			CHECK_EQ_INT(s->events[3].time_ns, T0 + 4 * SEC + 1500000);
			ATTR_STR(s->events[3].attrs, s->events[3].nattrs, "mcp.error_type", "_OTHER");
			CHECK_STR_EQ(s->events[4].name, "exception");
			CHECK_EQ_INT(s->events[4].time_ns, T0 + 4 * SEC + 1500000);
			ATTR_STR(s->events[4].attrs, s->events[4].nattrs, "exception.type", "_OTHER");
			/* the return value as the binding's C type (int 2) */
			ATTR_STR(s->events[4].attrs, s->events[4].nattrs, "exception.message", "returned 2");
		}
	}

	/* the workflow: SERVER, ok, the bound error name left out, a rollback */
	s = span_by_id(&f, 0xa0);
	CHECK(s != NULL);
	if (s) {
		CHECK_STR_EQ(s->name, "workflow_execution");
		CHECK_EQ_INT(s->kind, SK_SERVER);
		CHECK(!s->error);
		CHECK(!span_attr(s, "error.type"));
		SPAN_STR(s, "mcp.service", "workflow-orchestrator");
		SPAN_STR(s, "mcp.operation", "workflow_execution");
		SPAN_STR(s, "mcp.workflow_type", "etl");
		const struct attr *a = span_attr(s, "mcp.workflow_id");

		CHECK(a && a->type == AT_INT && a->i == -7);
		a = span_attr(s, "mcp.workflow_success");
		CHECK(a && a->type == AT_BOOL && a->b);
		CHECK(!span_attr(s, "mcp.workflow_duration_ms")); /* the catalog has none */
		CHECK_EQ_INT(s->nevents, 3);
		if (s->nevents == 3) {
			CHECK_STR_EQ(s->events[0].name, "Workflow execution started");
			CHECK_EQ_INT(s->events[0].time_ns, T0);
			CHECK_STR_EQ(s->events[1].name, "Rollback");
			ATTR_STR(s->events[1].attrs, s->events[1].nattrs, "mcp.reason", "bad_input");
			CHECK_STR_EQ(s->events[2].name, "Workflow execution completed");
			CHECK_EQ_INT(s->events[2].time_ns, T0 + 10 * SEC);
		}
	}

	/* the span name with its attribute left unbound */
	struct rb an = rec(&f, "wf_step_anon", 0xa3, 0, 0, SEC, 0);

	set_str(&an, "mcp.step_type", "io");
	push(&f, &an);
	s = span_by_id(&f, 0xa3);
	CHECK(s && !strchr(s->name, '{') && !strchr(s->name, '}'));
	CHECK(s && !strncmp(s->name, "workflow_step_", 14) && strlen(s->name) > 14);
	fx_free(&f);
}

static const char collab_map[] =
	"span agent_collaboration collab\n"
	"    mcp.collaboration_type = arg0 as str\n"
	"    fail if ret < 0\n"
	"    error.type = arg1[0] as str\n"
	"span agent_iteration iter\n"
	"    mcp.agent_name = arg0 as str\n"
	"    mcp.collaboration_type = arg1 as str\n"
	"span consensus_building consensus\n"
	"span model_routing route\n"
	"    mcp.model_type = arg0 as str\n"
	"    mcp.operation = \"routing_custom\"\n"
	"    fail if ret < 0\n"
	"    error.type = arg1[0] as str\n"
	"point model_cache_hit cache_hit\n"
	"    mcp.model_type = arg0 as str\n"
	"point model_cache_miss cache_miss\n"
	"span verification verify\n"
	"    mcp.verification_type = arg0 as str\n"
	"    fail if ret < 0\n";

static void test_failed_and_names(void)
{
	struct fx f;

	if (!fx_init(&f, collab_map, FX_SPANS_CHECK))
		return;
	/* failed: -ETIMEDOUT as an int with garbage above */
	struct rb c = rec(&f, "collab", 0xb0, 0, 0, 2 * SEC, 0x00000000ffffff92ULL);
	struct rb it = rec(&f, "iter", 0xb1, 0xb0, SEC / 2, SEC, 0);
	struct rb cb = rec(&f, "consensus", 0xb2, 0xb0, SEC, SEC + SEC / 4, 0);

	set_str(&c, "mcp.collaboration_type", "peer");
	set_str(&c, "error.type", "timeout");
	set_str(&it, "mcp.agent_name", "alice");
	set_str(&it, "mcp.collaboration_type", "peer");
	push(&f, &it);
	push(&f, &cb);
	push(&f, &c);
	CHECK_EQ_INT(f.k.n, 3);

	struct span *s = span_by_id(&f, 0xb1);

	if (s) {
		CHECK_STR_EQ(s->name, "agent_iteration_alice");
		CHECK_EQ_INT(s->kind, SK_INTERNAL);
		SPAN_STR(s, "mcp.service", "agent-collaboration");
		SPAN_STR(s, "mcp.operation", "agent_iteration");
		const struct attr *a = span_attr(s, "mcp.iteration_duration_ms");

		CHECK(a && a->type == AT_DOUBLE && a->d == 500.0);
		a = span_attr(s, "mcp.iteration_success");
		CHECK(a && a->type == AT_BOOL && a->b);
		CHECK_STR_EQ(s->events[0].name, "Agent iteration started");
		CHECK_STR_EQ(s->events[s->nevents - 1].name, "Agent iteration completed");
	} else {
		UNIT_FAIL("no agent_iteration span");
	}
	s = span_by_id(&f, 0xb2);
	if (s) {
		CHECK_STR_EQ(s->name, "consensus_building");
		CHECK(!span_attr(s, "mcp.consensus_success")); /* no success attribute */
		const struct attr *a = span_attr(s, "mcp.consensus_duration_ms");

		CHECK(a && a->type == AT_DOUBLE && a->d == 250.0);
		CHECK_STR_EQ(s->events[0].name, "Consensus building started");
	} else {
		UNIT_FAIL("no consensus_building span");
	}
	s = span_by_id(&f, 0xb0);
	if (s) {
		CHECK_STR_EQ(s->name, "agent_collaboration_session");
		CHECK_EQ_INT(s->kind, SK_SERVER);
		CHECK(s->error);
		CHECK_STR_EQ(s->call.error_type, "timeout");
		SPAN_STR(s, "error.type", "timeout");
		SPAN_STR(s, "mcp.collaboration_type", "peer");
		const struct attr *a = span_attr(s, "mcp.collaboration_success");

		CHECK(a && a->type == AT_BOOL && !a->b);
		a = span_attr(s, "mcp.collaboration_duration_ms");
		CHECK(a && a->type == AT_DOUBLE && a->d == 2000.0);
		CHECK_EQ_INT(s->nevents, 3);
		if (s->nevents == 3) {
			CHECK_STR_EQ(s->events[0].name, "Collaboration started");
			CHECK_EQ_INT(s->events[0].time_ns, T0);
			CHECK_STR_EQ(s->events[1].name, "Collaboration failed");
			CHECK_EQ_INT(s->events[1].time_ns, T0 + 2 * SEC);
			ATTR_STR(s->events[1].attrs, s->events[1].nattrs, "mcp.error_type", "timeout");
			CHECK_STR_EQ(s->events[2].name, "exception");
			ATTR_STR(s->events[2].attrs, s->events[2].nattrs, "exception.type", "timeout");
			/* `fail if ret < 0` compares an int: the message says -110 too */
			ATTR_STR(s->events[2].attrs, s->events[2].nattrs, "exception.message", "returned -110");
		}
	} else {
		UNIT_FAIL("no collaboration span");
	}

	/* failed with the error name bound but empty: _OTHER everywhere */
	struct rb c2 = rec(&f, "collab", 0xb3, 0, 0, SEC, (uint32_t)-1);

	set_str(&c2, "mcp.collaboration_type", "peer");
	push(&f, &c2);
	s = span_by_id(&f, 0xb3);
	if (s) {
		CHECK(s->error);
		CHECK_STR_EQ(s->call.error_type, "_OTHER");
		SPAN_STR(s, "error.type", "_OTHER");
		ATTR_STR(s->events[s->nevents - 1].attrs, s->events[s->nevents - 1].nattrs,
			 "exception.type", "_OTHER");
	} else {
		UNIT_FAIL("no second collaboration span");
	}

	/* routing: the bound mcp.operation wins (once), "" model is auto, cache events */
	struct rb r = rec(&f, "route", 0xc0, 0, 0, SEC, 0);
	struct rb h = rec(&f, "cache_hit", 0, 0xc0, 100, 0, 0);
	struct rb m = rec(&f, "cache_miss", 0, 0xc0, 200, 0, 0);

	set_str(&r, "mcp.model_type", "");
	set_str(&h, "mcp.model_type", "gpt-4");
	push(&f, &h);
	push(&f, &m);
	push(&f, &r);
	s = span_by_id(&f, 0xc0);
	if (s) {
		CHECK_STR_EQ(s->name, "model_routing");
		CHECK_EQ_INT(s->kind, SK_SERVER);
		SPAN_STR(s, "mcp.operation", "routing_custom");
		SPAN_STR(s, "mcp.model_type", "auto");
		SPAN_STR(s, "mcp.service", "model-router");
		CHECK_EQ_INT(s->nevents, 4);
		if (s->nevents == 4) {
			CHECK_STR_EQ(s->events[1].name, "Cache hit");
			CHECK_EQ_INT(s->events[1].time_ns, T0 + 100);
			ATTR_STR(s->events[1].attrs, s->events[1].nattrs, "mcp.model_type", "gpt-4");
			CHECK_STR_EQ(s->events[2].name, "Cache miss");
			CHECK_EQ_INT(s->events[2].time_ns, T0 + 200);
			CHECK_STR_EQ(s->events[3].name, "Model routing completed");
		}
	} else {
		UNIT_FAIL("no routing span");
	}

	/* verification: no success or duration attribute in the catalog */
	struct rb v = rec(&f, "verify", 0xd0, 0, 0, SEC, (uint32_t)-3);

	set_str(&v, "mcp.verification_type", "fact");
	push(&f, &v);
	s = span_by_id(&f, 0xd0);
	if (s) {
		CHECK_STR_EQ(s->name, "verification");
		CHECK(s->error);
		SPAN_STR(s, "error.type", "_OTHER");
		SPAN_STR(s, "mcp.service", "verification");
		CHECK_STR_EQ(s->events[0].name, "Verification started");
		CHECK_STR_EQ(s->events[1].name, "Verification failed");
	} else {
		UNIT_FAIL("no verification span");
	}
	fx_free(&f);
}

/* Points whose span never ends, or that fired outside any span. */
static void test_orphans(void)
{
	struct fx f;

	if (!fx_init(&f, collab_map, FX_SPANS_CHECK))
		return;
	struct rb h1 = rec(&f, "cache_hit", 0, 0xdead, 100, 0, 0);
	struct rb h2 = rec(&f, "cache_hit", 0, 0xdead, 200, 0, 0);
	struct rb h3 = rec(&f, "cache_hit", 0, 0, 300, 0, 0); /* outside any span */
	/* same bucket as 0xdead in a table of any power-of-two size up to 2^16 */
	struct rb h4 = rec(&f, "cache_hit", 0, 0xdead + 0x10000, 400, 0, 0);
	struct rb r = rec(&f, "route", 0xdead + 0x10000, 0, 0, SEC, 0);

	set_str(&h1, "mcp.model_type", "a");
	push(&f, &h1);
	push(&f, &h2);
	push(&f, &h3);
	push(&f, &h4);
	CHECK_EQ_INT(span_builder_orphan_points(f.p.sb), 3);
	push(&f, &r); /* claims only its own point */
	CHECK_EQ_INT(span_builder_orphan_points(f.p.sb), 2);
	struct span *s = span_by_id(&f, 0xdead + 0x10000);

	CHECK(s && s->nevents == 3);
	CHECK(s && s->nevents == 3 && s->events[1].time_ns == T0 + 400);
	/* the metrics counted every point regardless */
	size_t hits = 0;

	for (size_t i = 0; i < f.p.ms.n; i++)
		if (!strcmp(ms_metric_def(f.p.ms.all[i]->metric)->name, "mcp_model_cache_hits_total"))
			hits += (size_t)f.p.ms.all[i]->v.i;
	CHECK_EQ_INT(hits, 4);
	fx_free(&f); /* frees the two orphans (leak checkers) */
}

/* Spans own their strings: later records reuse the pipeline's scratch call. */
static void test_ownership(void)
{
	struct fx f;

	if (!fx_init(&f, collab_map, FX_SPANS_CHECK))
		return;
	struct rb a = rec(&f, "iter", 1, 0, 0, SEC, 0);
	struct rb h = rec(&f, "cache_hit", 0, 2, 10, 0, 0);

	set_str(&a, "mcp.agent_name", "first");
	set_str(&a, "mcp.collaboration_type", "one");
	set_str(&h, "mcp.model_type", "m1");
	push(&f, &h);
	push(&f, &a);
	for (int i = 0; i < 20; i++) {
		struct rb b = rec(&f, "iter", 100 + i, 0, 0, SEC, 0);
		struct rb h2 = rec(&f, "cache_hit", 0, 2, 20, 0, 0);

		set_str(&b, "mcp.agent_name", "other");
		set_str(&b, "mcp.collaboration_type", "two");
		set_str(&h2, "mcp.model_type", "m2");
		push(&f, &h2);
		push(&f, &b);
	}
	struct rb r = rec(&f, "route", 2, 0, 0, SEC, 0);

	set_str(&r, "mcp.model_type", "gpt");
	push(&f, &r);
	struct span *s = span_by_id(&f, 1);

	CHECK(s != NULL);
	if (s) {
		CHECK_STR_EQ(s->name, "agent_iteration_first");
		SPAN_STR(s, "mcp.agent_name", "first");
		SPAN_STR(s, "mcp.collaboration_type", "one");
	}
	s = span_by_id(&f, 2);
	CHECK(s && s->nevents == 21 + 2);
	if (s && s->nevents == 23) {
		ATTR_STR(s->events[1].attrs, s->events[1].nattrs, "mcp.model_type", "m1");
		for (int i = 2; i < 22; i++)
			ATTR_STR(s->events[i].attrs, s->events[i].nattrs, "mcp.model_type", "m2");
	}
	CHECK_EQ_INT(span_builder_orphan_points(f.p.sb), 0);
	fx_free(&f);
}

/* The builder on its own: a sink that keeps nothing frees every span, the
 * sink table is bounded, span_unref(NULL) is harmless. */
static int seen;
static void count_only(void *ctx, struct span *s)
{
	(void)ctx;
	seen += s->refs == 1;
}

static void test_builder_alone(void)
{
	struct probe_map pm;
	char err[256];
	struct span_builder *sb = span_builder_new();
	struct call c;
	struct mcp_call_rec r;

	CHECK(sb != NULL);
	if (!sb || parse_quiet("span consensus_building cb\n", &pm, err, sizeof(err))) {
		UNIT_FAIL("setup");
		span_builder_free(sb);
		return;
	}
	for (int i = 0; i < 8; i++)
		CHECK_EQ_INT(span_builder_add_sink(sb, count_only, NULL), 0);
	CHECK_EQ_INT(span_builder_add_sink(sb, count_only, NULL), -1);
	memset(&r, 0, sizeof(r));
	r.h.type = MCP_REC_SPAN_END;
	r.h.size = MCP_CALL_REC_SIZE(0);
	r.span_id = 9;
	r.h.start_ns = 1;
	r.h.end_ns = 2;
	CHECK_EQ_INT(uprobe_decode(&c, &r, MCP_CALL_REC_SIZE(0), &pm.bindings[0]), 0);
	span_builder_end(sb, &c, -1);
	CHECK_EQ_INT(seen, 8);
	c.rec.kind = CALL_POINT; /* a point outside any span: refused */
	CHECK(!span_builder_point(sb, &c));
	CHECK_EQ_INT(span_builder_orphan_points(sb), 0);
	span_unref(NULL);
	span_builder_free(sb);
	span_builder_free(NULL);
	probe_map_free(&pm);
}

int main(void)
{
	test_workflow_spans();
	test_failed_and_names();
	test_orphans();
	test_ownership();
	test_builder_alone();
	UNIT_DONE();
}
