/* The network exporters main.c drives: OTLP/HTTP (--otlp or the
 * OTEL_EXPORTER_OTLP_* environment) and the Prometheus endpoint
 * (--prometheus), with their share of the tracer's health metrics
 * (mcp_bpftrace_export_errors_total{signal}, mcp_bpftrace_dropped_spans_total)
 * and of the exit summary. */
#ifndef EXPORTERS_H
#define EXPORTERS_H

#include <signal.h>
#include "cli.h"
#include "export_opts.h"
#include "aggregate/metrics.h"
#include "otlp_http.h"
#include "prom.h"
#include "target/resources.h"
#include "aggregate/spans.h"
#include "aggregate/health.h"

struct exporters {
	struct otlp_http *otlp;
	struct prom_server *prom;
	const struct config *cfg;
};

/* Starts what the configuration asks for; the OTLP exporter becomes a span
 * sink of `sb`. Returns 0, or an exit status (1 runtime, 2 bad usage) with
 * err set. */
int exporters_setup(struct exporters *E, const struct config *cfg, struct span_builder *sb,
		    struct metric_store *ms, const struct resource_table *rt,
		    const struct export_opts *eo, char *err, size_t errlen);
/* Every --interval and at exit: health counters into the store and `h`,
 * then a metrics snapshot for OTLP/HTTP. */
void exporters_metrics(struct exporters *E, struct metric_store *ms, const struct export_opts *eo,
		       struct health_counts *h);
/* At exit, after the last exporters_metrics(): --prometheus-linger (unless *stop), then
 * the bounded OTLP shutdown; what was lost goes into `h` and the store. */
void exporters_finish(struct exporters *E, struct metric_store *ms, struct health_counts *h,
		      const volatile sig_atomic_t *stop);
/* Stops the server and frees everything (before the store goes). */
void exporters_close(struct exporters *E);

#endif
