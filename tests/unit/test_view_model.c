/* The live view's model without a terminal: sliding-window rates and
 * percentiles, totals, tokens/cost counted the catalog's way (LLM calls'
 * time to first chunk too), attribute
 * breakdowns, recent errors, span trees, sorting; and the table text. */
#include <math.h>
#include <stdlib.h>
#include "catalog.h"
#include "view/top_text.h"
#include "unit_test.h"
#include "export/export_status.h"
#include "view/view_model.h"
#include "view/view_table.h"
#include "source/tls/llm_api.h"
#include "source/tls/tls_emit.h"

#define S 1000000000ULL
#define MS 1000000ULL
#define T0 (1000 * S) /* the model's start: an arbitrary monotonic time */

static int op(const char *name)
{
	int i = catalog_find_op(name);

	if (i < 0) {
		fprintf(stderr, "no catalog operation %s\n", name);
		exit(2);
	}
	return i;
}

/* A finished call of `name` ending at `end` after `lat` ns. */
static void mkcall(struct call *c, const char *name, uint64_t end, uint64_t lat, bool failed)
{
	memset(c, 0, sizeof(*c));
	c->op = &catalog_ops[op(name)];
	c->rec.kind = c->op->point ? CALL_POINT : CALL_END;
	c->rec.end_ns = end;
	c->rec.start_ns = c->op->point ? end : end - lat;
	c->failed = failed;
	c->error_type = failed ? "_OTHER" : NULL;
}

static void add_str(struct call *c, const char *k, const char *v)
{
	c->attrs[c->nattrs++] = (struct attr){.key = k, .type = AT_STR, .s = v};
}

static void feed(struct view_model *vm, const char *name, uint64_t end, uint64_t lat, bool failed)
{
	struct call c;

	mkcall(&c, name, end, lat, failed);
	vm_on_call(vm, &c);
}

static const struct vm_row *row(const struct vm_snapshot *s, const char *name)
{
	for (int i = 0; i < s->nrows; i++)
		if (!strcmp(s->rows[i].name, name))
			return &s->rows[i];
	return NULL;
}

static const struct vm_row *brow(const struct vm_snapshot *s, const char *opname, const char *kv)
{
	for (int i = 0; i < s->nbrows; i++)
		if (s->brows[i].op == op(opname) && !strcmp(s->brows[i].row.name, kv))
			return &s->brows[i].row;
	return NULL;
}

static bool near(double got, double want, double rel)
{
	return fabs(got - want) <= rel * fabs(want);
}

static void test_window_rates(void)
{
	struct view_model *vm = vm_new(10, T0);
	struct vm_snapshot *s = vm_snapshot_new();

	/* 20 s of 10 calls/s at 1 ms, one of them failing each second */
	for (int sec = 0; sec < 20; sec++)
		for (int i = 0; i < 10; i++)
			feed(vm, "model_routing", T0 + sec * S + S / 2 + i * MS, 1 * MS, i == 0);
	vm_snapshot_take(vm, s, T0 + 20 * S, NULL);
	const struct vm_row *r = row(s, "model_routing");

	CHECK(r != NULL);
	if (!r)
		return;
	/* window: slots 11..20, covering [T0+11s, T0+20s): 9 s, 90 calls */
	CHECK(near(s->window_s, 9.0, 1e-9));
	CHECK_EQ_INT(r->win_calls, 90);
	CHECK(near(r->calls_s, 10.0, 1e-9));
	CHECK(near(r->errors_s, 1.0, 1e-9));
	CHECK(near(r->err_pct, 10.0, 1e-9));
	CHECK_EQ_INT(r->calls, 200);
	CHECK_EQ_INT(r->errors, 20);
	CHECK(!r->point && !r->has_tokens && r->has_active);
	CHECK(near(r->p50, 1e-3, 0.01));
	CHECK(near(r->p99, 1e-3, 0.01));

	/* Slow calls late in arriving but from long ago (slot 1): totals yes,
	 * window no, so the percentiles do not move. */
	for (int i = 0; i < 50; i++)
		feed(vm, "model_routing", T0 + S + S / 2, 5 * S, false);
	vm_snapshot_take(vm, s, T0 + 20 * S, NULL);
	r = row(s, "model_routing");
	CHECK_EQ_INT(r->calls, 250);
	CHECK_EQ_INT(r->win_calls, 90);
	CHECK(near(r->p99, 1e-3, 0.01));

	/* Mid-slot: the window grows with the partial current second. */
	feed(vm, "model_routing", T0 + 20 * S + S / 4, 1 * MS, false);
	vm_snapshot_take(vm, s, T0 + 20 * S + S / 2, NULL);
	r = row(s, "model_routing");
	CHECK(near(s->window_s, 9.5, 1e-9));
	CHECK_EQ_INT(r->win_calls, 91);
	CHECK(near(r->calls_s, 91 / 9.5, 1e-9));

	/* Long after: nothing in the window, totals stay. */
	vm_snapshot_take(vm, s, T0 + 60 * S, NULL);
	r = row(s, "model_routing");
	CHECK_EQ_INT(r->win_calls, 0);
	CHECK(r->calls_s == 0);
	CHECK(isnan(r->p50));
	CHECK_EQ_INT(r->calls, 251);
	vm_snapshot_free(s);
	vm_free(vm);
}

