/* The GenAI client metrics go out with the bucket boundaries their semantic
 * conventions give (catalog metric_def.bounds), counted exactly: in the
 * metric store (metrics.c), in OTLP/JSON, OTLP protobuf and Prometheus,
 * whatever --histogram says for the other histograms. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "catalog.h"
#include "clock.h"
#include "aggregate/metrics.h"
#include "export/otlp_json.h"
#include "export/otlp_proto.h"
#include "export/prom.h"
#include "target/resources.h"
#include "unit_test.h"
#include "metrics_service.pb-c.h"

typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;

/* docs/gen-ai/gen-ai-metrics.md: ExplicitBucketBoundaries */
static const double want_seconds[] = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64,
				      1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
static const double want_tokens[] = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536,
				     262144, 1048576, 4194304, 16777216, 67108864};
#define NB 14

static int metric_index(const char *name)
{
	for (int i = 0; i < catalog_nmetrics; i++)
		if (!strcmp(catalog_metrics[i].name, name))
			return i;
	return -1;
}

static void test_catalog(void)
{
	const struct { const char *name; const double *b; } m[] = {
		{"gen_ai.client.operation.duration", want_seconds},
		{"gen_ai.client.operation.time_to_first_chunk", want_seconds},
		{"gen_ai.client.token.usage", want_tokens},
	};
	int with_bounds = 0;

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		int k = metric_index(m[i].name);
		const struct metric_def *d = k >= 0 ? &catalog_metrics[k] : NULL;

		CHECK(d && d->kind == MK_HISTOGRAM && d->bounds);
		if (!d || !d->bounds)
			continue;
		CHECK_EQ_INT(d->nbounds, NB);
		for (int j = 0; j < NB && j < d->nbounds; j++)
			CHECK(d->bounds[j] == m[i].b[j]);
	}
	/* every other histogram follows --histogram */
	for (int k = 0; k < catalog_nmetrics; k++)
		with_bounds += catalog_metrics[k].bounds != NULL;
	CHECK_EQ_INT(with_bounds, 3);
}

static struct series *series_of(struct metric_store *ms, const char *metric, const char *model)
{
	const char *keys[2] = {"gen_ai.operation.name", "gen_ai.request.model"}, *vals[2] = {"chat", model};

	return ms_series(ms, 0, metric_index(metric), keys, vals, 2, 1);
}

/* Values on, just above and beyond the bounds: upper bounds are inclusive,
 * as OpenTelemetry's explicit buckets are, and the counts are exact (no
 * exponential bucket straddling a bound). */
static const double dur_values[] = {0.005, 0.01, 0.0100001, 0.5, 0.64, 0.641, 81.92, 81.93, 300};
static const uint64_t dur_counts[NB + 1] = {[0] = 2, [1] = 1, [6] = 2, [7] = 1, [13] = 1, [14] = 2};
static const double tok_values[] = {0, 1, 2, 4, 5, 1000, 1024, 1025, 67108864, 67108865};
static const uint64_t tok_counts[NB + 1] = {[0] = 2, [1] = 2, [2] = 1, [5] = 2, [6] = 1, [13] = 1, [14] = 1};

static void fill(struct metric_store *ms)
{
	struct series *d = series_of(ms, "gen_ai.client.operation.duration", "gpt-4o-mini");
	struct series *t = series_of(ms, "gen_ai.client.token.usage", "gpt-4o-mini");
	struct series *other = series_of(ms, "mcp_model_inference_time_seconds", "gpt-4o-mini");

	CHECK(d && t && other);
	if (!d || !t || !other)
		return;
	for (size_t i = 0; i < sizeof(dur_values) / sizeof(dur_values[0]); i++) {
		ms_record(d, dur_values[i]);
		ms_record(other, dur_values[i]);
	}
	ms_record(d, NAN); /* not an observation: in neither the count nor a bucket */
	for (size_t i = 0; i < sizeof(tok_values) / sizeof(tok_values[0]); i++)
		ms_record(t, tok_values[i]);
}

