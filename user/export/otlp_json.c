/* OTLP/JSON encoder, written as text (json_writer.h), one attribute
 * encoder for spans, resources and metrics. Field names and value forms
 * follow the protobuf JSON mapping: 64-bit integers as strings, ids as hex,
 * enums as numbers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "hist_buckets.h"
#include "json_writer.h"
#include "otlp_json.h"
#include "version.h"

/* Ids travel big-endian as OTLP bytes; the u64 words are printed as such. */
static void id_hex(char *out, const unsigned long long *w, int nwords)
{
	for (int i = 0; i < nwords; i++)
		sprintf(out + 16 * i, "%016llx", w[i]);
}

/* Written as text directly: building a cJSON tree per span cost ~70k
 * instructions a span, most of --otlp-file's time. */
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
	const struct call_ids *r = &s->call.rec;
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

/* What opens a resourceSpans / resourceMetrics entry: the resource, its one
 * scope, and the list (spans or metrics) the caller fills and closes with
 * "]}]}". */
static void w_resource_open(struct jw *w, const struct resource_table *rt, int res, const char *scope_key,
			    const char *list_key)
{
	struct attr a[RESOURCE_MAX_ATTRS];
	int na = resources_attrs(rt, res, a, RESOURCE_MAX_ATTRS);

	jw_raw(w, "{\"resource\":{\"attributes\":");
	w_attrs(w, a, na);
	jw_raw(w, "},\"");
	jw_raw(w, scope_key);
	jw_raw(w, "\":[{\"scope\":{\"name\":\"mcp-bpftrace\",\"version\":");
	jw_str(w, MCP_BPFTRACE_VERSION);
	jw_raw(w, "},\"");
	jw_raw(w, list_key);
	jw_raw(w, "\":[");
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
				if (!first_rs)
					jw_raw(&w, ",");
				w_resource_open(&w, rt, res, "scopeSpans", "spans");
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

/* Metrics are written the same way: one pass over the series sorted by
 * (resource, metric), each list closed when the next one starts. */
static void w_u64_array(struct jw *w, const uint64_t *v, size_t n)
{
	jw_raw(w, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			jw_raw(w, ",");
		jw_u64_str(w, v[i]);
	}
	jw_raw(w, "]");
}

static void w_hist_fields(struct jw *w, const struct series *s, const struct export_opts *o)
{
	const struct exp_histogram *h = s->h;
	uint64_t cnt = exph_count(h);

	jw_raw(w, ",\"count\":");
	jw_u64_str(w, cnt);
	jw_raw(w, ",\"sum\":");
	jw_double(w, exph_sum(h));
	if (cnt) {
		jw_raw(w, ",\"min\":");
		jw_double(w, exph_min(h));
		jw_raw(w, ",\"max\":");
		jw_double(w, exph_max(h));
	}
	if (hist_is_explicit(ms_metric_def(s->metric), o)) {
		uint64_t counts[EXPORT_MAX_BOUNDS + 1];
		const double *bounds;
		size_t nb = hist_buckets(s, o, &bounds, counts);

		jw_raw(w, ",\"bucketCounts\":");
		w_u64_array(w, counts, nb + 1);
		jw_raw(w, ",\"explicitBounds\":[");
		for (size_t i = 0; i < nb; i++) {
			if (i)
				jw_raw(w, ",");
			jw_double(w, bounds[i]);
		}
		jw_raw(w, "]");
		return;
	}
	const uint64_t *c;
	size_t nc;

	jw_raw(w, ",\"scale\":");
	jw_int(w, exph_scale(h));
	jw_raw(w, ",\"zeroCount\":");
	jw_u64_str(w, exph_zero_count(h));
	nc = exph_positive_counts(h, &c);
	jw_raw(w, ",\"positive\":{\"offset\":");
	jw_int(w, exph_positive_offset(h));
	jw_raw(w, ",\"bucketCounts\":");
	w_u64_array(w, c, nc);
	jw_raw(w, "}");
	nc = exph_negative_counts(h, &c);
	if (nc) {
		jw_raw(w, ",\"negative\":{\"offset\":");
		jw_int(w, exph_negative_offset(h));
		jw_raw(w, ",\"bucketCounts\":");
		w_u64_array(w, c, nc);
		jw_raw(w, "}");
	}
}

static void w_point(struct jw *w, const struct series *s, const struct metric_def *d, const struct export_opts *o,
		    uint64_t now)
{
	struct attr a[ACT_MAX_ATTRS];

	for (int i = 0; i < s->nattrs; i++)
		a[i] = (struct attr){.key = s->keys[i], .type = AT_STR, .s = s->vals[i]};
	jw_raw(w, "{\"attributes\":");
	w_attrs(w, a, s->nattrs);
	jw_raw(w, ",\"startTimeUnixNano\":");
	jw_u64_str(w, clock_to_unix_ns(o->start_mono_ns));
	jw_raw(w, ",\"timeUnixNano\":");
	jw_u64_str(w, clock_to_unix_ns(now));
	if (d->kind == MK_HISTOGRAM) {
		w_hist_fields(w, s, o);
	} else if (d->is_double) {
		jw_raw(w, ",\"asDouble\":");
		jw_double(w, s->v.d);
	} else {
		jw_raw(w, ",\"asInt\":");
		jw_i64_str(w, s->v.i);
	}
	jw_raw(w, "}");
}

/* A metric up to its data points, which the caller writes and closes with "]}}". */
static void w_metric_open(struct jw *w, const struct metric_def *d, const struct export_opts *o)
{
	jw_raw(w, "{\"name\":");
	jw_str(w, d->name);
	jw_raw(w, ",\"description\":");
	jw_str(w, d->description);
	jw_raw(w, ",\"unit\":");
	jw_str(w, d->unit);
	if (d->kind == MK_HISTOGRAM)
		jw_raw(w, hist_is_explicit(d, o) ? ",\"histogram\":{" : ",\"exponentialHistogram\":{");
	else
		jw_raw(w, d->kind == MK_COUNTER ? ",\"sum\":{\"isMonotonic\":true,"
						: ",\"sum\":{\"isMonotonic\":false,");
	jw_raw(w, "\"aggregationTemporality\":2,\"dataPoints\":["); /* 2: CUMULATIVE */
}

char *otlp_json_metrics(struct metric_store *ms, const struct resource_table *rt,
			const struct export_opts *o)
{
	uint64_t now = clock_mono_ns();
	int cur_res = -2, cur_metric = -1;
	bool first_point = true;
	struct jw w;
	size_t n;

	pthread_mutex_lock(&ms->lock);
	struct series **v = ms_sorted(ms, &n);

	jw_init(&w, 4096 + (v ? n : 0) * 512);
	jw_raw(&w, "{\"resourceMetrics\":[");
	for (size_t i = 0; v && i < n; i++) {
		const struct series *s = v[i];
		const struct metric_def *d = ms_metric_def(s->metric);

		if (s->resource != cur_res) {
			if (cur_metric >= 0)
				jw_raw(&w, "]}}");
			if (cur_res != -2)
				jw_raw(&w, "]}]},");
			w_resource_open(&w, rt, s->resource, "scopeMetrics", "metrics");
			cur_res = s->resource;
			cur_metric = -1;
		}
		if (s->metric != cur_metric) {
			if (cur_metric >= 0)
				jw_raw(&w, "]}},");
			w_metric_open(&w, d, o);
			cur_metric = s->metric;
			first_point = true;
		}
		if (!first_point)
			jw_raw(&w, ",");
		w_point(&w, s, d, o, now);
		first_point = false;
	}
	if (cur_metric >= 0)
		jw_raw(&w, "]}}");
	if (cur_res != -2)
		jw_raw(&w, "]}]}");
	jw_raw(&w, "]}");
	pthread_mutex_unlock(&ms->lock);
	free(v);
	return jw_finish(&w);
}