static void test_percentiles(void)
{
	struct view_model *vm = vm_new(10, T0);
	struct vm_snapshot *s = vm_snapshot_new();

	/* 1..100 ms spread over three seconds: merged slots, not averages */
	for (int i = 1; i <= 100; i++)
		feed(vm, "workflow_step", T0 + (uint64_t)(i % 3) * S + 10 * MS, (uint64_t)i * MS, false);
	vm_snapshot_take(vm, s, T0 + 3 * S, NULL);
	const struct vm_row *r = row(s, "workflow_step");

	CHECK(r && r->win_calls == 100);
	/* exponential histogram at scale >= 3: relative error < 9% */
	CHECK(r && near(r->p50, 0.050, 0.09));
	CHECK(r && near(r->p95, 0.095, 0.09));
	CHECK(r && near(r->p99, 0.099, 0.09));
	CHECK(r && r->p50 < r->p95 && r->p95 <= r->p99);
	vm_snapshot_free(s);
	vm_free(vm);
}

static void test_ring_reuse(void)
{
	struct view_model *vm = vm_new(10, T0);
	struct vm_snapshot *s = vm_snapshot_new();

	for (int i = 0; i < 5; i++)
		feed(vm, "plan_creation", T0 + 8 * S + 1, 100 * MS, false);
	/* slot 8 + VM_RING lands on the same ring entry: the old data goes */
	feed(vm, "plan_creation", T0 + (8 + VM_RING) * S + 1, 2 * MS, false);
	vm_snapshot_take(vm, s, T0 + (8 + VM_RING) * S + S / 2, NULL);
	const struct vm_row *r = row(s, "plan_creation");

	CHECK(r && r->win_calls == 1 && r->calls == 6);
	CHECK(r && near(r->p99, 2e-3, 0.01));
	vm_snapshot_free(s);
	vm_free(vm);
}

