/* Catalog metric actions over calls. */
#include <stdlib.h>
#include <string.h>
#include "aggregator.h"

/* Open-addressing set of span ids (0 is the empty slot; span ids are never 0
 * in practice, and a 0 would only cost one up-down update). */
static bool set_insert(struct aggregator *ag, uint64_t id);

static bool set_grow(struct aggregator *ag)
{
	size_t old_cap = ag->active_cap, cap = old_cap ? old_cap * 2 : 1024;
	uint64_t *old = ag->active, *v = calloc(cap, sizeof(*v));

	if (!v)
		return false;
	ag->active = v;
	ag->active_cap = cap;
	ag->active_n = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i])
			set_insert(ag, old[i]);
	free(old);
	return true;
}

static bool set_insert(struct aggregator *ag, uint64_t id)
{
	if (!id || ((ag->active_n + 1) * 2 > ag->active_cap && !set_grow(ag)))
		return false;
	size_t mask = ag->active_cap - 1, i = (id * 0x9E3779B97F4A7C15ULL) & mask;

	while (ag->active[i])
		i = (i + 1) & mask;
	ag->active[i] = id;
	ag->active_n++;
	return true;
}

static bool set_remove(struct aggregator *ag, uint64_t id)
{
	if (!id || !ag->active_cap)
		return false;
	size_t mask = ag->active_cap - 1, i = (id * 0x9E3779B97F4A7C15ULL) & mask;

	while (ag->active[i] && ag->active[i] != id)
		i = (i + 1) & mask;
	if (!ag->active[i])
		return false;
	ag->active[i] = 0;
	ag->active_n--;
	/* Re-insert the rest of the cluster so lookups do not stop early. */
	for (size_t j = (i + 1) & mask; ag->active[j]; j = (j + 1) & mask) {
		uint64_t v = ag->active[j];

		ag->active[j] = 0;
		ag->active_n--;
		set_insert(ag, v);
	}
	return true;
}

int agg_init(struct aggregator *ag, struct metric_store *ms)
{
	memset(ag, 0, sizeof(*ag));
	ag->ms = ms;
	return 0;
}

void agg_destroy(struct aggregator *ag)
{
	free(ag->active);
	memset(ag, 0, sizeof(*ag));
}

enum phase { PH_START, PH_END };

static void apply(struct aggregator *ag, const struct call *c, int resource, enum phase ph, int updown_sign)
{
	char bufs[ACT_MAX_ATTRS][32];
	const char *keys[ACT_MAX_ATTRS], *vals[ACT_MAX_ATTRS];
	uint64_t now = c->rec.end_ns;

	pthread_mutex_lock(&ag->ms->lock);
	for (int i = 0; i < OP_MAX_ACTIONS; i++) {
		const struct metric_action *a = &c->op->actions[i];

		if (!a->when)
			continue;
		bool updown = catalog_metrics[a->metric].kind == MK_UPDOWN;

		if (updown != (updown_sign != 0) || (ph == PH_START && !updown))
			continue;
		if ((a->when == ACT_IF_OK && c->failed) || (a->when == ACT_IF_FAILED && !c->failed))
			continue;
		int n = 0;

		for (; n < ACT_MAX_ATTRS && a->attrs[n]; n++) {
			const char *eq = strchr(a->attrs[n], '=');
			static __thread char keybuf[ACT_MAX_ATTRS][64];

			if (eq) { /* "key=value": the key part names the attribute */
				size_t kl = (size_t)(eq - a->attrs[n]) < 63 ? (size_t)(eq - a->attrs[n]) : 63;

				memcpy(keybuf[n], a->attrs[n], kl);
				keybuf[n][kl] = 0;
				keys[n] = keybuf[n];
			} else {
				keys[n] = a->attrs[n];
			}
			vals[n] = call_metric_attr(c, a->attrs[n], bufs[n], sizeof(bufs[n]));
		}
		struct series *s = ms_series(ag->ms, resource, a->metric, keys, vals, n, now);

		if (!s)
			continue;
		switch (a->value) {
		case AV_ONE:
			ms_add(s, updown ? updown_sign : 1);
			break;
		case AV_DURATION:
			ms_record(s, call_duration_s(c));
			break;
		case AV_ATTR: {
			const struct attr *v = attr_find(c->attrs, c->nattrs, a->value_attr);
			double x = v ? attr_number(v) * a->scale : 0;

			if (catalog_metrics[a->metric].kind == MK_HISTOGRAM)
				ms_record(s, x);
			else
				ms_add(s, x);
			break;
		}
		}
	}
	pthread_mutex_unlock(&ag->ms->lock);
}

void agg_start(struct aggregator *ag, const struct call *c, int resource)
{
	if (set_insert(ag, c->rec.span_id))
		apply(ag, c, resource, PH_START, +1);
}

void agg_end(struct aggregator *ag, const struct call *c, int resource)
{
	apply(ag, c, resource, PH_END, 0);
	if (set_remove(ag, c->rec.span_id))
		apply(ag, c, resource, PH_END, -1);
}

void agg_point(struct aggregator *ag, const struct call *c, int resource)
{
	apply(ag, c, resource, PH_END, 0);
}
