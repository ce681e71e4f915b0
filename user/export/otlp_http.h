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
 * then counts the rest as dropped. Every request, every loss is reported to
 * the status board (export_status.h); messages show URLs redacted. The
 * configuration (flags, OTEL_* variables) is otlp_http_config.h. */
#ifndef OTLP_HTTP_H
#define OTLP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "export_opts.h"
#include "otlp_http_config.h"
#include "aggregate/metrics.h"
#include "target/resources.h"
#include "aggregate/spans.h"

#define OTLP_BATCH_SPANS 512
#define OTLP_BATCH_DELAY_S 1.0

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