static void test_points_tokens_active(void)
{
	struct view_model *vm = vm_new(10, T0);
	struct vm_snapshot *s = vm_snapshot_new();
	uint64_t active[VM_MAX_OPS] = {0};
	struct call c;

	feed(vm, "model_cache_hit", T0 + S / 2, 0, false);
	feed(vm, "model_cache_hit", T0 + S / 2, 0, false);
	/* tokens and cost: counted on model_inference, only when it worked */
	mkcall(&c, "model_inference", T0 + S / 2, 5 * MS, false);
	add_str(&c, "mcp.model_type", "gpt");
	c.attrs[c.nattrs++] = (struct attr){.key = "mcp.tokens_used", .type = AT_INT, .i = 100};
	c.attrs[c.nattrs++] = (struct attr){.key = "mcp.cost", .type = AT_DOUBLE, .d = 0.5};
	vm_on_call(vm, &c);
	c.failed = true;
	c.error_type = "RateLimitError";
	vm_on_call(vm, &c);
	/* model_routing carries the same attributes: not counted twice */
	mkcall(&c, "model_routing", T0 + S / 2, 9 * MS, false);
	c.attrs[c.nattrs++] = (struct attr){.key = "mcp.tokens_used", .type = AT_INT, .i = 100};
	vm_on_call(vm, &c);
	active[op("workflow_execution")] = 3; /* in progress, none finished yet */
	vm_snapshot_take(vm, s, T0 + 2 * S, active);

	const struct vm_row *hit = row(s, "model_cache_hit"), *inf = row(s, "model_inference");
	const struct vm_row *rt = row(s, "model_routing"), *wf = row(s, "workflow_execution");

	CHECK(hit && hit->point && hit->calls == 2 && isnan(hit->p50) && !hit->has_active);
	CHECK(inf && inf->has_tokens && inf->tokens == 100 && inf->cost == 0.5);
	CHECK(inf && near(inf->tokens_s, 50, 1e-9) && near(inf->cost_s, 0.25, 1e-9));
	CHECK(inf && inf->calls == 2 && inf->errors == 1);
	CHECK(rt && !rt->has_tokens && rt->tokens == 0);
	CHECK(wf && wf->active == 3 && wf->has_active && wf->calls == 0);
	CHECK(row(s, "plan_creation") == NULL); /* never seen: no row */
	CHECK_EQ_INT(s->total.calls, 5);
	CHECK(near(s->total.tokens_s, 50, 1e-9));
	CHECK_EQ_INT(s->total.active, 3);
	/* the breakdown of model_inference: by model type and error type */
	const struct vm_row *g = brow(s, "model_inference", "model_type=gpt");
	const struct vm_row *e = brow(s, "model_inference", "error.type=RateLimitError");

	CHECK(g && g->calls == 2 && g->errors == 1 && g->tokens == 100);
	CHECK(e && e->calls == 1 && e->errors == 1);
	vm_snapshot_free(s);
	vm_free(vm);
}

/* LLM calls (tls source: llm_* operations) as the tls source builds them:
 * calls/s, errors, percentiles, tokens/s and cost/s counted the catalog's
 * way (as model_inference), and the median time to first chunk of the
 * streamed ones (gen_ai.response.time_to_first_chunk) in the TTFT column. */
static unsigned long long next_id(void *ctx)
{
	return ++*(unsigned long long *)ctx;
}

static void llm_feed(struct view_model *vm, const struct probe_map *pm, const struct tls_bindings *b,
		     enum llm_api api, const char *model, uint64_t end, double dur_s, double ttft_s, int64_t in,
		     int64_t out, double cost, int status)
{
	static struct call c;
	struct llm_call k;
	struct tls_origin o = {.pid = 1, .tid = 1};
	unsigned long long ids = 1;

	llm_call_init(&k, api, "api.example.com", NULL);
	snprintf(k.request_model, sizeof(k.request_model), "%s", model);
	k.start_ns = end - (uint64_t)(dur_s * S);
	k.end_ns = end;
	k.stream = ttft_s > 0;
	k.first_chunk_ns = ttft_s > 0 ? k.start_ns + (uint64_t)(ttft_s * S) : 0;
	k.input_tokens = in;
	k.output_tokens = out;
	k.has_cost = cost > 0;
	k.cost_usd = cost;
	llm_call_finish(&k, status, false, true);
	tls_call_build(&c, pm, b, &k, &o, next_id, &ids);
	vm_on_call(vm, &c);
	llm_call_free(&k);
}

