/* The induced cost as the tracer's own metrics (aggregate/health.h):
 * mcp_bpftrace_induced_cpu_seconds_total and
 * mcp_bpftrace_target_cpu_seconds_total on each traced process's resource
 * (its process.pid, service.name ...: the series join that process's
 * others, and a Prometheus label process_pid is the target's, not the
 * tracer's), mcp_bpftrace_binding_induced_cpu_seconds_total{binding} and
 * mcp_bpftrace_detached_bindings_total{binding} on the tracer's. */
#ifndef COST_METRICS_H
#define COST_METRICS_H

#include <stddef.h>
#include "probe_map.h"
#include "cost/induced.h"

struct metric_store;
struct resource_table;

/* Sets them from a report (nothing before the calibration is done); the
 * resources of the processes from `rt` (NULL: the tracer's, for tests). */
void cost_fold_metrics(const struct cost_report *r, const struct probe_map *pm, struct metric_store *ms,
		       struct resource_table *rt, const char *service_hint);
/* A binding's name in metrics and messages: its function, or usdt:PROVIDER:NAME. */
const char *cost_binding_label(const struct pm_binding *b, char *buf, size_t len);

#endif
