#include <string.h>
#include "pipeline.h"

int pipeline_init(struct pipeline *p, const struct probe_map *pm, struct resource_table *rt)
{
	memset(p, 0, sizeof(*p));
	p->pm = pm;
	p->rt = rt;
	pthread_mutex_init(&p->stats_lock, NULL);
	if (ms_init(&p->ms) || agg_init(&p->agg, &p->ms) || binding_stats_init(&p->stats, pm))
		return -1;
	p->sb = span_builder_new();
	return p->sb ? 0 : -1;
}

void pipeline_destroy(struct pipeline *p)
{
	span_builder_free(p->sb);
	binding_stats_free(&p->stats);
	agg_destroy(&p->agg);
	ms_destroy(&p->ms);
	pthread_mutex_destroy(&p->stats_lock);
}

void pipeline_call(void *ctx, const struct call *c)
{
	struct pipeline *p = ctx;
	size_t i = c->rec.binding;

	if (i >= p->pm->n) {
		p->bad_records++;
		return;
	}
	p->records++;
	int res = resources_for_pid(p->rt, (pid_t)c->rec.pid, p->service_hint);

	switch (c->rec.kind) {
	case CALL_START:
		agg_start(&p->agg, c, res);
		pthread_mutex_lock(&p->stats_lock);
		p->stats.v[i].active++;
		pthread_mutex_unlock(&p->stats_lock);
		break;
	case CALL_END: {
		bool was_active = agg_end(&p->agg, c, res);

		pthread_mutex_lock(&p->stats_lock);
		binding_stats_record(&p->stats, c);
		if (was_active && p->stats.v[i].active)
			p->stats.v[i].active--;
		pthread_mutex_unlock(&p->stats_lock);
		if (p->on_call)
			p->on_call(p->on_call_ctx, c, res);
		/* Metrics alone (no live view, no trace export): two thirds
		 * of the user-space cost per record is spared (BENCHMARKS.md). */
		if (span_builder_has_sinks(p->sb))
			span_builder_end(p->sb, c, res);
		break;
	}
	case CALL_POINT:
		agg_point(&p->agg, c, res);
		pthread_mutex_lock(&p->stats_lock);
		binding_stats_record(&p->stats, c);
		pthread_mutex_unlock(&p->stats_lock);
		if (p->on_call)
			p->on_call(p->on_call_ctx, c, res);
		if (span_builder_has_sinks(p->sb))
			span_builder_point(p->sb, c);
		break;
	default:
		p->bad_records++;
	}
}