static void test_llm_rows(void)
{
	struct view_model *vm = vm_new(10, T0);
	struct vm_snapshot *s = vm_snapshot_new();
	struct probe_map pm = {0};
	struct tls_bindings b = {
		.chat = probe_map_add_builtin(&pm, op("llm_chat"), "tls", "chat"),
		.text_completion = probe_map_add_builtin(&pm, op("llm_text_completion"), "tls", "text_completion"),
		.embeddings = probe_map_add_builtin(&pm, op("llm_embeddings"), "tls", "embeddings"),
		.generate_content = probe_map_add_builtin(&pm, op("llm_generate_content"), "tls", "generate_content"),
	};
	char cells[VC_NCOLS][VT_CELL];

	/* chat, streamed: first chunks after 0.2, 0.3 and 0.4 s */
	llm_feed(vm, &pm, &b, LLM_OPENAI_CHAT, "gpt-4o-mini", T0 + S / 2, 1.0, 0.2, 10, 30, 0.001, 200);
	llm_feed(vm, &pm, &b, LLM_OPENAI_CHAT, "gpt-4o-mini", T0 + S / 2, 1.2, 0.3, 20, 40, 0.002, 200);
	llm_feed(vm, &pm, &b, LLM_ANTHROPIC_MESSAGES, "claude-haiku-4-5", T0 + S, 1.5, 0.4, 30, 50, 0.0045, 200);
	/* chat, not streamed: tokens and cost, no time to first chunk */
	llm_feed(vm, &pm, &b, LLM_OPENAI_CHAT, "gpt-4o-mini", T0 + S, 0.8, 0, 5, 5, 0.0005, 200);
	/* a 429: an error, no tokens, no cost, no first chunk */
	llm_feed(vm, &pm, &b, LLM_OPENAI_CHAT, "gpt-4o-mini", T0 + S, 0.1, 0, -1, -1, 0, 429);
	/* embeddings: tokens in, never streamed */
	llm_feed(vm, &pm, &b, LLM_OPENAI_EMBEDDINGS, "text-embedding-3-small", T0 + S, 0.05, 0, 8, -1, 0.0001, 200);
	vm_snapshot_take(vm, s, T0 + 2 * S, NULL);

	const struct vm_row *chat = row(s, "llm_chat"), *emb = row(s, "llm_embeddings");

	CHECK(chat && emb);
	if (!chat || !emb)
		goto out;
	CHECK_EQ_INT(chat->calls, 5);
	CHECK_EQ_INT(chat->errors, 1);
	CHECK(near(chat->calls_s, 2.5, 1e-9) && near(chat->errors_s, 0.5, 1e-9));
	CHECK(chat->has_tokens && chat->has_ttft);
	CHECK(chat->tokens == 190 && near(chat->tokens_s, 95, 1e-9));
	CHECK(near(chat->cost, 0.008, 1e-9) && near(chat->cost_s, 0.004, 1e-9));
	/* exponential histogram: within its relative error (0.1 .. 1.5 s: ~1%) */
	CHECK(near(chat->p50, 1.0, 0.02) && near(chat->p99, 1.5, 0.02));
	CHECK(near(chat->ttft_p50, 0.3, 1e-3)); /* of the three streamed calls only */
	CHECK(emb->has_tokens && emb->tokens == 8 && near(emb->cost, 0.0001, 1e-9));
	CHECK(emb->has_ttft && isnan(emb->ttft_p50)); /* nothing streamed: no figure */
	/* the breakdown by model keeps its own TTFT */
	const struct vm_row *g = brow(s, "llm_chat", "gen_ai.request.model=gpt-4o-mini");
	const struct vm_row *h = brow(s, "llm_chat", "gen_ai.request.model=claude-haiku-4-5");

	CHECK(g && g->calls == 4 && g->errors == 1 && g->has_ttft);
	CHECK(g && near(g->ttft_p50, 0.2, 0.02)); /* the lower of 0.2 and 0.3 (rank ceil(n/2)) */
	CHECK(h && h->calls == 1 && near(h->ttft_p50, 0.4, 1e-3) && h->tokens == 80);
	/* the table's cells: TOKENS/s, COST/s and TTFT for the LLM rows, "-" elsewhere */
	vt_cells(chat, true, cells);
	CHECK_STR_EQ(cells[VC_TOKENS], "95.0");
	CHECK_STR_EQ(cells[VC_COST], "$0.0040");
	CHECK_STR_EQ(cells[VC_TTFT], "300ms");
	vt_cells(emb, true, cells);
	CHECK_STR_EQ(cells[VC_TTFT], "-");
	/* model_inference carries tokens but no TTFT column figure */
	feed(vm, "model_inference", T0 + S, 5 * MS, false);
	vm_snapshot_take(vm, s, T0 + 2 * S, NULL);
	CHECK(row(s, "model_inference") && !row(s, "model_inference")->has_ttft);
	/* sorted by TTFT, descending: chat (0.3 s) before embeddings (none, last) */
	vm_sort_rows(s->rows, s->nrows, VC_TTFT, true);
	CHECK_STR_EQ(s->rows[0].name, "llm_chat");
out:
	probe_map_free(&pm);
	vm_snapshot_free(s);
	vm_free(vm);
}

