/* Unit tests of the OTLP/HTTP side: the protobuf encoder (otlp_proto.c)
 * read back with protobuf-c's generated unpack, the exporter configuration
 * from flags and OTEL_* variables (otlp_http_config.c; its URLs:
 * test_otlp_url.c), OTEL_RESOURCE_ATTRIBUTES (resources.c), and the
 * Prometheus text renderer (prom.c; its server: test_prom_server.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "aggregate/health.h"
#include "aggregate/metrics.h"
#include "export/otlp_http.h"
#include "export/otlp_proto.h"
#include "export/prom.h"
#include "target/resources.h"
#include "aggregate/spans.h"
#include "unit_test.h"
#include "metrics_service.pb-c.h"
#include "status.pb-c.h"
#include "trace_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;

static const KeyValue *find_kv(KeyValue **v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i]->key, key))
			return v[i];
	return NULL;
}

static const char *kv_str(KeyValue **v, size_t n, const char *key)
{
	const KeyValue *k = find_kv(v, n, key);

	return k && k->value->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
		       ? k->value->string_value : NULL;
}

static int metric_index(const char *name)
{
	for (int i = 0; i < catalog_nmetrics; i++)
		if (!strcmp(catalog_metrics[i].name, name))
			return i;
	return -1;
}

/* ---- spans --------------------------------------------------------------- */

static void fill_span(struct span *s, int resource, unsigned long long sid, unsigned long long parent,
		      bool error)
{
	memset(s, 0, sizeof(*s));
	s->refs = 1;
	s->resource = resource;
	s->call.rec.trace_id[0] = 0x0102030405060708ULL;
	s->call.rec.trace_id[1] = 0x090a0b0c0d0e0f10ULL;
	s->call.rec.span_id = sid;
	s->call.rec.parent_id = parent;
	s->call.rec.start_ns = 1000000000ULL;
	s->call.rec.end_ns = 1002500000ULL;
	snprintf(s->name, sizeof(s->name), "model_routing");
	s->kind = SK_SERVER;
	s->error = error;
	s->call.error_type = error ? "TimeoutError" : NULL;
	s->attrs[s->nattrs++] = (struct attr){.key = "mcp.model_type", .type = AT_STR, .s = "gpt"};
	s->attrs[s->nattrs++] = (struct attr){.key = "mcp.tokens_used", .type = AT_INT, .i = -42};
	s->attrs[s->nattrs++] = (struct attr){.key = "mcp.cost", .type = AT_DOUBLE, .d = 0.125};
	s->attrs[s->nattrs++] = (struct attr){.key = "mcp.cache_hit", .type = AT_BOOL, .b = true};
}

