/* OTLP/JSON encoder (cJSON). Field names and value forms follow the
 * protobuf JSON mapping: 64-bit integers as strings, ids as hex, enums as
 * numbers. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "json_writer.h"
#include "otlp_json.h"
#include "version.h"

static void add_u64_str(cJSON *o, const char *k, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	cJSON_AddStringToObject(o, k, buf);
}

static cJSON *attr_json(const struct attr *a)
{
	cJSON *o = cJSON_CreateObject(), *v = cJSON_AddObjectToObject(o, "value");
	char buf[24];

	cJSON_AddStringToObject(o, "key", a->key);
	switch (a->type) {
	case AT_STR:
		cJSON_AddStringToObject(v, "stringValue", a->s ? a->s : "");
		break;
	case AT_INT:
		snprintf(buf, sizeof(buf), "%" PRId64, a->i);
		cJSON_AddStringToObject(v, "intValue", buf);
		break;
	case AT_DOUBLE:
		cJSON_AddNumberToObject(v, "doubleValue", a->d);
		break;
	case AT_BOOL:
		cJSON_AddBoolToObject(v, "boolValue", a->b);
		break;
	}
	return o;
}

static cJSON *attrs_json(const struct attr *v, int n)
{
	cJSON *arr = cJSON_CreateArray();

	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, attr_json(&v[i]));
	return arr;
}

static cJSON *resource_json(const struct resource_table *rt, int idx)
{
	struct attr a[RESOURCE_MAX_ATTRS];
	int n = resources_attrs(rt, idx, a, RESOURCE_MAX_ATTRS);
	cJSON *r = cJSON_CreateObject();

	cJSON_AddItemToObject(r, "attributes", attrs_json(a, n));
	return r;
}

static cJSON *scope_json(void)
{
	cJSON *s = cJSON_CreateObject();

	cJSON_AddStringToObject(s, "name", "mcp-bpftrace");
	cJSON_AddStringToObject(s, "version", MCP_BPFTRACE_VERSION);
	return s;
}

/* Ids travel big-endian as OTLP bytes; the u64 words are printed as such. */
static void id_hex(char *out, const unsigned long long *w, int nwords)
{
	for (int i = 0; i < nwords; i++)
		sprintf(out + 16 * i, "%016llx", w[i]);
}

/* Spans are written as text directly (json_writer.h): building a cJSON
 * tree per span cost ~70k instructions a span, most of --otlp-file's
 * time. Metrics, sent every few seconds, keep the tree. */
static void w_attrs(struct jw *w, const struct attr *v, int n)
{
	jw_raw(w, "[");
	for (int i = 0; i < n; i++) {
		const struct attr *a = &v[i];

		jw_raw(w, i ? ",{\"key\":" : "{\"key\":");
		jw_str(w, a->key);
		switch (a->type) {
		case AT_STR:
			jw_raw(w, ",\"value\":{\"stringValue\":");
			jw_str(w, a->s ? a->s : "");
			break;
		case AT_INT:
			jw_raw(w, ",\"value\":{\"intValue\":");
			jw_i64_str(w, a->i);
			break;
		case AT_DOUBLE:
			jw_raw(w, ",\"value\":{\"doubleValue\":");
			jw_double(w, a->d);
			break;
		case AT_BOOL:
			jw_raw(w, a->b ? ",\"value\":{\"boolValue\":true" : ",\"value\":{\"boolValue\":false");
			break;
		default:
			jw_raw(w, ",\"value\":{");
		}
		jw_raw(w, "}}");
	}
	jw_raw(w, "]");
}