static void test_breakdown(void)
{
	struct view_model *vm = vm_new(10, T0);
	struct vm_snapshot *s = vm_snapshot_new();
	static const char *types[] = {"gpt", "gpt", "claude", "gpt", ""};
	struct call c;

	for (int i = 0; i < 5; i++) {
		mkcall(&c, "model_routing", T0 + S / 2, 1 * MS, i == 2);
		if (i == 2)
			c.error_type = "TimeoutError";
		add_str(&c, "mcp.model_type", types[i]);
		vm_on_call(vm, &c);
	}
	vm_snapshot_take(vm, s, T0 + S, NULL);
	const struct vm_row *gpt = brow(s, "model_routing", "model_type=gpt");
	const struct vm_row *claude = brow(s, "model_routing", "model_type=claude");
	const struct vm_row *none = brow(s, "model_routing", "model_type=(none)");
	const struct vm_row *tmo = brow(s, "model_routing", "error.type=TimeoutError");

	CHECK(gpt && gpt->calls == 3 && gpt->errors == 0);
	CHECK(claude && claude->calls == 1 && claude->errors == 1 && near(claude->err_pct, 100, 1e-9));
	CHECK(none && none->calls == 1);
	CHECK(tmo && tmo->calls == 1);
	CHECK(brow(s, "model_routing", "success=true") == NULL); /* computed flags are no breakdown */
	/* within a key, the busiest value first */
	int first = -1;

	for (int i = 0; i < s->nbrows && first < 0; i++)
		if (s->brows[i].op == op("model_routing"))
			first = i;
	CHECK(first >= 0 && !strcmp(s->brows[first].row.name, "model_type=gpt"));
	vm_snapshot_free(s);
	vm_free(vm);
}

static struct span *mkspan(const char *opname, const char *name, uint64_t id, uint64_t parent,
			   uint64_t start, uint64_t end, const char *error)
{
	struct span *sp = calloc(1, sizeof(*sp));

	sp->refs = 1;
	mkcall(&sp->call, opname, end, end - start, error != NULL);
	sp->call.rec.trace_id[0] = 0x1111;
	sp->call.rec.trace_id[1] = 0x2222;
	sp->call.rec.span_id = id;
	sp->call.rec.parent_id = parent;
	sp->call.rec.pid = 42;
	snprintf(sp->name, sizeof(sp->name), "%s", name);
	sp->error = error != NULL;
	if (error)
		sp->attrs[sp->nattrs++] = (struct attr){.key = "error.type", .type = AT_STR, .s = error};
	return sp;
}