static void test_traces(struct resource_table *rt)
{
	struct span a, b, c;
	struct span_event ev[2] = {0};
	struct otlp_buf buf;

	fill_span(&a, 0, 0x1111222233334444ULL, 0, true);
	fill_span(&b, -1, 0x5555666677778888ULL, 0x1111222233334444ULL, false);
	fill_span(&c, 0, 0x99990000aaaabbbbULL, 0x1111222233334444ULL, false);
	ev[0].time_ns = a.call.rec.start_ns;
	snprintf(ev[0].name, sizeof(ev[0].name), "Model routing started");
	ev[1].time_ns = a.call.rec.end_ns;
	snprintf(ev[1].name, sizeof(ev[1].name), "exception");
	ev[1].attrs[ev[1].nattrs++] = (struct attr){.key = "exception.type", .type = AT_STR, .s = "TimeoutError"};
	a.events = ev;
	a.nevents = 2;

	struct span *batch[3] = {&a, &b, &c};

	CHECK_EQ_INT(otlp_proto_traces(batch, 3, rt, &buf), 0);
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req =
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, buf.len, buf.data);

	CHECK(req != NULL);
	if (!req) {
		free(buf.data);
		return;
	}
	/* Grouped by resource: the tracer's own (-1) first, then resource 0
	 * holding a and c in batch order. */
	CHECK_EQ_INT(req->n_resource_spans, 2);
	Opentelemetry__Proto__Trace__V1__ResourceSpans *r0 = req->resource_spans[0], *r1 = req->resource_spans[1];

	CHECK_STR_EQ(kv_str(r0->resource->attributes, r0->resource->n_attributes, "service.name"), "mcp-bpftrace");
	CHECK_STR_EQ(kv_str(r1->resource->attributes, r1->resource->n_attributes, "service.name"), "unit-svc");
	const KeyValue *pid = find_kv(r1->resource->attributes, r1->resource->n_attributes, "process.pid");

	CHECK(pid && pid->value->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE &&
	      pid->value->int_value == getpid());
	CHECK_STR_EQ(kv_str(r1->resource->attributes, r1->resource->n_attributes, "deployment.environment"), "unit");
	CHECK_STR_EQ(kv_str(r1->resource->attributes, r1->resource->n_attributes, "team"), "a b,c");
	CHECK_EQ_INT(r1->n_scope_spans, 1);
	CHECK_STR_EQ(r1->scope_spans[0]->scope->name, "mcp-bpftrace");
	CHECK_EQ_INT(r1->scope_spans[0]->n_spans, 2);
	CHECK_EQ_INT(r0->scope_spans[0]->n_spans, 1);

	const Opentelemetry__Proto__Trace__V1__Span *sa = r1->scope_spans[0]->spans[0];
	const Opentelemetry__Proto__Trace__V1__Span *sc = r1->scope_spans[0]->spans[1];
	static const uint8_t tid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	static const uint8_t sid[8] = {0x11, 0x11, 0x22, 0x22, 0x33, 0x33, 0x44, 0x44};

	CHECK(sa->trace_id.len == 16 && !memcmp(sa->trace_id.data, tid, 16));
	CHECK(sa->span_id.len == 8 && !memcmp(sa->span_id.data, sid, 8));
	CHECK_EQ_INT(sa->parent_span_id.len, 0);            /* a root */
	CHECK(sc->parent_span_id.len == 8 && !memcmp(sc->parent_span_id.data, sid, 8));
	CHECK_STR_EQ(sa->name, "model_routing");
	CHECK_EQ_INT(sa->kind, OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER);
	CHECK(sa->start_time_unix_nano == clock_to_unix_ns(1000000000ULL));
	CHECK(sa->end_time_unix_nano == clock_to_unix_ns(1002500000ULL));
	CHECK_EQ_INT(sa->n_attributes, 4);
	CHECK_STR_EQ(kv_str(sa->attributes, sa->n_attributes, "mcp.model_type"), "gpt");
	const KeyValue *k = find_kv(sa->attributes, sa->n_attributes, "mcp.tokens_used");

	CHECK(k && k->value->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE &&
	      k->value->int_value == -42);
	k = find_kv(sa->attributes, sa->n_attributes, "mcp.cost");
	CHECK(k && k->value->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE &&
	      k->value->double_value == 0.125);
	k = find_kv(sa->attributes, sa->n_attributes, "mcp.cache_hit");
	CHECK(k && k->value->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE &&
	      k->value->bool_value);
	CHECK_EQ_INT(sa->n_events, 2);
	if (sa->n_events == 2) {
		CHECK_STR_EQ(sa->events[0]->name, "Model routing started");
		CHECK(sa->events[0]->time_unix_nano == sa->start_time_unix_nano);
		CHECK(sa->events[1]->time_unix_nano == sa->end_time_unix_nano);
		CHECK_STR_EQ(kv_str(sa->events[1]->attributes, sa->events[1]->n_attributes, "exception.type"),
			     "TimeoutError");
	}
	CHECK(sa->status != NULL);
	if (sa->status) {
		CHECK_EQ_INT(sa->status->code, OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR);
		CHECK_STR_EQ(sa->status->message, "TimeoutError");
	}
	CHECK(sc->status && sc->status->code == 0);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
	free(buf.data);

	/* An empty batch is a valid, empty request. */
	CHECK_EQ_INT(otlp_proto_traces(batch, 0, rt, &buf), 0);
	CHECK_EQ_INT(buf.len, 0);
	free(buf.data);
}