static void test_store(void)
{
	struct metric_store ms;

	CHECK_EQ_INT(ms_init(&ms), 0);
	fill(&ms);
	struct series *d = series_of(&ms, "gen_ai.client.operation.duration", "gpt-4o-mini");
	struct series *t = series_of(&ms, "gen_ai.client.token.usage", "gpt-4o-mini");
	struct series *other = series_of(&ms, "mcp_model_inference_time_seconds", "gpt-4o-mini");

	CHECK(d && d->bucket_counts && t && t->bucket_counts);
	CHECK(other && !other->bucket_counts);
	for (int k = 0; d && d->bucket_counts && k <= NB; k++)
		CHECK_EQ_INT(d->bucket_counts[k], dur_counts[k]);
	for (int k = 0; t && t->bucket_counts && k <= NB; k++)
		CHECK_EQ_INT(t->bucket_counts[k], tok_counts[k]);
	CHECK(d && exph_count(d->h) == 9);
	CHECK_EQ_INT(ms_bucket_of(want_seconds, NB, 0.02), 1);
	CHECK_EQ_INT(ms_bucket_of(want_seconds, NB, 1e9), NB);
	ms_destroy(&ms);
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static const cJSON *json_metric(const cJSON *root, const char *name)
{
	const cJSON *rm, *sm, *m;

	cJSON_ArrayForEach(rm, get(root, "resourceMetrics"))
		cJSON_ArrayForEach(sm, get(rm, "scopeMetrics"))
			cJSON_ArrayForEach(m, get(sm, "metrics"))
				if (get(m, "name") && !strcmp(get(m, "name")->valuestring, name))
					return m;
	return NULL;
}

/* The point of an explicit histogram: its bounds and counts, as wanted. */
static void check_json_point(const cJSON *m, const double *bounds, const uint64_t *counts)
{
	const cJSON *h = get(m, "histogram");
	const cJSON *dp = h ? cJSON_GetArrayItem(get(h, "dataPoints"), 0) : NULL;
	const cJSON *b = get(dp, "explicitBounds"), *c = get(dp, "bucketCounts");

	CHECK(h && !get(m, "exponentialHistogram"));
	CHECK_EQ_INT(cJSON_GetArraySize(b), NB);
	CHECK_EQ_INT(cJSON_GetArraySize(c), NB + 1);
	for (int k = 0; b && k < NB; k++)
		CHECK(cJSON_GetArrayItem(b, k) && cJSON_GetArrayItem(b, k)->valuedouble == bounds[k]);
	for (int k = 0; c && k <= NB; k++) {
		const cJSON *x = cJSON_GetArrayItem(c, k);

		CHECK(x && cJSON_IsString(x) && strtoull(x->valuestring, NULL, 10) == counts[k]);
	}
}

static void test_otlp_json(const struct resource_table *rt)
{
	struct metric_store ms;
	struct export_opts eo = {.start_mono_ns = clock_mono_ns()};

	CHECK_EQ_INT(ms_init(&ms), 0);
	fill(&ms);
	for (int pass = 0; pass < 2; pass++) {
		if (pass) { /* --histogram explicit:0.5,1: the others take these, not the GenAI ones */
			eo.explicit_histograms = true;
			eo.bounds[0] = 0.5;
			eo.bounds[1] = 1;
			eo.nbounds = 2;
		}
		char *text = otlp_json_metrics(&ms, rt, &eo);
		cJSON *j = text ? cJSON_Parse(text) : NULL;

		CHECK(j != NULL);
		check_json_point(json_metric(j, "gen_ai.client.operation.duration"), want_seconds, dur_counts);
		check_json_point(json_metric(j, "gen_ai.client.token.usage"), want_tokens, tok_counts);
		const cJSON *other = json_metric(j, "mcp_model_inference_time_seconds");

		if (!pass) {
			CHECK(get(other, "exponentialHistogram") && !get(other, "histogram"));
		} else {
			const cJSON *dp = cJSON_GetArrayItem(get(get(other, "histogram"), "dataPoints"), 0);

			CHECK_EQ_INT(cJSON_GetArraySize(get(dp, "explicitBounds")), 2);
		}
		cJSON_Delete(j);
		free(text);
	}
	ms_destroy(&ms);
}

static const Metric *pb_metric(Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req,
			       const char *name)
{
	for (size_t i = 0; i < req->n_resource_metrics; i++)
		for (size_t j = 0; j < req->resource_metrics[i]->n_scope_metrics; j++) {
			Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm = req->resource_metrics[i]->scope_metrics[j];

			for (size_t k = 0; k < sm->n_metrics; k++)
				if (!strcmp(sm->metrics[k]->name, name))
					return sm->metrics[k];
		}
	return NULL;
}

static void check_pb_point(const Metric *m, const double *bounds, const uint64_t *counts)
{
	CHECK(m && m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM);
	if (!m || m->data_case != OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM)
		return;
	const Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *p = m->histogram->data_points[0];

	CHECK_EQ_INT(p->n_explicit_bounds, NB);
	CHECK_EQ_INT(p->n_bucket_counts, NB + 1);
	for (size_t k = 0; k < p->n_explicit_bounds && k < NB; k++)
		CHECK(p->explicit_bounds[k] == bounds[k]);
	for (size_t k = 0; k < p->n_bucket_counts && k <= NB; k++)
		CHECK_EQ_INT(p->bucket_counts[k], counts[k]);
}

static void test_otlp_proto(const struct resource_table *rt)
{
	struct metric_store ms;
	struct export_opts eo = {.start_mono_ns = clock_mono_ns()};
	struct otlp_buf buf;

	CHECK_EQ_INT(ms_init(&ms), 0);
	fill(&ms);
	CHECK_EQ_INT(otlp_proto_metrics(&ms, rt, &eo, &buf), 0);
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req =
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(NULL, buf.len, buf.data);

	CHECK(req != NULL);
	if (req) {
		check_pb_point(pb_metric(req, "gen_ai.client.operation.duration"), want_seconds, dur_counts);
		check_pb_point(pb_metric(req, "gen_ai.client.token.usage"), want_tokens, tok_counts);
		const Metric *other = pb_metric(req, "mcp_model_inference_time_seconds");

		CHECK(other && other->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM);
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(req, NULL);
	}
	free(buf.data);
	ms_destroy(&ms);
}

static void test_prom(const struct resource_table *rt)
{
	struct metric_store ms;
	struct export_opts eo = {0};
	size_t len;

	CHECK_EQ_INT(ms_init(&ms), 0);
	fill(&ms);
	char *text = prom_render(&ms, rt, &eo, &len);

	CHECK(text != NULL);
	/* cumulative: 2 at le=0.01, +1 at 0.02, ... 7 at 81.92, 9 at +Inf */
	CHECK_STR_HAS(text, ",le=\"0.01\"} 2\n");
	CHECK_STR_HAS(text, ",le=\"0.02\"} 3\n");
	CHECK_STR_HAS(text, ",le=\"81.92\"} 7\n");
	CHECK_STR_HAS(text, ",le=\"67108864\"} 9\n");
	CHECK_STR_HAS(text, ",le=\"+Inf\"} 10\n");
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
	test_catalog();
	test_store();
	test_otlp_json(&rt);
	test_otlp_proto(&rt);
	test_prom(&rt);
	resources_free(&rt);
	UNIT_DONE();
}