static void test_trees_and_errors(void)
{
	struct view_model *vm = vm_new(10, T0);
	struct vm_snapshot *s = vm_snapshot_new();
	/* feedback_loop(1) -> verification(3, starts first) -> (none)
	 *                  -> verification(2)
	 * plus a span whose parent (99) never came; children end first. */
	struct span *v = mkspan("verification", "verification", 3, 1, T0 + 10, T0 + 20, NULL);
	struct span *w = mkspan("verification", "verification", 2, 1, T0 + 30, T0 + 40, "QualityError");
	struct span *x = mkspan("workflow_step", "workflow_step_x", 5, 4, T0 + 12, T0 + 14, NULL);
	struct span *o = mkspan("verification", "verification", 6, 99, T0 + 50, T0 + 55, NULL);
	struct span *root = mkspan("feedback_loop", "feedback_loop", 1, 0, T0, T0 + 100, "LoopError");
	struct span *y = mkspan("workflow_step", "workflow_step_y", 4, 3, T0 + 11, T0 + 19, NULL);

	vm_on_span(vm, x);
	vm_on_span(vm, y);
	vm_on_span(vm, v);
	vm_on_span(vm, w);
	vm_on_span(vm, o);
	vm_on_span(vm, root);
	vm_snapshot_take(vm, s, T0 + S, NULL);
	CHECK_EQ_INT(s->ntrees, 1);
	if (s->ntrees == 1) {
		const struct vm_tree *t = &s->trees[0];
		static const char *names[] = {"feedback_loop", "verification", "workflow_step_y",
					      "workflow_step_x", "verification", "verification"};
		static const int depth[] = {0, 1, 2, 3, 1, 1};
		static const bool last[] = {false, false, true, true, false, true};

		CHECK_EQ_INT(t->nnodes, 6);
		for (int i = 0; i < t->nnodes && i < 6; i++) {
			CHECK_STR_EQ(t->nodes[i].name, names[i]);
			CHECK_EQ_INT(t->nodes[i].depth, depth[i]);
			if (i)
				CHECK_EQ_INT(t->nodes[i].last, last[i]);
		}
		CHECK(t->nodes[0].error && !strcmp(t->nodes[0].error_type, "LoopError"));
		CHECK(t->trace_id[0] == 0x1111 && t->trace_id[1] == 0x2222 && t->pid == 42);
	}
	/* errors, newest first */
	CHECK_EQ_INT(s->nerrors, 2);
	CHECK_STR_EQ(s->errors[0].span, "feedback_loop");
	CHECK_STR_EQ(s->errors[0].error_type, "LoopError");
	CHECK_STR_EQ(s->errors[1].error_type, "QualityError");
	CHECK(s->errors[1].span_id == 2 && s->errors[1].trace_id[1] == 0x2222);
	CHECK(near(s->errors[1].duration_s, 10e-9, 1e-6));
	span_unref(v), span_unref(w), span_unref(x), span_unref(o), span_unref(root), span_unref(y);

	/* the ring keeps the newest VM_TREE_RING trees */
	for (int i = 0; i < VM_TREE_RING + 5; i++) {
		struct span *r = mkspan("plan_creation", "plan_creation", 100 + i, 0, T0 + 1000 + i, T0 + 2000 + i, NULL);

		r->call.rec.trace_id[0] = (unsigned long long)i;
		vm_on_span(vm, r);
		span_unref(r);
	}
	vm_snapshot_take(vm, s, T0 + S, NULL);
	CHECK_EQ_INT(s->ntrees, VM_TREE_RING);
	CHECK_EQ_INT(s->trees[0].trace_id[0], VM_TREE_RING + 4);
	CHECK_EQ_INT(s->traces_seen, VM_TREE_RING + 6);
	vm_snapshot_free(s);
	vm_free(vm);
}

