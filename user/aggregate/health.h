/* The tracer's own health metrics (telemetry.md section 8). Their ids follow
 * the catalog's in the metric store: catalog_nmetrics + HM_*. */
#ifndef HEALTH_H
#define HEALTH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "catalog.h"
#include "mcp_trace.h"

enum health_metric {
	HM_EVENTS,          /* records received */
	HM_DROPPED,         /* records lost: ring buffer full */
	HM_LOST,            /* {reason}: other data the BPF side could not keep */
	HM_ATTACH_ERRORS,   /* {reason} */
	HM_EXPORT_ERRORS,   /* {signal} */
	HM_DROPPED_SPANS,   /* spans an exporter had to drop (queue full) */
	HM_CAPTURE_ERRORS,  /* {binding}: attributes left out, memory not readable */
	HM_INDUCED_CPU,     /* CPU time the probes added to a process (cost/), on its resource */
	HM_BINDING_INDUCED_CPU, /* {binding}: the same per binding, every process */
	HM_TARGET_CPU,      /* the process's CPU time since tracing began, on its resource */
	HM_DETACHED,        /* {binding}: taken off by --max-overhead */
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

struct metric_store;

/* The BPF side's counters (enum mcp_stat): each is either "dropped" (a
 * record lost, ring buffer full) or a reason a call was not traced. */
struct bpf_stat_def {
	bool dropped;
	const char *reason; /* mcp_bpftrace_lost_calls_total{reason} */
	const char *text;   /* as the summary says it */
};
extern const struct bpf_stat_def health_bpf_stats[MCP_STAT_MAX];

/* Dropped records, and every other loss together (the views' header). */
void health_split(const uint64_t bpf[MCP_STAT_MAX], uint64_t *dropped, uint64_t *lost);
/* Every health counter of `h` into the store (resource -1: the tracer). */
void health_fold(struct metric_store *ms, const struct health_counts *h);
/* "; not traced: 3 too deep, ..." when any call was not traced. */
void health_print_lost(FILE *f, const struct health_counts *h);

#define HEALTH_METRIC(hm) (catalog_nmetrics + (hm))

/* Sets health counter `hm` (with one attribute key=val, or none when key
 * is NULL) to its running total v, under the store's lock. */
void health_set(struct metric_store *ms, int hm, const char *key, const char *val, uint64_t v);
/* The same for a metric of doubles (seconds). */
void health_set_double(struct metric_store *ms, int hm, const char *key, const char *val, double v);

#endif
