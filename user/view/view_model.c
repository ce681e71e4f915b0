/* The live view's data model (view_model.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "aggregate/exp_histogram.h"
#include "view_model_int.h"

static int metric_by_name(const char *name)
{
	for (int i = 0; i < catalog_nmetrics; i++)
		if (!strcmp(catalog_metrics[i].name, name))
			return i;
	return -1;
}

/* The operation's metric attribute keys (low-cardinality by the spec), minus
 * the computed success flag and constants; error types come last. */
static void init_op(struct vm_op *o, int op, int tok_metric, int cost_metric, int ttft_metric)
{
	const struct op_def *d = &catalog_ops[op];

	for (int i = 0; i < OP_MAX_ACTIONS; i++) {
		const struct metric_action *a = &d->actions[i];

		if (!a->when)
			continue;
		if (a->metric == tok_metric && a->value == AV_ATTR)
			o->tok = a;
		if (a->metric == cost_metric && a->value == AV_ATTR)
			o->cost = a;
		if (a->metric == ttft_metric && a->value == AV_ATTR)
			o->ttft = a;
		for (int j = 0; j < ACT_MAX_ATTRS && a->attrs[j]; j++) {
			const char *k = a->attrs[j];
			bool dup = false;

			if (strchr(k, '=') || !strcmp(k, "mcp.success") || !strcmp(k, "mcp.error_type"))
				continue;
			for (int m = 0; m < o->nkeys; m++)
				dup |= !strcmp(o->keys[m].key, k);
			if (!dup && o->nkeys < VM_MAX_KEYS)
				o->keys[o->nkeys++].key = k;
		}
	}
	if (!d->point) {
		o->keys[o->nkeys].key = "error.type";
		o->keys[o->nkeys++].errors_only = true;
	}
}

struct view_model *vm_new(int window_s, uint64_t start_ns)
{
	struct view_model *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	pthread_mutex_init(&vm->lock, NULL);
	vm->window = window_s < 1 ? 1 : window_s > VM_RING - 1 ? VM_RING - 1 : window_s;
	vm->start_ns = start_ns;
	vm->last_sweep_ns = start_ns;
	vm->nops = catalog_nops < VM_MAX_OPS ? catalog_nops : VM_MAX_OPS;
	vm->scratch = exph_new(160, 20);
	vm->scratch_ttft = exph_new(160, 20);
	vm->trees = calloc(VM_TREE_RING, sizeof(*vm->trees));
	if (!vm->scratch || !vm->scratch_ttft || !vm->trees) {
		vm_free(vm);
		return NULL;
	}
	int tok = metric_by_name("mcp_model_token_usage_total");
	int cost = metric_by_name("mcp_model_cost_total");
	int ttft = metric_by_name("gen_ai.client.operation.time_to_first_chunk");

	for (int i = 0; i < vm->nops; i++)
		init_op(&vm->ops[i], i, tok, cost, ttft);
	return vm;
}

static void free_stat(struct vm_stat *st)
{
	for (int i = 0; i < VM_RING; i++) {
		exph_free(st->slot[i].lat);
		exph_free(st->slot[i].ttft);
	}
}