/* ---- metrics ------------------------------------------------------------- */

typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;

static const Metric *find_metric(Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req,
				 const char *name, const char *service)
{
	for (size_t i = 0; i < req->n_resource_metrics; i++) {
		Opentelemetry__Proto__Metrics__V1__ResourceMetrics *r = req->resource_metrics[i];
		const char *svc = kv_str(r->resource->attributes, r->resource->n_attributes, "service.name");

		if (!svc || strcmp(svc, service))
			continue;
		for (size_t j = 0; j < r->n_scope_metrics; j++)
			for (size_t m = 0; m < r->scope_metrics[j]->n_metrics; m++)
				if (!strcmp(r->scope_metrics[j]->metrics[m]->name, name))
					return r->scope_metrics[j]->metrics[m];
	}
	return NULL;
}

static void fill_store(struct metric_store *ms)
{
	const char *keys[2] = {"mcp.model_type", "mcp.success"};
	const char *v1[2] = {"gpt", "true"}, *v2[2] = {"a\"b\\c\nd", "false"};
	const char *hk[1] = {"mcp.model_type"}, *hv[1] = {"gpt"};
	const char *sk[1] = {"signal"}, *sv[1] = {"traces"};
	struct series *s;

	pthread_mutex_lock(&ms->lock);
	s = ms_series(ms, 0, metric_index("mcp_model_routing_total"), keys, v1, 2, clock_mono_ns());
	ms_add(s, 3);
	s = ms_series(ms, 0, metric_index("mcp_model_routing_total"), keys, v2, 2, clock_mono_ns());
	ms_add(s, 1);
	s = ms_series(ms, 0, metric_index("mcp_active_model_routings"), hk, hv, 1, clock_mono_ns());
	ms_add(s, 2);
	ms_add(s, -1);
	s = ms_series(ms, 0, metric_index("mcp_model_cost_total"), hk, hv, 1, clock_mono_ns());
	ms_add(s, 0.25);
	ms_add(s, 0.5);
	s = ms_series(ms, 0, metric_index("mcp_model_routing_duration_seconds"), hk, hv, 1, clock_mono_ns());
	ms_record(s, 0.003);
	ms_record(s, 0.02);
	ms_record(s, 0.4);
	ms_record(s, 7);
	s = ms_series(ms, -1, HEALTH_METRIC(HM_EXPORT_ERRORS), sk, sv, 1, clock_mono_ns());
	s->v.i = 5;
	pthread_mutex_unlock(&ms->lock);
}

