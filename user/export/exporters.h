/* The one front door to every exporter: the OTLP file (--otlp-file),
 * OTLP/HTTP (--otlp or the OTEL_EXPORTER_OTLP_* environment) and the
 * Prometheus endpoint (--prometheus). main.c calls only these: configure
 * (checks, before anything is loaded), setup (starts them; the span sinks
 * are registered here), metrics (every --interval and at exit), finish
 * (linger, bounded shutdown, exit status), close.
 *
 * Each exporter reports to the status board (export_status.h); the health
 * metrics mcp_bpftrace_export_errors_total{signal} and
 * mcp_bpftrace_dropped_spans_total, the summary's counts and --verbose are
 * read from that board. */
#ifndef EXPORTERS_H
#define EXPORTERS_H

#include <signal.h>
#include "cli.h"
#include "export_opts.h"
#include "aggregate/metrics.h"
#include "otlp_file.h"
#include "otlp_http.h"
#include "prom_server.h"
#include "target/resources.h"
#include "aggregate/spans.h"
#include "aggregate/health.h"

struct exporters {
	const struct config *cfg;
	bool configured;
	struct otlp_http_config otlp_cfg; /* resolved by configure, handed to the thread by setup */
	bool otlp_wanted;
	struct otlp_file file;            /* file.f NULL: no --otlp-file */
	struct otlp_http *otlp;
	struct prom_server *prom;
};

/* Resolves and checks every exporter option and OTEL_* variable (URLs,
 * headers, addresses) without starting anything: call it before any BPF
 * is loaded. Returns 0, or 2 (bad usage) with err set (URLs redacted). */
int exporters_configure(struct exporters *E, const struct config *cfg, char *err, size_t errlen);
/* Starts what the configuration asks for (configuring first if that was
 * not done); the file and OTLP/HTTP exporters become span sinks of `sb`.
 * Returns 0, or an exit status (1 runtime, 2 bad usage) with err set. */
int exporters_setup(struct exporters *E, const struct config *cfg, struct span_builder *sb,
		    struct metric_store *ms, const struct resource_table *rt,
		    const struct export_opts *eo, char *err, size_t errlen);
/* Every --interval and at exit: the board's counts into the health metrics
 * and `h`, then a metrics snapshot to the file and to OTLP/HTTP. */
void exporters_metrics(struct exporters *E, struct metric_store *ms, const struct export_opts *eo,
		       struct health_counts *h);
/* At exit, after the last exporters_metrics(): --prometheus-linger (unless
 * *stop), the bounded OTLP shutdown, the OTLP exit line, --verbose's board.
 * What was lost goes into `h` and the store. Returns the exit status the
 * export asks for: 1 when the --otlp-file could not be written, else 0. */
int exporters_finish(struct exporters *E, struct metric_store *ms, struct health_counts *h,
		     const volatile sig_atomic_t *stop);
/* Stops the server, closes the file, frees everything (before the store
 * and the span builder go). */
void exporters_close(struct exporters *E);

#endif
