/* The metric store in the Prometheus text exposition format (version
 * 0.0.4), as --prometheus serves it on GET /metrics (prom_server.h).
 *
 * Names are the catalog's (counters already end in _total); attribute keys
 * become label names with dots (and anything else not allowed) turned into
 * underscores; every series also carries its resource's service_name and
 * process_pid labels. Up-down counters are gauges; histograms are classic
 * buckets (le, cumulative) from the exponential histogram, with the
 * --histogram explicit bounds or a default set per unit. */
#ifndef PROM_H
#define PROM_H

#include <stddef.h>
#include "export_opts.h"
#include "aggregate/metrics.h"
#include "target/resources.h"

/* The exposition text of the whole store; malloc'd, NUL-terminated, *len
 * without the NUL. Takes ms->lock. NULL when out of memory. */
char *prom_render(struct metric_store *ms, const struct resource_table *rt,
		  const struct export_opts *eo, size_t *len);

/* Exposed for tests: a label name from an attribute key ("mcp.model_type"
 * -> "mcp_model_type"), and a label value escaped (\\ \" \n). */
void prom_label_name(const char *key, char *out, size_t len);
void prom_label_value(const char *val, char *out, size_t len);

#endif