static void w_span(struct jw *w, const struct span *s)
{
	const struct mcp_record *r = &s->call.rec;
	char id[33];

	id_hex(id, r->trace_id, 2);
	jw_raw(w, "{\"traceId\":\"");
	jw_raw(w, id);
	id_hex(id, &r->span_id, 1);
	jw_raw(w, "\",\"spanId\":\"");
	jw_raw(w, id);
	jw_raw(w, "\"");
	if (r->parent_id) {
		id_hex(id, &r->parent_id, 1);
		jw_raw(w, ",\"parentSpanId\":\"");
		jw_raw(w, id);
		jw_raw(w, "\"");
	}
	jw_raw(w, ",\"name\":");
	jw_str(w, s->name);
	jw_raw(w, ",\"kind\":");
	jw_int(w, s->kind);
	jw_raw(w, ",\"startTimeUnixNano\":");
	jw_u64_str(w, clock_to_unix_ns(r->start_ns));
	jw_raw(w, ",\"endTimeUnixNano\":");
	jw_u64_str(w, clock_to_unix_ns(r->end_ns));
	jw_raw(w, ",\"attributes\":");
	w_attrs(w, s->attrs, s->nattrs);
	jw_raw(w, ",\"events\":[");
	for (int i = 0; i < s->nevents; i++) {
		jw_raw(w, i ? ",{\"timeUnixNano\":" : "{\"timeUnixNano\":");
		jw_u64_str(w, clock_to_unix_ns(s->events[i].time_ns));
		jw_raw(w, ",\"name\":");
		jw_str(w, s->events[i].name);
		jw_raw(w, ",\"attributes\":");
		w_attrs(w, s->events[i].attrs, s->events[i].nattrs);
		jw_raw(w, "}");
	}
	jw_raw(w, "],\"status\":{");
	if (s->error) {
		jw_raw(w, "\"code\":2,\"message\":");
		jw_str(w, s->call.error_type ? s->call.error_type : "");
	}
	jw_raw(w, "}}");
}

static char *print_and_free(cJSON *root)
{
	char *out = cJSON_PrintUnformatted(root);

	cJSON_Delete(root);
	return out;
}

char *otlp_json_traces(struct span *const *spans, size_t n, const struct resource_table *rt)
{
	struct jw w;
	bool first_rs = true;

	jw_init(&w, 2048 + n * 1536);
	jw_raw(&w, "{\"resourceSpans\":[");
	/* Group by resource; batches are small, so a pass per resource is fine. */
	for (int res = -1; res < rt->n; res++) {
		bool open = false;

		for (size_t i = 0; i < n; i++) {
			if (spans[i]->resource != res)
				continue;
			if (!open) {
				struct attr a[RESOURCE_MAX_ATTRS];
				int na = resources_attrs(rt, res, a, RESOURCE_MAX_ATTRS);

				jw_raw(&w, first_rs ? "{\"resource\":{\"attributes\":" : ",{\"resource\":{\"attributes\":");
				w_attrs(&w, a, na);
				jw_raw(&w, "},\"scopeSpans\":[{\"scope\":{\"name\":\"mcp-bpftrace\",\"version\":");
				jw_str(&w, MCP_BPFTRACE_VERSION);
				jw_raw(&w, "},\"spans\":[");
				first_rs = false;
				open = true;
			} else {
				jw_raw(&w, ",");
			}
			w_span(&w, spans[i]);
		}
		if (open)
			jw_raw(&w, "]}]}");
	}
	jw_raw(&w, "]}");
	return jw_finish(&w);
}

static cJSON *point_base(const struct series *s, uint64_t start, uint64_t now)
{
	cJSON *dp = cJSON_CreateObject();
	struct attr a[ACT_MAX_ATTRS];

	for (int i = 0; i < s->nattrs; i++)
		a[i] = (struct attr){.key = s->keys[i], .type = AT_STR, .s = s->vals[i]};
	cJSON_AddItemToObject(dp, "attributes", attrs_json(a, s->nattrs));
	add_u64_str(dp, "startTimeUnixNano", clock_to_unix_ns(start));
	add_u64_str(dp, "timeUnixNano", clock_to_unix_ns(now));
	return dp;
}

static cJSON *u64_array(const uint64_t *v, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	char buf[24];

	for (size_t i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%" PRIu64, v[i]);
		cJSON_AddItemToArray(arr, cJSON_CreateString(buf));
	}
	return arr;
}