static void test_metrics(struct resource_table *rt)
{
	struct metric_store ms;
	struct export_opts eo = {.start_mono_ns = clock_mono_ns()};
	struct otlp_buf buf;

	CHECK_EQ_INT(ms_init(&ms), 0);
	fill_store(&ms);
	for (int explicit = 0; explicit < 2; explicit++) {
		if (explicit) {
			static const double b[] = {0.01, 0.1, 1};

			eo.explicit_histograms = true;
			memcpy(eo.bounds, b, sizeof(b));
			eo.nbounds = 3;
		}
		CHECK_EQ_INT(otlp_proto_metrics(&ms, rt, &eo, &buf), 0);
		Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req =
			opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(NULL, buf.len, buf.data);

		CHECK(req != NULL);
		if (!req) {
			free(buf.data);
			continue;
		}
		CHECK_EQ_INT(req->n_resource_metrics, 2);
		const Metric *m = find_metric(req, "mcp_model_routing_total", "unit-svc");

		CHECK(m && m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM);
		if (m && m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM) {
			CHECK(m->sum->is_monotonic);
			CHECK_EQ_INT(m->sum->aggregation_temporality,
				     OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE);
			CHECK_EQ_INT(m->sum->n_data_points, 2);
			int64_t total = 0;

			for (size_t i = 0; i < m->sum->n_data_points; i++) {
				total += m->sum->data_points[i]->as_int;
				CHECK_EQ_INT(m->sum->data_points[i]->value_case,
					     OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT);
				CHECK(m->sum->data_points[i]->start_time_unix_nano == clock_to_unix_ns(eo.start_mono_ns));
			}
			CHECK_EQ_INT(total, 4);
			CHECK_STR_EQ(kv_str(m->sum->data_points[0]->attributes, m->sum->data_points[0]->n_attributes,
					    "mcp.success"), "true");
		}
		m = find_metric(req, "mcp_active_model_routings", "unit-svc");
		CHECK(m && m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM && !m->sum->is_monotonic &&
		      m->sum->data_points[0]->as_int == 1);
		m = find_metric(req, "mcp_model_cost_total", "unit-svc");
		CHECK(m && m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM &&
		      m->sum->data_points[0]->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE &&
		      m->sum->data_points[0]->as_double == 0.75);
		CHECK(m && !strcmp(m->unit, "USD"));
		m = find_metric(req, "mcp_bpftrace_export_errors_total", "mcp-bpftrace");
		CHECK(m && m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM &&
		      m->sum->data_points[0]->as_int == 5);
		m = find_metric(req, "mcp_model_routing_duration_seconds", "unit-svc");
		if (!explicit) {
			CHECK(m && m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM);
			if (m && m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM) {
				const Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint *p =
					m->exponential_histogram->data_points[0];
				uint64_t sum = p->zero_count;

				CHECK_EQ_INT(m->exponential_histogram->aggregation_temporality, 2);
				CHECK_EQ_INT(p->count, 4);
				CHECK(p->_sum_case && fabs(p->sum - 7.423) < 1e-12);
				CHECK(p->_min_case && p->min == 0.003);
				CHECK(p->_max_case && p->max == 7);
				CHECK(p->positive != NULL);
				for (size_t i = 0; p->positive && i < p->positive->n_bucket_counts; i++)
					sum += p->positive->bucket_counts[i];
				CHECK_EQ_INT(sum, 4);
				/* 0.003 lies in bucket offset: base^offset < 0.003 <= base^(offset+1). */
				CHECK(p->positive && exph_map_index(p->scale, 0.003) == p->positive->offset);
			}
		} else {
			CHECK(m && m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM);
			if (m && m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM) {
				const Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *p = m->histogram->data_points[0];

				CHECK_EQ_INT(p->n_explicit_bounds, 3);
				CHECK_EQ_INT(p->n_bucket_counts, 4);
				if (p->n_bucket_counts == 4) {
					CHECK_EQ_INT(p->bucket_counts[0], 1); /* 0.003 */
					CHECK_EQ_INT(p->bucket_counts[1], 1); /* 0.02 */
					CHECK_EQ_INT(p->bucket_counts[2], 1); /* 0.4 */
					CHECK_EQ_INT(p->bucket_counts[3], 1); /* 7 */
				}
				CHECK_EQ_INT(p->count, 4);
			}
		}
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(req, NULL);
		free(buf.data);
	}
	ms_destroy(&ms);
}

/* ---- responses ----------------------------------------------------------- */

static void test_responses(void)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse r =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
	Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
	uint8_t b[256];
	size_t n;
	int64_t rejected = -1;
	char msg[64];

	ps.rejected_spans = 7;
	ps.error_message = "too old";
	r.partial_success = &ps;
	n = opentelemetry__proto__collector__trace__v1__export_trace_service_response__pack(&r, b);
	CHECK_EQ_INT(otlp_proto_response(OTLP_TRACES, b, n, &rejected, msg, sizeof(msg)), 0);
	CHECK_EQ_INT(rejected, 7);
	CHECK_STR_EQ(msg, "too old");
	CHECK_EQ_INT(otlp_proto_response(OTLP_METRICS, b, 0, &rejected, msg, sizeof(msg)), 0); /* empty body */
	CHECK_EQ_INT(rejected, 0);
	CHECK_EQ_INT(otlp_proto_response(OTLP_TRACES, (const uint8_t *)"{\"x\":1}", 7, &rejected, msg, sizeof(msg)), -1);
	st.code = 3;
	st.message = "bad span";
	n = google__rpc__status__pack(&st, b);
	CHECK_EQ_INT(otlp_proto_status_message(b, n, msg, sizeof(msg)), 0);
	CHECK_STR_EQ(msg, "bad span");
}

