/* The induced cost as the tracer's own metrics (aggregate/health.h):
 * mcp_bpftrace_induced_cpu_seconds_total{process.pid},
 * mcp_bpftrace_target_cpu_seconds_total{process.pid},
 * mcp_bpftrace_binding_induced_cpu_seconds_total{binding},
 * mcp_bpftrace_detached_bindings_total{binding}. */
#ifndef COST_METRICS_H
#define COST_METRICS_H

#include <stddef.h>
#include "probe_map.h"
#include "cost/induced.h"

struct metric_store;

/* Sets them from a report (nothing before the calibration is done). */
void cost_fold_metrics(const struct cost_report *r, const struct probe_map *pm, struct metric_store *ms);
/* A binding's name in metrics and messages: its function, or usdt:PROVIDER:NAME. */
const char *cost_binding_label(const struct pm_binding *b, char *buf, size_t len);

#endif
