/* --otlp: OTLP/HTTP protobuf export to any collector (POST /v1/traces,
 * /v1/metrics), on its own thread.
 *
 * The span sink only takes a reference and pushes it into a bounded queue;
 * when the queue is full the oldest span is dropped and counted. The thread
 * sends batches (at most 512 spans, at least once a second), gzip'd or not,
 * over one keep-alive connection (one CURL handle). 429/502/503/504 and
 * connection errors are retried with exponential backoff and jitter,
 * honouring Retry-After; other statuses are not retried and are reported
 * once per distinct status. Metrics are cumulative snapshots: the caller
 * encodes one under the store lock, the thread sends it; a newer snapshot
 * replaces an unsent older one. Shutdown sends what is left within a bound,
 * then counts the rest as dropped. */
#ifndef OTLP_HTTP_H
#define OTLP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "export_opts.h"
#include "aggregate/metrics.h"
#include "target/resources.h"
#include "aggregate/spans.h"

#define OTLP_MAX_HEADERS 32
#define OTLP_BATCH_SPANS 512
#define OTLP_BATCH_DELAY_S 1.0
#define OTLP_DEFAULT_QUEUE 8192
#define OTLP_DEFAULT_SHUTDOWN_S 5.0
#define OTLP_DEFAULT_TIMEOUT_MS 10000

enum otlp_signal { OTLP_TRACES, OTLP_METRICS };

/* What the command line says; NULL / 0 fields leave it to the environment
 * (OTEL_EXPORTER_OTLP_*) or to the defaults. Flags win over env. */
struct otlp_http_opts {
	const char *endpoint;    /* --otlp URL: base, /v1/traces and /v1/metrics appended */
	const char *compression; /* --otlp-compression gzip|none */
	const char *const *headers; /* --otlp-header K=V ... */
	int nheaders;
	size_t queue_spans;      /* --otlp-queue */
	double shutdown_s;       /* --otlp-shutdown-timeout */
};

/* The resolved configuration. */
struct otlp_http_config {
	char *url[2];            /* per signal, NULL: that signal is not exported */
	char *headers[2][OTLP_MAX_HEADERS]; /* "Key: value" */
	int nheaders[2];
	bool gzip[2];
	long timeout_ms[2];
	size_t queue_spans;
	double shutdown_s;
};

/* Resolves flags and OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_}{ENDPOINT,
 * HEADERS,COMPRESSION,TIMEOUT}. Returns 1 when something is to be exported,
 * 0 when nothing is configured, -1 on a bad value (err says which). */
int otlp_http_config(struct otlp_http_config *c, const struct otlp_http_opts *o,
		     char *err, size_t errlen);
void otlp_http_config_free(struct otlp_http_config *c);

struct otlp_http_stats {
	uint64_t spans_queued, spans_sent, spans_dropped, spans_rejected;
	uint64_t requests[2], errors[2], retries;
	uint64_t metric_exports, points_rejected;
	uint64_t bytes_raw, bytes_sent; /* before / after compression */
};

struct otlp_http;

/* Takes ownership of *c (even on failure). NULL on failure (err set). */
struct otlp_http *otlp_http_start(struct otlp_http_config *c, const struct resource_table *rt,
				  char *err, size_t errlen);
/* A span sink (spans.h): never blocks beyond a short mutex. */
void otlp_http_span(void *ctx, struct span *s);
/* Encodes a metrics snapshot now (under ms->lock), sends it on the thread. */
void otlp_http_metrics(struct otlp_http *x, struct metric_store *ms, const struct export_opts *eo);
/* Whether the signal is exported. */
bool otlp_http_has(const struct otlp_http *x, enum otlp_signal sig);
void otlp_http_get_stats(struct otlp_http *x, struct otlp_http_stats *st);
/* Flushes within the shutdown bound, stops the thread; what could not be
 * sent by then is counted as dropped. Idempotent. */
void otlp_http_shutdown(struct otlp_http *x);
void otlp_http_free(struct otlp_http *x);

#endif
