/* The summary's LLM block: one row per model the tls source saw calls to,
 * read back from the metric store (the GenAI client metrics and the
 * catalog's mcp_model_cost_total), so that it says what was exported. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "aggregate/exp_histogram.h"
#include "summary.h"

#define LLM_ROWS 64 /* models listed at most; the rest are summed in "(other)" */

struct llm_row {
	char model[64];
	char ops[48]; /* the operations seen, comma-separated */
	uint64_t calls, errors;
	double in, out, cost;
	bool has_cost;
	struct exp_histogram *ttft;
};

static int metric_of(const char *name)
{
	for (int i = 0; i < catalog_nmetrics; i++)
		if (!strcmp(catalog_metrics[i].name, name))
			return i;
	return -1;
}

static const char *attr_of(const struct series *s, const char *key)
{
	for (int i = 0; i < s->nattrs; i++)
		if (!strcmp(s->keys[i], key))
			return s->vals[i];
	return NULL;
}

static struct llm_row *row_of(struct llm_row *rows, int *n, const char *model)
{
	if (!model)
		return NULL;
	for (int i = 0; i < *n; i++)
		if (!strcmp(rows[i].model, model))
			return &rows[i];
	if (*n == LLM_ROWS)
		return &rows[LLM_ROWS - 1]; /* "(other)" */
	struct llm_row *r = &rows[(*n)++];

	memset(r, 0, sizeof(*r));
	snprintf(r->model, sizeof(r->model), "%s", *n == LLM_ROWS ? "(other)" : model);
	return r;
}

static void add_op(struct llm_row *r, const char *op)
{
	size_t n = strlen(op), have = strlen(r->ops);

	for (const char *p = r->ops; (p = strstr(p, op)); p += n)
		if ((p == r->ops || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return;
	if (have + n + 2 <= sizeof(r->ops))
		snprintf(r->ops + have, sizeof(r->ops) - have, "%s%s", have ? "," : "", op);
}

static const char *money(double v, bool known, char *buf, size_t len)
{
	if (!known)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, v < 10 ? "$%.6f" : "$%.2f", v);
	return buf;
}

void summary_print_llm(FILE *f, struct metric_store *ms, double elapsed_s)
{
	int m_dur = metric_of("gen_ai.client.operation.duration"), m_tok = metric_of("gen_ai.client.token.usage");
	int m_ttft = metric_of("gen_ai.client.operation.time_to_first_chunk"), m_cost = metric_of("mcp_model_cost_total");
	struct llm_row *rows = calloc(LLM_ROWS, sizeof(*rows));
	int n = 0;

	if (!rows)
		return;
	pthread_mutex_lock(&ms->lock);
	/* the models called, from the one metric every LLM call updates */
	for (size_t i = 0; i < ms->n; i++) {
		const struct series *s = ms->all[i];
		const char *op = attr_of(s, "gen_ai.operation.name");
		struct llm_row *r = s->metric == m_dur && s->h ? row_of(rows, &n, attr_of(s, "gen_ai.request.model")) : NULL;

		if (!r)
			continue;
		r->calls += exph_count(s->h);
		if (attr_of(s, "error.type") && *attr_of(s, "error.type"))
			r->errors += exph_count(s->h);
		if (op)
			add_op(r, op);
	}
	for (size_t i = 0; i < ms->n && n; i++) {
		const struct series *s = ms->all[i];
		struct llm_row *r = NULL;

		const char *model = attr_of(s, s->metric == m_cost ? "mcp.model_type" : "gen_ai.request.model");

		for (int k = 0; k < n && !r && model; k++)
			if (!strcmp(rows[k].model, model))
				r = &rows[k];
		/* past LLM_ROWS models: the GenAI metrics' rest in "(other)" (the
		 * cost series are the catalog's, native model_inference's too) */
		if (!r && model && n == LLM_ROWS && s->metric != m_cost)
			r = &rows[LLM_ROWS - 1];
		if (!r)
			continue;
		if (s->metric == m_tok && s->h) {
			const char *type = attr_of(s, "gen_ai.token.type");

			if (type && !strcmp(type, "input"))
				r->in += exph_sum(s->h);
			else if (type && !strcmp(type, "output"))
				r->out += exph_sum(s->h);
		} else if (s->metric == m_cost) {
			r->cost += s->v.d;
			r->has_cost = true;
		} else if (s->metric == m_ttft && s->h) {
			if (!r->ttft)
				r->ttft = exph_new(160, 20);
			if (r->ttft)
				exph_merge(r->ttft, s->h);
		}
	}
	pthread_mutex_unlock(&ms->lock);
	if (n) {
		char b1[24], b2[24], b3[24], b4[24];
		double all_cost = 0, all_tok = 0;

		fprintf(f, "\n%-28s %-18s %7s %7s %10s %10s %9s %11s %9s %9s %9s\n", "LLM MODEL", "OPERATION",
			"CALLS", "ERRORS", "IN TOK", "OUT TOK", "TOKENS/s", "COST", "COST/s", "TTFT P50", "TTFT P95");
		for (int i = 0; i < n; i++) {
			struct llm_row *r = &rows[i];
			double tok = r->in + r->out;

			fprintf(f, "%-28.28s %-18.18s %7llu %7llu %10.0f %10.0f %9.1f %11s %9s %9s %9s\n", r->model,
				r->ops, (unsigned long long)r->calls, (unsigned long long)r->errors, r->in, r->out,
				elapsed_s > 0 ? tok / elapsed_s : 0.0, money(r->cost, r->has_cost, b1, sizeof(b1)),
				money(elapsed_s > 0 ? r->cost / elapsed_s : 0, r->has_cost, b2, sizeof(b2)),
				fmt_duration(r->ttft ? exph_quantile(r->ttft, 0.50) : NAN, b3, sizeof(b3)),
				fmt_duration(r->ttft ? exph_quantile(r->ttft, 0.95) : NAN, b4, sizeof(b4)));
			all_cost += r->cost;
			all_tok += tok;
		}
		fprintf(f, "LLM calls: %.0f tokens, %s in %.1fs (cost from the price table; - : model not in it)\n",
			all_tok, money(all_cost, true, b1, sizeof(b1)), elapsed_s);
	}
	for (int i = 0; i < n; i++)
		exph_free(rows[i].ttft);
	free(rows);
}
