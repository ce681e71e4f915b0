/* The induced cost as health metrics (cost_metrics.h). */
#include <stdio.h>
#include "aggregate/health.h"
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

void cost_fold_metrics(const struct cost_report *r, const struct probe_map *pm, struct metric_store *ms)
{
	char pid[16], name[160];

	if (!r->ready)
		return;
	for (int i = 0; i < r->nprocs; i++) {
		snprintf(pid, sizeof(pid), "%d", (int)r->procs[i].pid);
		health_set_double(ms, HM_INDUCED_CPU, "process.pid", pid, r->procs[i].induced_s);
		health_set_double(ms, HM_TARGET_CPU, "process.pid", pid, r->procs[i].cpu_s);
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
