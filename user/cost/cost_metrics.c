/* The induced cost as health metrics (cost_metrics.h). */
#include <pthread.h>
#include <stdio.h>
#include "aggregate/health.h"
#include "aggregate/metrics.h"
#include "clock.h"
#include "target/resources.h"
#include "cost/cost_metrics.h"

const char *cost_binding_label(const struct pm_binding *b, char *buf, size_t len)
{
	if (b->symbol)
		snprintf(buf, len, "%s", b->symbol);
	else
		snprintf(buf, len, "usdt:%s:%s", b->usdt_provider ? b->usdt_provider : "",
			 b->usdt_name ? b->usdt_name : "");
	return buf;
}

/* A process's series: on its own resource, no attribute of its own. */
static void set_on_resource(struct metric_store *ms, int resource, int hm, double v)
{
	struct series *s;
	const char *keys[1] = {NULL}, *vals[1] = {NULL};

	pthread_mutex_lock(&ms->lock);
	s = ms_series(ms, resource, HEALTH_METRIC(hm), keys, vals, 0, clock_mono_ns());
	if (s)
		s->v.d = v;
	pthread_mutex_unlock(&ms->lock);
}

void cost_fold_metrics(const struct cost_report *r, const struct probe_map *pm, struct metric_store *ms,
		       struct resource_table *rt, const char *service_hint)
{
	char name[160];

	if (!r->ready)
		return;
	for (int i = 0; i < r->nprocs; i++) {
		int res = rt && r->procs[i].pid > 0 ? resources_for_pid(rt, r->procs[i].pid, service_hint) : -1;

		set_on_resource(ms, res, HM_INDUCED_CPU, r->procs[i].induced_s);
		set_on_resource(ms, res, HM_TARGET_CPU, r->procs[i].cpu_s);
	}
	for (int i = 0; i < r->nbindings && i < (int)pm->n; i++) {
		const struct cost_report_binding *b = &r->bindings[i];

		if (!b->calls && !b->detached)
			continue;
		cost_binding_label(&pm->bindings[i], name, sizeof(name));
		health_set_double(ms, HM_BINDING_INDUCED_CPU, "binding", name, b->induced_s);
		if (b->detached)
			health_set(ms, HM_DETACHED, "binding", name, 1);
	}
}