/* ---- configuration ------------------------------------------------------- */

static void clear_env(void)
{
	static const char *const v[] = {
		"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
		"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
		"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "OTEL_EXPORTER_OTLP_TIMEOUT",
		"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
		"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER"};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		unsetenv(v[i]);
}

static bool has_header(const struct otlp_http_config *c, int sig, const char *h)
{
	for (int i = 0; i < c->nheaders[sig]; i++)
		if (!strcmp(c->headers[sig][i], h))
			return true;
	return false;
}

static void test_config(void)
{
	struct otlp_http_config c;
	struct otlp_http_opts o = {0};
	char err[256] = "";

	clear_env();
	CHECK_EQ_INT(otlp_http_config(&c, &o, err, sizeof(err)), 0); /* nothing configured */

	setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/", 1);
	setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://tempo:4318/custom/traces", 1);
	setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s%3Dcret ,X-Team=a%20b", 1);
	setenv("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-team=metrics", 1);
	setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip", 1);
	setenv("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "2500", 1);
	CHECK_EQ_INT(otlp_http_config(&c, &o, err, sizeof(err)), 1);
	CHECK_STR_EQ(c.url[OTLP_TRACES], "http://tempo:4318/custom/traces"); /* per signal: as is */
	CHECK_STR_EQ(c.url[OTLP_METRICS], "http://collector:4318/v1/metrics");
	CHECK(has_header(&c, OTLP_TRACES, "api-key: s=cret"));
	CHECK(has_header(&c, OTLP_TRACES, "X-Team: a b"));
	CHECK(has_header(&c, OTLP_METRICS, "x-team: metrics")); /* the signal's own wins */
	CHECK(!has_header(&c, OTLP_METRICS, "X-Team: a b"));
	CHECK(has_header(&c, OTLP_TRACES, "Content-Type: application/x-protobuf"));
	CHECK(c.gzip[OTLP_TRACES] && c.gzip[OTLP_METRICS]);
	CHECK_EQ_INT(c.timeout_ms[OTLP_TRACES], OTLP_DEFAULT_TIMEOUT_MS);
	CHECK_EQ_INT(c.timeout_ms[OTLP_METRICS], 2500);
	CHECK_EQ_INT(c.queue_spans, OTLP_DEFAULT_QUEUE);
	otlp_http_config_free(&c);

	/* Flags win over the environment. */
	const char *hdrs[] = {"X-Team=flag"};

	o.endpoint = "https://otlp.example:4318";
	o.compression = "none";
	o.headers = hdrs;
	o.nheaders = 1;
	o.queue_spans = 100;
	CHECK_EQ_INT(otlp_http_config(&c, &o, err, sizeof(err)), 1);
	CHECK_STR_EQ(c.url[OTLP_TRACES], "https://otlp.example:4318/v1/traces");
	CHECK_STR_EQ(c.url[OTLP_METRICS], "https://otlp.example:4318/v1/metrics");
	CHECK(!c.gzip[OTLP_TRACES]);
	CHECK(has_header(&c, OTLP_TRACES, "X-Team: flag"));
	CHECK(!has_header(&c, OTLP_TRACES, "X-Team: a b"));
	CHECK_EQ_INT(c.queue_spans, 100);
	otlp_http_config_free(&c);

	/* Bad values are reported, naming the variable. */
	memset(&o, 0, sizeof(o));
	setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli", 1);
	CHECK_EQ_INT(otlp_http_config(&c, &o, err, sizeof(err)), -1);
	CHECK_STR_HAS(err, "OTEL_EXPORTER_OTLP_COMPRESSION");
	setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "none", 1);
	setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "soon", 1);
	CHECK_EQ_INT(otlp_http_config(&c, &o, err, sizeof(err)), -1);
	CHECK_STR_HAS(err, "OTEL_EXPORTER_OTLP_TIMEOUT");
	unsetenv("OTEL_EXPORTER_OTLP_TIMEOUT");
	setenv("OTEL_EXPORTER_OTLP_HEADERS", "bad header=1", 1);
	CHECK_EQ_INT(otlp_http_config(&c, &o, err, sizeof(err)), -1);
	CHECK_STR_HAS(err, "not a valid header name");
	unsetenv("OTEL_EXPORTER_OTLP_HEADERS");
	setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318", 1);
	unsetenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	CHECK_EQ_INT(otlp_http_config(&c, &o, err, sizeof(err)), -1);
	CHECK_STR_HAS(err, "not an http");
	/* OTEL_TRACES_EXPORTER=none leaves only metrics. */
	setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", 1);
	setenv("OTEL_TRACES_EXPORTER", "none", 1);
	CHECK_EQ_INT(otlp_http_config(&c, &o, err, sizeof(err)), 1);
	CHECK(c.url[OTLP_TRACES] == NULL && c.url[OTLP_METRICS] != NULL);
	otlp_http_config_free(&c);
	clear_env();
}

