/* OTLP/JSON encoding (the protobuf JSON mapping, as the OpenTelemetry
 * Collector's file exporter writes it): one request per line. */
#ifndef OTLP_JSON_H
#define OTLP_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "export_opts.h"
#include "aggregate/metrics.h"
#include "target/resources.h"
#include "aggregate/spans.h"

/* An ExportTraceServiceRequest for `n` spans; malloc'd, no newline. */
char *otlp_json_traces(struct span *const *spans, size_t n, const struct resource_table *rt);
/* An ExportMetricsServiceRequest with every series (cumulative). */
char *otlp_json_metrics(struct metric_store *ms, const struct resource_table *rt,
			const struct export_opts *opts);

#endif