void vm_free(struct view_model *vm)
{
	if (!vm)
		return;
	for (int i = 0; i < vm->nops; i++) {
		free_stat(&vm->ops[i].st);
		for (int k = 0; k < vm->ops[i].nkeys; k++) {
			struct vm_key *key = &vm->ops[i].keys[k];

			for (int v = 0; v < key->nvalues; v++) {
				free_stat(&key->values[v]->st);
				free(key->values[v]);
			}
			free(key->values);
		}
	}
	for (int b = 0; b < PENDING_BUCKETS; b++)
		while (vm->pending[b]) {
			struct vm_pending *p = vm->pending[b];

			vm->pending[b] = p->next;
			free(p->nodes);
			free(p);
		}
	exph_free(vm->scratch);
	exph_free(vm->scratch_ttft);
	free(vm->trees);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

static int64_t slot_of(const struct view_model *vm, uint64_t t)
{
	return t <= vm->start_ns ? 0 : (int64_t)((t - vm->start_ns) / VM_SLOT_NS);
}

static void stat_add(struct view_model *vm, struct vm_stat *st, int64_t slot, bool failed,
		     double lat, double tokens, double cost, double ttft)
{
	st->calls++;
	st->errors += failed;
	st->tokens += tokens;
	st->cost += cost;
	if (slot <= vm->latest_slot - VM_RING)
		return; /* older than anything the ring keeps: totals only */
	struct vm_slot *s = &st->slot[slot % VM_RING];

	if (s->id != slot + 1) {
		if (s->id > slot + 1)
			return;
		s->id = slot + 1;
		s->calls = s->errors = 0;
		s->tokens = s->cost = 0;
		if (s->lat)
			exph_reset(s->lat);
		if (s->ttft)
			exph_reset(s->ttft);
	}
	s->calls++;
	s->errors += failed;
	s->tokens += tokens;
	s->cost += cost;
	if (!isnan(lat)) {
		if (!s->lat)
			s->lat = exph_new(160, 20);
		if (s->lat)
			exph_record(s->lat, lat);
	}
	if (!isnan(ttft)) {
		if (!s->ttft)
			s->ttft = exph_new(160, 20);
		if (s->ttft)
			exph_record(s->ttft, ttft);
	}
}

static bool applies(const struct metric_action *a, bool failed)
{
	return a && (a->when == ACT_ALWAYS || (a->when == ACT_IF_OK && !failed) ||
		     (a->when == ACT_IF_FAILED && failed));
}

static double action_value(const struct metric_action *a, const struct call *c)
{
	if (!applies(a, c->failed))
		return 0;
	const struct attr *v = attr_find(c->attrs, c->nattrs, a->value_attr);

	return v ? attr_number(v) * a->scale : 0;
}

static struct vm_value *find_value(struct vm_key *k, const char *text)
{
	for (int i = 0; i < k->nvalues; i++)
		if (!strcmp(k->values[i]->text, text))
			return k->values[i];
	if (k->nvalues == VM_MAX_VALUES)
		text = "(other)";
	for (int i = 0; i < k->nvalues; i++)
		if (!strcmp(k->values[i]->text, text))
			return k->values[i];
	if (k->nvalues > VM_MAX_VALUES)
		return NULL;
	void *p = realloc(k->values, (k->nvalues + 1) * sizeof(*k->values));

	if (!p)
		return NULL;
	k->values = p;
	struct vm_value *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	set_str(v->text, sizeof(v->text), text[0] ? text : "(none)");
	k->values[k->nvalues++] = v;
	return v;
}

int vm_op_index(const struct view_model *vm, const struct call *c)
{
	if (!c->op)
		return -1;
	long op = c->op - catalog_ops;

	return op >= 0 && op < vm->nops ? (int)op : -1;
}

void vm_on_call(struct view_model *vm, const struct call *c)
{
	int op = vm_op_index(vm, c);

	if (op < 0)
		return;
	struct vm_op *o = &vm->ops[op];
	bool point = c->rec.kind == CALL_POINT;
	double lat = point ? NAN : call_duration_s(c);
	double tokens = action_value(o->tok, c), cost = action_value(o->cost, c);
	/* a streamed call's time to first chunk; none for the others */
	const struct attr *tf = o->ttft && applies(o->ttft, c->failed)
					? attr_find(c->attrs, c->nattrs, o->ttft->value_attr) : NULL;
	double ttft = tf ? attr_number(tf) * o->ttft->scale : NAN;
	char buf[32];

	pthread_mutex_lock(&vm->lock);
	int64_t slot = slot_of(vm, c->rec.end_ns);

	if (slot > vm->latest_slot)
		vm->latest_slot = slot;
	o->seen = true;
	stat_add(vm, &o->st, slot, c->failed, lat, tokens, cost, ttft);
	for (int k = 0; k < o->nkeys; k++) {
		struct vm_key *key = &o->keys[k];
		const char *text;

		if (key->errors_only && !c->failed)
			continue;
		text = key->errors_only ? (c->error_type ? c->error_type : "_OTHER")
					: call_metric_attr(c, key->key, buf, sizeof(buf));
		struct vm_value *v = find_value(key, text);

		if (v)
			stat_add(vm, &v->st, slot, c->failed, lat, tokens, cost, ttft);
	}
	pthread_mutex_unlock(&vm->lock);
}

void vm_call_hook(void *ctx, const struct call *c, int resource)
{
	(void)resource;
	vm_on_call(ctx, c);
}

/* ---- snapshots ------------------------------------------------------- */

struct vm_snapshot *vm_snapshot_new(void)
{
	return calloc(1, sizeof(struct vm_snapshot));
}

void vm_snapshot_free(struct vm_snapshot *snap)
{
	if (snap)
		free(snap->brows);
	free(snap);
}

/* Window figures of one stat into a row. */
static void fill_row(struct view_model *vm, struct vm_row *r, const struct vm_stat *st,
		     int64_t now_slot, double win_s)
{
	uint64_t calls = 0, errors = 0;
	double tokens = 0, cost = 0;

	exph_reset(vm->scratch);
	exph_reset(vm->scratch_ttft);
	for (int64_t s = now_slot - vm->window + 1; s <= now_slot; s++) {
		if (s < 0)
			continue;
		const struct vm_slot *sl = &st->slot[s % VM_RING];

		if (sl->id != s + 1)
			continue;
		calls += sl->calls;
		errors += sl->errors;
		tokens += sl->tokens;
		cost += sl->cost;
		if (sl->lat)
			exph_merge(vm->scratch, sl->lat);
		if (sl->ttft)
			exph_merge(vm->scratch_ttft, sl->ttft);
	}
	r->win_calls = calls;
	r->win_errors = errors;
	r->calls = st->calls;
	r->errors = st->errors;
	r->tokens = st->tokens;
	r->cost = st->cost;
	r->calls_s = win_s > 0 ? calls / win_s : 0;
	r->errors_s = win_s > 0 ? errors / win_s : 0;
	r->tokens_s = win_s > 0 ? tokens / win_s : 0;
	r->cost_s = win_s > 0 ? cost / win_s : 0;
	r->err_pct = calls ? 100.0 * errors / calls : 0;
	r->p50 = exph_quantile(vm->scratch, 0.50);
	r->p95 = exph_quantile(vm->scratch, 0.95);
	r->p99 = exph_quantile(vm->scratch, 0.99);
	r->ttft_p50 = exph_quantile(vm->scratch_ttft, 0.50);
}

static int cmp_values(const void *a, const void *b)
{
	const struct vm_value *x = *(struct vm_value *const *)a, *y = *(struct vm_value *const *)b;

	if (x->st.calls != y->st.calls)
		return x->st.calls > y->st.calls ? -1 : 1;
	return strcmp(x->text, y->text);
}

static struct vm_brow *new_brow(struct vm_snapshot *snap)
{
	if (snap->nbrows == snap->cap_brows) {
		int cap = snap->cap_brows ? snap->cap_brows * 2 : 64;
		void *p = realloc(snap->brows, (size_t)cap * sizeof(*snap->brows));

		if (!p)
			return NULL;
		snap->brows = p;
		snap->cap_brows = cap;
	}
	return &snap->brows[snap->nbrows++];
}

void vm_snapshot_take(struct view_model *vm, struct vm_snapshot *snap, uint64_t now_ns,
		      const uint64_t *active)
{
	pthread_mutex_lock(&vm->lock);
	int64_t now_slot = slot_of(vm, now_ns);
	uint64_t from = vm->start_ns + (uint64_t)(now_slot - vm->window + 1 > 0 ? now_slot - vm->window + 1 : 0) * VM_SLOT_NS;
	double win_s = now_ns > from ? (double)(now_ns - from) / 1e9 : 0;
	uint64_t win_calls = 0, win_errors = 0;

	if (now_slot > vm->latest_slot)
		vm->latest_slot = now_slot;
	snap->now_ns = now_ns;
	snap->start_ns = vm->start_ns;
	snap->window_s = win_s;
	snap->nrows = snap->nbrows = 0;
	memset(&snap->total, 0, sizeof(snap->total));
	snprintf(snap->total.name, sizeof(snap->total.name), "total");
	snap->total.op = -1;
	snap->total.p50 = snap->total.p95 = snap->total.p99 = snap->total.ttft_p50 = NAN;
	snap->total.has_active = true;
	for (int op = 0; op < vm->nops; op++) {
		struct vm_op *o = &vm->ops[op];
		uint64_t act = active ? active[op] : 0;

		if (!o->seen && !act)
			continue;
		struct vm_row *r = &snap->rows[snap->nrows++];

		memset(r, 0, sizeof(*r));
		r->op = op;
		set_str(r->name, sizeof(r->name), catalog_ops[op].name);
		r->point = catalog_ops[op].point;
		r->has_active = catalog_op_has_updown(op);
		r->has_tokens = o->tok || o->cost;
		r->has_ttft = o->ttft != NULL;
		r->active = act;
		fill_row(vm, r, &o->st, now_slot, win_s);
		snap->total.calls_s += r->calls_s;
		snap->total.errors_s += r->errors_s;
		snap->total.tokens_s += r->tokens_s;
		snap->total.cost_s += r->cost_s;
		snap->total.calls += r->calls;
		snap->total.errors += r->errors;
		snap->total.tokens += r->tokens;
		snap->total.cost += r->cost;
		snap->total.active += act;
		snap->total.has_tokens |= r->has_tokens;
		win_calls += r->win_calls;
		win_errors += r->win_errors;

		for (int k = 0; k < o->nkeys; k++) {
			struct vm_key *key = &o->keys[k];

			if (key->nvalues > 1)
				qsort(key->values, (size_t)key->nvalues, sizeof(*key->values), cmp_values);
			for (int v = 0; v < key->nvalues; v++) {
				struct vm_brow *b = new_brow(snap);

				if (!b)
					break;
				memset(b, 0, sizeof(*b));
				b->op = op;
				b->key = key->key;
				b->row.op = op;
				b->row.point = r->point;
				b->row.has_tokens = r->has_tokens && !key->errors_only;
				b->row.has_ttft = r->has_ttft && !key->errors_only;
				snprintf(b->row.name, sizeof(b->row.name), "%s=%s", short_key(key->key),
					 key->values[v]->text);
				fill_row(vm, &b->row, &key->values[v]->st, now_slot, win_s);
			}
		}
	}
	snap->total.win_calls = win_calls;
	snap->total.win_errors = win_errors;
	snap->total.err_pct = win_calls ? 100.0 * win_errors / win_calls : 0;

	snap->errors_seen = vm->nerrors;
	snap->nerrors = vm->nerrors < VM_ERR_RING ? (int)vm->nerrors : VM_ERR_RING;
	for (int i = 0; i < snap->nerrors; i++)
		snap->errors[i] = vm->errors[(vm->nerrors - 1 - (uint64_t)i) % VM_ERR_RING];
	snap->traces_seen = vm->ntrees;
	snap->traces_incomplete = vm->incomplete;
	snap->ntrees = vm->ntrees < VM_TREE_RING ? (int)vm->ntrees : VM_TREE_RING;
	for (int i = 0; i < snap->ntrees; i++)
		snap->trees[i] = vm->trees[(vm->ntrees - 1 - (uint64_t)i) % VM_TREE_RING];
	pthread_mutex_unlock(&vm->lock);
}

/* ---- sorting --------------------------------------------------------- */

static double col_value(const struct vm_row *r, enum vm_col col)
{
	switch (col) {
	case VC_RATE: return r->calls_s;
	case VC_ERR_RATE: return r->errors_s;
	case VC_ERR_PCT: return r->err_pct;
	case VC_ACTIVE: return r->has_active ? (double)r->active : NAN;
	case VC_P50: return r->point ? NAN : r->p50;
	case VC_P95: return r->point ? NAN : r->p95;
	case VC_P99: return r->point ? NAN : r->p99;
	case VC_CALLS: return (double)r->calls;
	case VC_ERRORS: return (double)r->errors;
	case VC_TOKENS: return r->has_tokens ? r->tokens_s : NAN;
	case VC_COST: return r->has_tokens ? r->cost_s : NAN;
	case VC_TTFT: return r->has_ttft ? r->ttft_p50 : NAN;
	default: return NAN;
	}
}

struct sort_key {
	enum vm_col col;
	bool desc;
};

static int cmp_rows(const void *a, const void *b, void *ctx)
{
	const struct vm_row *x = a, *y = b;
	const struct sort_key *k = ctx;

	if (k->col != VC_NAME) {
		double u = col_value(x, k->col), v = col_value(y, k->col);

		if (isnan(u) != isnan(v))
			return isnan(u) ? 1 : -1; /* empty cells last either way */
		if (!isnan(u) && u != v)
			return (u < v) == k->desc ? 1 : -1;
		return strcmp(x->name, y->name);
	}
	int c = strcmp(x->name, y->name);

	return k->desc ? -c : c;
}

void vm_sort_rows(struct vm_row *rows, int n, enum vm_col col, bool desc)
{
	struct sort_key k = {col, desc};

	qsort_r(rows, (size_t)n, sizeof(*rows), cmp_rows, &k);
}

bool vm_col_default_desc(enum vm_col col)
{
	return col != VC_NAME;
}