static void test_resource_attrs(void)
{
	struct resource_table rt;
	struct attr a[RESOURCE_MAX_ATTRS];
	int n;

	unsetenv("OTEL_RESOURCE_ATTRIBUTES");
	unsetenv("OTEL_SERVICE_NAME");
	resources_init(&rt);
	/* malformed "bad" and the tracer's own host.name are ignored */
	CHECK_EQ_INT(resources_set_extra(&rt, "k1=v1, bad ,host.name=x,k2 = a%2Cb ,service.name=from-env"), 2);
	CHECK_STR_EQ(rt.service_override, "from-env");
	n = resources_attrs(&rt, -1, a, RESOURCE_MAX_ATTRS);
	CHECK_EQ_INT(n, 6);
	CHECK(attr_find(a, n, "k1") && !strcmp(attr_find(a, n, "k1")->s, "v1"));
	CHECK(attr_find(a, n, "k2") && !strcmp(attr_find(a, n, "k2")->s, "a,b"));
	CHECK(attr_find(a, n, "host.name") && strcmp(attr_find(a, n, "host.name")->s, "x"));
	/* the limit */
	char spec[1024] = "";

	for (int i = 0; i < RESOURCES_EXTRA_MAX + 3; i++)
		snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "key%d=%d,", i, i);
	CHECK_EQ_INT(resources_set_extra(&rt, spec), 3);
	CHECK_EQ_INT(resources_attrs(&rt, -1, a, RESOURCE_MAX_ATTRS), 4 + RESOURCES_EXTRA_MAX);
	resources_free(&rt);

	/* From the environment, with OTEL_SERVICE_NAME winning over service.name. */
	setenv("OTEL_SERVICE_NAME", "svc-env", 1);
	setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=other,deployment.environment=staging", 1);
	resources_init(&rt);
	CHECK_STR_EQ(rt.service_override, "svc-env");
	n = resources_attrs(&rt, -1, a, RESOURCE_MAX_ATTRS);
	CHECK(attr_find(a, n, "deployment.environment") &&
	      !strcmp(attr_find(a, n, "deployment.environment")->s, "staging"));
	resources_free(&rt);
	unsetenv("OTEL_SERVICE_NAME");
	unsetenv("OTEL_RESOURCE_ATTRIBUTES");
}

/* ---- Prometheus ------------------------------------------------------------ */