static void test_sorting(void)
{
	struct vm_row r[4];

	memset(r, 0, sizeof(r));
	snprintf(r[0].name, sizeof(r[0].name), "b_op");
	r[0].calls_s = 5, r[0].p50 = 0.002, r[0].calls = 10;
	snprintf(r[1].name, sizeof(r[1].name), "a_op");
	r[1].calls_s = 5, r[1].p50 = 0.001, r[1].calls = 30;
	snprintf(r[2].name, sizeof(r[2].name), "c_point");
	r[2].calls_s = 9, r[2].point = true, r[2].p50 = NAN, r[2].calls = 20;
	snprintf(r[3].name, sizeof(r[3].name), "d_op");
	r[3].calls_s = 1, r[3].p50 = 0.003, r[3].calls = 5;

	vm_sort_rows(r, 4, VC_RATE, true); /* ties by name */
	CHECK(!strcmp(r[0].name, "c_point") && !strcmp(r[1].name, "a_op") &&
	      !strcmp(r[2].name, "b_op") && !strcmp(r[3].name, "d_op"));
	vm_sort_rows(r, 4, VC_RATE, false);
	CHECK(!strcmp(r[0].name, "d_op") && !strcmp(r[3].name, "c_point"));
	vm_sort_rows(r, 4, VC_P50, true); /* no latency: last either way */
	CHECK(!strcmp(r[0].name, "d_op") && !strcmp(r[2].name, "a_op") && !strcmp(r[3].name, "c_point"));
	vm_sort_rows(r, 4, VC_P50, false);
	CHECK(!strcmp(r[0].name, "a_op") && !strcmp(r[3].name, "c_point"));
	vm_sort_rows(r, 4, VC_NAME, false);
	CHECK(!strcmp(r[0].name, "a_op") && !strcmp(r[3].name, "d_op"));
	vm_sort_rows(r, 4, VC_NAME, true);
	CHECK(!strcmp(r[0].name, "d_op"));
	vm_sort_rows(r, 4, VC_CALLS, true);
	CHECK(!strcmp(r[0].name, "a_op") && !strcmp(r[1].name, "c_point"));
	CHECK(vm_col_default_desc(VC_RATE) && !vm_col_default_desc(VC_NAME));
}

static void test_table_text(void)
{
	char b[64], line[512], cells[VC_NCOLS][VT_CELL];
	struct vt_layout l;
	struct vm_row r = {.calls_s = 12.5, .p50 = 812e-6, .p95 = 1.25e-3, .p99 = 3.4, .calls = 1234,
			   .errors = 7, .win_calls = 10, .err_pct = 10, .has_active = true, .active = 2};

	CHECK_STR_EQ(vt_duration(812e-6, true, b, sizeof(b)), "812µs");
	CHECK_STR_EQ(vt_duration(812e-6, false, b, sizeof(b)), "812us");
	CHECK_STR_EQ(vt_duration(1.25e-3, true, b, sizeof(b)), "1.25ms");
	CHECK_STR_EQ(vt_duration(3.4, true, b, sizeof(b)), "3.40s");
	CHECK_STR_EQ(vt_duration(NAN, true, b, sizeof(b)), "-");
	CHECK_STR_EQ(vt_rate(0, b, sizeof(b)), "0");
	CHECK_STR_EQ(vt_rate(2.5, b, sizeof(b)), "2.50");
	CHECK_STR_EQ(vt_rate(812.44, b, sizeof(b)), "812.4");
	CHECK_EQ_INT(vt_width("812µs"), 5);
	snprintf(r.name, sizeof(r.name), "model_routing");
	vt_cells(&r, true, cells);
	CHECK_STR_EQ(cells[VC_CALLS], "1234");
	CHECK_STR_EQ(cells[VC_ERR_PCT], "10.0%");
	CHECK_STR_EQ(cells[VC_TOKENS], "-");
	/* narrow: the name, rate, error % and p50 stay; the line fits */
	vt_layout(&l, 80, 13);
	CHECK(l.visible[VC_NAME] && l.visible[VC_RATE] && l.visible[VC_ERR_PCT] && l.visible[VC_P50]);
	CHECK(!l.visible[VC_COST]);
	vt_line(line, sizeof(line), &l, cells);
	CHECK(vt_width(line) <= 80);
	CHECK_STR_PREFIX(line, "model_routing ");
	vt_layout(&l, 0, 0);
	for (int c = 0; c < VC_NCOLS; c++)
		CHECK(l.visible[c]);
	vt_title(line, sizeof(line), &l, VC_P99, false, false);
	CHECK_STR_HAS(line, "P99 ^");
	CHECK_EQ_INT(vt_col_x(&l, VC_RATE), l.name_w + 1);
	/* long names widen the name column unless a core column would go */
	vt_layout(&l, 132, 41);
	CHECK(l.name_w >= 41 && l.visible[VC_CALLS] && l.visible[VC_ERRORS] && l.width <= 132);
	vt_layout(&l, 90, 41);
	CHECK(l.name_w < 41 && l.visible[VC_CALLS] && l.visible[VC_ERRORS] && l.width <= 90);
}