static void hist_point(cJSON *dp, const struct series *s, const struct export_opts *o)
{
	const struct exp_histogram *h = s->h;
	uint64_t cnt = exph_count(h);

	add_u64_str(dp, "count", cnt);
	cJSON_AddNumberToObject(dp, "sum", exph_sum(h));
	if (cnt) {
		cJSON_AddNumberToObject(dp, "min", exph_min(h));
		cJSON_AddNumberToObject(dp, "max", exph_max(h));
	}
	if (o->explicit_histograms) {
		uint64_t counts[EXPORT_MAX_BOUNDS + 1];
		cJSON *b = cJSON_CreateArray();

		exph_explicit_counts(h, o->bounds, o->nbounds, counts);
		cJSON_AddItemToObject(dp, "bucketCounts", u64_array(counts, o->nbounds + 1));
		for (size_t i = 0; i < o->nbounds; i++)
			cJSON_AddItemToArray(b, cJSON_CreateNumber(o->bounds[i]));
		cJSON_AddItemToObject(dp, "explicitBounds", b);
		return;
	}
	const uint64_t *c;
	size_t nc;

	cJSON_AddNumberToObject(dp, "scale", exph_scale(h));
	add_u64_str(dp, "zeroCount", exph_zero_count(h));
	nc = exph_positive_counts(h, &c);
	cJSON *pos = cJSON_AddObjectToObject(dp, "positive");

	cJSON_AddNumberToObject(pos, "offset", exph_positive_offset(h));
	cJSON_AddItemToObject(pos, "bucketCounts", u64_array(c, nc));
	nc = exph_negative_counts(h, &c);
	if (nc) {
		cJSON *neg = cJSON_AddObjectToObject(dp, "negative");

		cJSON_AddNumberToObject(neg, "offset", exph_negative_offset(h));
		cJSON_AddItemToObject(neg, "bucketCounts", u64_array(c, nc));
	}
}

static cJSON *metric_json(const struct metric_def *d, const struct export_opts *o, cJSON **points)
{
	cJSON *m = cJSON_CreateObject(), *body;

	cJSON_AddStringToObject(m, "name", d->name);
	cJSON_AddStringToObject(m, "description", d->description);
	cJSON_AddStringToObject(m, "unit", d->unit);
	if (d->kind == MK_HISTOGRAM)
		body = cJSON_AddObjectToObject(m, o->explicit_histograms ? "histogram" : "exponentialHistogram");
	else
		body = cJSON_AddObjectToObject(m, "sum");
	*points = cJSON_AddArrayToObject(body, "dataPoints");
	cJSON_AddNumberToObject(body, "aggregationTemporality", 2); /* CUMULATIVE */
	if (d->kind != MK_HISTOGRAM)
		cJSON_AddBoolToObject(body, "isMonotonic", d->kind == MK_COUNTER);
	return m;
}

char *otlp_json_metrics(struct metric_store *ms, const struct resource_table *rt,
			const struct export_opts *o)
{
	cJSON *root = cJSON_CreateObject(), *rms = cJSON_AddArrayToObject(root, "resourceMetrics");
	cJSON *metrics = NULL, *points = NULL;
	uint64_t now = clock_mono_ns();
	int cur_res = -2, cur_metric = -1;
	size_t n;

	pthread_mutex_lock(&ms->lock);
	struct series **v = ms_sorted(ms, &n);

	for (size_t i = 0; v && i < n; i++) {
		const struct series *s = v[i];
		const struct metric_def *d = ms_metric_def(s->metric);

		if (s->resource != cur_res) {
			cJSON *r = cJSON_CreateObject(), *sm = cJSON_CreateObject();

			cJSON_AddItemToObject(r, "resource", resource_json(rt, s->resource));
			cJSON_AddItemToObject(sm, "scope", scope_json());
			metrics = cJSON_AddArrayToObject(sm, "metrics");
			cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "scopeMetrics"), sm);
			cJSON_AddItemToArray(rms, r);
			cur_res = s->resource;
			cur_metric = -1;
		}
		if (s->metric != cur_metric) {
			cJSON_AddItemToArray(metrics, metric_json(d, o, &points));
			cur_metric = s->metric;
		}
		cJSON *dp = point_base(s, o->start_mono_ns, now);

		if (d->kind == MK_HISTOGRAM)
			hist_point(dp, s, o);
		else if (d->is_double)
			cJSON_AddNumberToObject(dp, "asDouble", s->v.d);
		else {
			char buf[24];

			snprintf(buf, sizeof(buf), "%" PRId64, s->v.i);
			cJSON_AddStringToObject(dp, "asInt", buf);
		}
		cJSON_AddItemToArray(points, dp);
	}
	pthread_mutex_unlock(&ms->lock);
	free(v);
	return print_and_free(root);
}
