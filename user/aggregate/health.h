/* The tracer's own health metrics (telemetry.md section 8). Their ids follow
 * the catalog's in the metric store: catalog_nmetrics + HM_*. */
#ifndef HEALTH_H
#define HEALTH_H

#include <stdint.h>
#include "catalog.h"
#include "mcp_trace.h"

enum health_metric {
	HM_EVENTS,          /* records received */
	HM_DROPPED,         /* records lost: ring buffer full */
	HM_LOST,            /* {reason}: other data the BPF side could not keep */
	HM_ATTACH_ERRORS,   /* {reason} */
	HM_EXPORT_ERRORS,   /* {signal} */
	HM_DROPPED_SPANS,   /* spans an exporter had to drop (queue full) */
	HM_COUNT
};

extern const struct metric_def health_metrics[HM_COUNT];

/* Everything the tracer knows about its own losses, gathered for the
 * summary, the views and the health metrics. */
struct health_counts {
	uint64_t records, bad_records, orphan_points;
	uint64_t bpf[MCP_STAT_MAX];
	uint64_t export_errors, dropped_spans;
	int attach_errors;
};

#define HEALTH_METRIC(hm) (catalog_nmetrics + (hm))

struct metric_store;
/* Sets health counter `hm` (with one attribute key=val, or none when key
 * is NULL) to its running total v, under the store's lock. */
void health_set(struct metric_store *ms, int hm, const char *key, const char *val, uint64_t v);

#endif
