/* Export throughput of the OTLP/HTTP exporter, without the kernel side:
 * synthetic spans shaped like the demo's (12 attributes, 3 events) are
 *   1. encoded to protobuf (otlp_proto_traces) and, for comparison, to
 *      OTLP/JSON (otlp_json_traces), in batches of 512;
 *   2. gzip'd the way the exporter does it;
 *   3. pushed through the real exporter (otlp_http: queue, batching, libcurl
 *      keep-alive) to a receiver, plain and gzip, timing first enqueue to
 *      last response.
 * usage: otlp_bench SPANS [URL]    (no URL: steps 1 and 2 only)
 * Built and run by tools/bench/export_throughput.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "clock.h"
#include "export/otlp_http.h"
#include "export/otlp_json.h"
#include "export/otlp_proto.h"
#include "target/resources.h"
#include "aggregate/spans.h"

static struct span *make_span(uint64_t i)
{
	struct span *s = calloc(1, sizeof(*s));
	static const char *agents[] = {"planner", "coder", "critic", "researcher", "summarizer"};

	s->refs = 1;
	s->resource = 0;
	s->call.rec.trace_id[0] = 0x1234567890abcdefULL ^ (i / 8);
	s->call.rec.trace_id[1] = 0xfedcba0987654321ULL + (i / 8);
	s->call.rec.span_id = 0x1000000000000000ULL + i;
	s->call.rec.parent_id = i % 8 ? 0x1000000000000000ULL + (i & ~7ULL) : 0;
	s->call.rec.start_ns = 1000000000ULL + i * 1000;
	s->call.rec.end_ns = s->call.rec.start_ns + 150000 + i % 777;
	snprintf(s->name, sizeof(s->name), "agent_iteration_%s", agents[i % 5]);
	s->kind = SK_INTERNAL;
	s->error = i % 20 == 0;
	s->call.error_type = s->error ? "TimeoutError" : NULL;
	struct attr *a = s->attrs;

	a[s->nattrs++] = (struct attr){.key = "mcp.collaboration_id", .type = AT_STR, .s = "collab-000123-abcdef"};
	a[s->nattrs++] = (struct attr){.key = "mcp.agent_name", .type = AT_STR, .s = agents[i % 5]};
	a[s->nattrs++] = (struct attr){.key = "mcp.iteration_number", .type = AT_INT, .i = (int64_t)(i % 7)};
	a[s->nattrs++] = (struct attr){.key = "mcp.agent_contribution", .type = AT_DOUBLE, .d = (double)(i % 100) / 128};
	a[s->nattrs++] = (struct attr){.key = "mcp.collaboration_type", .type = AT_STR, .s = "code_review"};
	a[s->nattrs++] = (struct attr){.key = "mcp.service", .type = AT_STR, .s = "agent-collaboration"};
	a[s->nattrs++] = (struct attr){.key = "mcp.operation", .type = AT_STR, .s = "agent_iteration"};
	a[s->nattrs++] = (struct attr){.key = "mcp.iteration_success", .type = AT_BOOL, .b = !s->error};
	a[s->nattrs++] = (struct attr){.key = "mcp.iteration_duration_ms", .type = AT_DOUBLE, .d = 0.150777};
	a[s->nattrs++] = (struct attr){.key = "mcp.prompt_length", .type = AT_INT, .i = 1234};
	a[s->nattrs++] = (struct attr){.key = "mcp.model_type", .type = AT_STR, .s = "gpt-4o-mini"};
	a[s->nattrs++] = (struct attr){.key = "mcp.tokens_used", .type = AT_INT, .i = 873};
	s->events = calloc(3, sizeof(*s->events));
	s->nevents = 3;
	s->events[0].time_ns = s->call.rec.start_ns;
	snprintf(s->events[0].name, sizeof(s->events[0].name), "Agent iteration started");
	s->events[1].time_ns = s->call.rec.end_ns;
	snprintf(s->events[1].name, sizeof(s->events[1].name), "Agent iteration completed");
	s->events[1].attrs[s->events[1].nattrs++] = (struct attr){.key = "mcp.iterations", .type = AT_INT, .i = 3};
	s->events[2].time_ns = s->call.rec.end_ns;
	snprintf(s->events[2].name, sizeof(s->events[2].name), "exception");
	s->events[2].attrs[s->events[2].nattrs++] = (struct attr){.key = "exception.type", .type = AT_STR, .s = "TimeoutError"};
	return s;
}

static double now_s(void)
{
	return clock_mono_ns() / 1e9;
}

static void bench_encode(struct span **v, size_t n, const struct resource_table *rt)
{
	double t0, t1, t2, t3;
	size_t bytes = 0, gz = 0;
	z_stream z = {0};
	uint8_t *out = NULL;
	size_t out_cap = 0;

	deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	t0 = now_s();
	for (size_t i = 0; i < n; i += OTLP_BATCH_SPANS) {
		struct otlp_buf b;

		otlp_proto_traces(v + i, n - i < OTLP_BATCH_SPANS ? n - i : OTLP_BATCH_SPANS, rt, &b);
		bytes += b.len;
		free(b.data);
	}
	t1 = now_s();
	for (size_t i = 0; i < n; i += OTLP_BATCH_SPANS) {
		struct otlp_buf b;

		otlp_proto_traces(v + i, n - i < OTLP_BATCH_SPANS ? n - i : OTLP_BATCH_SPANS, rt, &b);
		size_t bound = deflateBound(&z, b.len);

		if (bound > out_cap) {
			out = realloc(out, bound);
			out_cap = bound;
		}
		deflateReset(&z);
		z.next_in = b.data;
		z.avail_in = (uInt)b.len;
		z.next_out = out;
		z.avail_out = (uInt)bound;
		deflate(&z, Z_FINISH);
		gz += bound - z.avail_out;
		free(b.data);
	}
	t2 = now_s();
	for (size_t i = 0; i < n; i += OTLP_BATCH_SPANS) {
		char *j = otlp_json_traces(v + i, n - i < OTLP_BATCH_SPANS ? n - i : OTLP_BATCH_SPANS, rt);

		free(j);
	}
	t3 = now_s();
	deflateEnd(&z);
	free(out);
	printf("encode protobuf:        %9.0f spans/s  (%.0f bytes/span)\n", n / (t1 - t0), (double)bytes / n);
	printf("encode protobuf + gzip: %9.0f spans/s  (%.0f bytes/span, %.1fx smaller)\n", n / (t2 - t1),
	       (double)gz / n, (double)bytes / gz);
	printf("encode OTLP/JSON:       %9.0f spans/s  (for comparison: the --otlp-file encoder)\n", n / (t3 - t2));
}

static void bench_send(struct span **v, size_t n, const struct resource_table *rt, const char *url, bool gzip)
{
	struct otlp_http_opts o = {.endpoint = url, .compression = gzip ? "gzip" : "none",
				   .queue_spans = n + 1, .shutdown_s = 120};
	struct otlp_http_config c;
	struct otlp_http_stats st;
	char err[256];
	struct otlp_http *x;
	double t0, t1;

	unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
	if (otlp_http_config(&c, &o, err, sizeof(err)) != 1 || !(x = otlp_http_start(&c, rt, err, sizeof(err)))) {
		fprintf(stderr, "otlp_bench: %s\n", err);
		exit(1);
	}
	t0 = now_s();
	for (size_t i = 0; i < n; i++)
		otlp_http_span(x, v[i]);
	otlp_http_shutdown(x); /* sends everything queued, then returns */
	t1 = now_s();
	otlp_http_get_stats(x, &st);
	printf("send %-5s (HTTP, keep-alive): %9.0f spans/s  (%llu spans in %llu requests, %.1f MiB on the wire, "
	       "%llu dropped)\n", gzip ? "gzip" : "plain", st.spans_sent / (t1 - t0), (unsigned long long)st.spans_sent,
	       (unsigned long long)st.requests[OTLP_TRACES], st.bytes_sent / 1048576.0,
	       (unsigned long long)st.spans_dropped);
	otlp_http_free(x);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
	struct resource_table rt;
	struct span **v = calloc(n, sizeof(*v));

	clock_init();
	resources_init(&rt);
	resources_for_pid(&rt, getpid(), "bench");
	for (size_t i = 0; i < n; i++)
		v[i] = make_span(i);
	bench_encode(v, n, &rt);
	if (argc > 2) {
		bench_send(v, n, &rt, argv[2], false);
		bench_send(v, n, &rt, argv[2], true);
	}
	for (size_t i = 0; i < n; i++)
		span_unref(v[i]);
	free(v);
	resources_free(&rt);
	return 0;
}
