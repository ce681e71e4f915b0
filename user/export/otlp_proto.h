/* OTLP protobuf encoding (protobuf-c, messages from the user/proto files).
 * Carries the same content as otlp_json.c: same grouping by resource, same
 * span attributes, events and status, same metric points. */
#ifndef OTLP_PROTO_H
#define OTLP_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include "export_opts.h"
#include "aggregate/metrics.h"
#include "target/resources.h"
#include "aggregate/spans.h"

struct otlp_buf {
	uint8_t *data; /* malloc'd */
	size_t len;
};

/* An ExportTraceServiceRequest for `n` spans. 0, or -1 when out of memory. */
int otlp_proto_traces(struct span *const *spans, size_t n, const struct resource_table *rt,
		      struct otlp_buf *out);
/* An ExportMetricsServiceRequest with every series (cumulative). Takes
 * ms->lock for as long as it takes to encode. 0 or -1. */
int otlp_proto_metrics(struct metric_store *ms, const struct resource_table *rt,
		       const struct export_opts *o, struct otlp_buf *out);

/* Responses. `signal` 0: ExportTraceServiceResponse, 1: ExportMetrics...
 * Sets *rejected (spans or data points) and msg (may be ""). 0 when the
 * body decodes (an empty body is a valid, empty response), -1 when not. */
int otlp_proto_response(int signal, const uint8_t *b, size_t n, int64_t *rejected,
			char *msg, size_t msglen);
/* The message of a google.rpc.Status error body; -1 when it is not one. */
int otlp_proto_status_message(const uint8_t *b, size_t n, char *msg, size_t msglen);

#endif