static void test_prom_render(struct resource_table *rt)
{
	struct metric_store ms;
	struct export_opts eo = {0};
	char buf[256], want[512];
	size_t len;

	prom_label_name("mcp.model_type", buf, sizeof(buf));
	CHECK_STR_EQ(buf, "mcp_model_type");
	prom_label_name("1st-key.x", buf, sizeof(buf));
	CHECK_STR_EQ(buf, "_1st_key_x");
	prom_label_value("a\"b\\c\nd", buf, sizeof(buf));
	CHECK_STR_EQ(buf, "a\\\"b\\\\c\\nd");

	CHECK_EQ_INT(ms_init(&ms), 0);
	fill_store(&ms);
	char *text = prom_render(&ms, rt, &eo, &len);

	CHECK(text != NULL);
	if (!text) {
		ms_destroy(&ms);
		return;
	}
	CHECK_EQ_INT(strlen(text), len);
	CHECK_STR_HAS(text, "# HELP mcp_model_routing_total ");
	CHECK_STR_HAS(text, "# TYPE mcp_model_routing_total counter\n");
	CHECK(!strstr(text, "_total_total"));
	snprintf(want, sizeof(want),
		 "mcp_model_routing_total{mcp_model_type=\"gpt\",mcp_success=\"true\",service_name=\"unit-svc\",process_pid=\"%d\"} 3\n",
		 (int)getpid());
	CHECK_STR_HAS(text, want);
	CHECK_STR_HAS(text, "mcp_model_routing_total{mcp_model_type=\"a\\\"b\\\\c\\nd\",mcp_success=\"false\",");
	CHECK_STR_HAS(text, "# TYPE mcp_active_model_routings gauge\n");
	CHECK_STR_HAS(text, "mcp_model_cost_total{mcp_model_type=\"gpt\",service_name=\"unit-svc\"");
	CHECK_STR_HAS(text, "} 0.75\n");
	CHECK_STR_HAS(text, "# TYPE mcp_model_routing_duration_seconds histogram\n");
	CHECK_STR_HAS(text, "mcp_model_routing_duration_seconds_bucket{mcp_model_type=\"gpt\",service_name=\"unit-svc\"");
	CHECK_STR_HAS(text, ",le=\"0.005\"} 1\n");   /* 0.003 */
	CHECK_STR_HAS(text, ",le=\"0.025\"} 2\n");   /* + 0.02, cumulative */
	CHECK_STR_HAS(text, ",le=\"5\"} 3\n");
	CHECK_STR_HAS(text, ",le=\"+Inf\"} 4\n");
	CHECK_STR_HAS(text, "mcp_model_routing_duration_seconds_count{");
	CHECK_STR_HAS(text, "} 7.423\n");
	CHECK_STR_HAS(text, "mcp_bpftrace_export_errors_total{signal=\"traces\",service_name=\"mcp-bpftrace\"");
	/* one HELP per family, even with several series */
	const char *p = strstr(text, "# HELP mcp_model_routing_total ");

	CHECK(p && !strstr(p + 1, "# HELP mcp_model_routing_total "));
	free(text);

	/* --histogram explicit bounds are the buckets. */
	eo.explicit_histograms = true;
	eo.bounds[0] = 1;
	eo.nbounds = 1;
	text = prom_render(&ms, rt, &eo, &len);
	CHECK_STR_HAS(text, ",le=\"1\"} 3\n");
	CHECK(text && !strstr(text, "le=\"0.005\""));
	free(text);
	ms_destroy(&ms);
}

int main(void)
{
	struct resource_table rt;

	clock_init();
	unsetenv("OTEL_SERVICE_NAME");
	unsetenv("OTEL_RESOURCE_ATTRIBUTES");
	resources_init(&rt);
	CHECK_EQ_INT(resources_for_pid(&rt, getpid(), "unit-svc"), 0);
	CHECK_EQ_INT(resources_set_extra(&rt, "deployment.environment=unit,team=a%20b%2Cc"), 0);
	test_traces(&rt);
	test_metrics(&rt);
	test_responses();
	test_config();
	test_resource_attrs();
	test_prom_render(&rt);
	resources_free(&rt);
	UNIT_DONE();
}