static void test_text_mode(void)
{
	struct view_model *vm = vm_new(10, T0);
	struct vm_snapshot *s = vm_snapshot_new();
	struct view_status st = {.start_ns = T0, .records = 77, .dropped = 3};
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	snprintf(st.targets, sizeof(st.targets), "demo[1]");
	for (int i = 0; i < 4; i++)
		feed(vm, "plan_execution", T0 + S / 2, 2 * MS, i == 0);
	feed(vm, "workflow_retry", T0 + S / 2, 0, false);
	vm_snapshot_take(vm, s, T0 + 2 * S, NULL);
	top_text_print(f, s, &st, VC_CALLS, true);
	fclose(f);
	CHECK_STR_PREFIX(out, "=== ");
	CHECK_STR_HAS(out, "demo[1]");
	CHECK_STR_HAS(out, "dropped 3");
	CHECK_STR_HAS(out, "OTLP file off");
	CHECK_STR_HAS(out, "CALLS v");
	/* sorted by calls: plan_execution (4) before workflow_retry (1) */
	char *pe = strstr(out, "\nplan_execution "), *wr = strstr(out, "\nworkflow_retry ");

	CHECK(pe && wr && pe < wr);
	CHECK_STR_HAS(out, "\ntotal ");
	free(out);
	vm_snapshot_free(s);
	vm_free(vm);
}

static void test_export_board(void)
{
	struct export_status x[EXP_COUNT];
	char b[256];

	export_status_get(x);
	CHECK(!x[EXP_OTLP_HTTP].configured);
	CHECK_STR_EQ(vt_export(&x[EXP_OTLP_HTTP], EXP_OTLP_HTTP, b, sizeof(b)), "OTLP/HTTP off");
	export_status_configure(EXP_OTLP_HTTP, "http://collector:4318");
	export_status_get(x);
	CHECK_STR_EQ(vt_export(&x[EXP_OTLP_HTTP], EXP_OTLP_HTTP, b, sizeof(b)), "OTLP/HTTP waiting");
	export_status_ok(EXP_OTLP_HTTP);
	export_status_get(x);
	CHECK_STR_EQ(vt_export(&x[EXP_OTLP_HTTP], EXP_OTLP_HTTP, b, sizeof(b)), "OTLP/HTTP ok (1)");
	export_status_error(EXP_OTLP_HTTP, "HTTP %d", 503);
	export_status_get(x);
	CHECK_STR_EQ(vt_export(&x[EXP_OTLP_HTTP], EXP_OTLP_HTTP, b, sizeof(b)), "OTLP/HTTP 1 error: HTTP 503");
	export_status_totals(EXP_PROMETHEUS, 4, 0);
	export_status_get(x);
	CHECK_STR_EQ(vt_export(&x[EXP_PROMETHEUS], EXP_PROMETHEUS, b, sizeof(b)), "Prometheus ok (4)");
}

int main(void)
{
	test_window_rates();
	test_percentiles();
	test_ring_reuse();
	test_points_tokens_active();
	test_llm_rows();
	test_breakdown();
	test_trees_and_errors();
	test_sorting();
	test_table_text();
	test_text_mode();
	test_export_board();
	UNIT_DONE();
}
