/* --otlp-file: OTLP/JSON lines, one ExportTraceServiceRequest per batch of
 * spans and one ExportMetricsServiceRequest per interval and at exit.
 * Every line written or not written is reported to the status board
 * (export_status.h); the first write error also goes to stderr, once, and
 * makes the run's exit status 1 (exporters_finish). */
#ifndef OTLP_FILE_H
#define OTLP_FILE_H

#include <stdio.h>
#include "export_opts.h"
#include "aggregate/metrics.h"
#include "target/resources.h"
#include "aggregate/spans.h"

struct otlp_file {
	FILE *f;
	const char *path;
	const struct resource_table *rt;
	struct span **batch;
	size_t n, cap;
	uint64_t lines, errors;
};

int otlp_file_open(struct otlp_file *of, const char *path, const struct resource_table *rt,
		   char *err, size_t errlen);
/* A span sink (spans.h). */
void otlp_file_span(void *ctx, struct span *s);
void otlp_file_flush_spans(struct otlp_file *of);
void otlp_file_metrics(struct otlp_file *of, struct metric_store *ms, const struct export_opts *o);
void otlp_file_close(struct otlp_file *of);

#endif
