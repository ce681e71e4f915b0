/* Catalog metric actions over calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aggregator.h"
#include "health.h"

/* Open-addressing map span id -> the up-down series its start incremented
 * (0 is the empty slot; span ids are never 0 in practice). The end record
 * decrements that same series: its attributes may have been read at return
 * and differ from the start's. */
static bool set_insert(struct aggregator *ag, uint64_t id, struct series *s);

static bool set_grow(struct aggregator *ag)
{
	size_t old_cap = ag->active_cap, cap = old_cap ? old_cap * 2 : 1024;
	struct active_span *old = ag->active, *v = calloc(cap, sizeof(*v));

	if (!v)
		return false;
	ag->active = v;
	ag->active_cap = cap;
	ag->active_n = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].id)
			set_insert(ag, old[i].id, old[i].s);
	free(old);
	return true;
}

static bool set_insert(struct aggregator *ag, uint64_t id, struct series *s)
{
	if (!id || ((ag->active_n + 1) * 2 > ag->active_cap && !set_grow(ag)))
		return false;
	size_t mask = ag->active_cap - 1, i = (id * 0x9E3779B97F4A7C15ULL) & mask;

	while (ag->active[i].id)
		i = (i + 1) & mask;
	ag->active[i].id = id;
	ag->active[i].s = s;
	ag->active_n++;
	return true;
}

/* Removes span `id`; returns the series its start incremented, or NULL. */
static struct series *set_remove(struct aggregator *ag, uint64_t id)
{
	if (!id || !ag->active_cap)
		return NULL;
	size_t mask = ag->active_cap - 1, i = (id * 0x9E3779B97F4A7C15ULL) & mask;

	while (ag->active[i].id && ag->active[i].id != id)
		i = (i + 1) & mask;
	if (!ag->active[i].id)
		return NULL;
	struct series *s = ag->active[i].s;

	ag->active[i].id = 0;
	ag->active_n--;
	/* Re-insert the rest of the cluster so lookups do not stop early. */
	for (size_t j = (i + 1) & mask; ag->active[j].id; j = (j + 1) & mask) {
		struct active_span v = ag->active[j];

		ag->active[j].id = 0;
		ag->active_n--;
		set_insert(ag, v.id, v.s);
	}
	return s;
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

/* The key of a catalog attribute spec: "key=value" names the key. */
static const char *spec_key(const char *spec, char *buf, size_t len)
{
	const char *eq = strchr(spec, '=');

	if (!eq)
		return spec;
	snprintf(buf, len, "%.*s", (int)(eq - spec), spec);
	return buf;
}

/* An action's "key=value" condition on the call's attributes. */
static bool only_if_holds(const struct call *c, const char *cond)
{
	char buf[64];
	const char *eq = cond ? strchr(cond, '=') : NULL;

	if (!eq)
		return true;
	snprintf(buf, sizeof(buf), "%.*s", (int)(eq - cond), cond);
	const struct attr *a = attr_find(c->attrs, c->nattrs, buf);
	char text[64];

	return a && !strcmp(attr_text(a, text, sizeof(text)), eq + 1);
}

/* Applies the call's actions for this phase; returns the up-down series
 * touched (if any), so a start can be matched by its end. */
static struct series *apply(struct aggregator *ag, const struct call *c, int resource, enum phase ph,
			    int updown_sign)
{
	struct series *touched = NULL;
	char keybuf[ACT_MAX_ATTRS][64];
	char bufs[ACT_MAX_ATTRS][32];
	const char *keys[ACT_MAX_ATTRS], *vals[ACT_MAX_ATTRS];
	uint64_t now = c->rec.end_ns;

	pthread_mutex_lock(&ag->ms->lock);
	for (int i = 0; i < OP_MAX_ACTIONS; i++) {
		const struct metric_action *a = &c->op->actions[i];

		if (!a->when)
			continue;
		bool updown = catalog_metrics[a->metric].kind == MK_UPDOWN;

		if (a->value == AV_SCALE) { /* moved when a call ends, by what it did */
			if (ph != PH_END || updown_sign || !only_if_holds(c, a->only_if))
				continue;
		} else if (updown != (updown_sign != 0) || (ph == PH_START && !updown)) {
			continue;
		}
		if ((a->when == ACT_IF_OK && c->failed) || (a->when == ACT_IF_FAILED && !c->failed))
			continue;
		/* A value the call does not have (usage an API did not report)
		 * is no observation, not a zero. */
		if (a->value == AV_ATTR && !attr_find(c->attrs, c->nattrs, a->value_attr))
			continue;
		int n = 0;
		bool semconv = metric_is_semconv(&catalog_metrics[a->metric]);

		for (int j = 0; j < ACT_MAX_ATTRS && a->attrs[j]; j++) {
			vals[n] = call_metric_attr(c, a->attrs[j], bufs[n], sizeof(bufs[n]));
			if (semconv && !*vals[n])
				continue; /* no error.type="" on a success, no empty server.port */
			keys[n] = spec_key(a->attrs[j], keybuf[n], sizeof(keybuf[n]));
			n++;
		}
		struct series *s = ms_series(ag->ms, resource, a->metric, keys, vals, n, now);

		if (!s)
			continue;
		if (updown && a->value != AV_SCALE)
			touched = s;
		switch (a->value) {
		case AV_SCALE:
			ms_add(s, a->scale);
			break;
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
	return touched;
}

/* Attributes the kernel could not read, per binding: a health metric of
 * the tracer itself (resource -1), mcp_bpftrace_capture_errors_total. */
static void count_capture_errors(struct aggregator *ag, const struct call *c)
{
	const struct pm_binding *b = c->b;
	char name[160];

	if (!c->rec.capture_errors || !b)
		return;
	if (b->symbol)
		snprintf(name, sizeof(name), "%s", b->symbol);
	else
		snprintf(name, sizeof(name), "usdt:%s:%s", b->usdt_provider ? b->usdt_provider : "",
			 b->usdt_name ? b->usdt_name : "");
	const char *keys[1] = {"binding"}, *vals[1] = {name};

	pthread_mutex_lock(&ag->ms->lock);
	struct series *s = ms_series(ag->ms, -1, HEALTH_METRIC(HM_CAPTURE_ERRORS), keys, vals, 1, c->rec.end_ns);

	if (s)
		ms_add(s, c->rec.capture_errors);
	pthread_mutex_unlock(&ag->ms->lock);
}

void agg_start(struct aggregator *ag, const struct call *c, int resource)
{
	struct series *s = apply(ag, c, resource, PH_START, +1);

	if (s && !set_insert(ag, c->rec.span_id, s)) {
		/* Cannot remember it: undo, rather than leave it up for ever. */
		pthread_mutex_lock(&ag->ms->lock);
		ms_add(s, -1);
		pthread_mutex_unlock(&ag->ms->lock);
	}
}

bool agg_end(struct aggregator *ag, const struct call *c, int resource)
{
	apply(ag, c, resource, PH_END, 0);
	count_capture_errors(ag, c);
	struct series *s = set_remove(ag, c->rec.span_id);

	if (!s)
		return false;
	pthread_mutex_lock(&ag->ms->lock);
	ms_add(s, -1);
	pthread_mutex_unlock(&ag->ms->lock);
	return true;
}

void agg_point(struct aggregator *ag, const struct call *c, int resource)
{
	apply(ag, c, resource, PH_END, 0);
	count_capture_errors(ag, c);
}
