/* OTLP protobuf encoder. The message tree is built in an arena (one
 * allocation per 64 KiB, freed at once after packing); strings are not
 * copied: they point into the spans, the series and the resource table,
 * which outlive the packing. Structure follows otlp_json.c so both carry
 * the same content. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "hist_buckets.h"
#include "otlp_proto.h"
#include "version.h"
#include "common.pb-c.h"
#include "metrics.pb-c.h"
#include "metrics_service.pb-c.h"
#include "resource.pb-c.h"
#include "status.pb-c.h"
#include "trace.pb-c.h"
#include "trace_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope Scope;
typedef Opentelemetry__Proto__Resource__V1__Resource Resource;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans ResourceSpans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans ScopeSpans;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Trace__V1__Span__Event Event;
typedef Opentelemetry__Proto__Trace__V1__Status Status;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest TraceRequest;
typedef Opentelemetry__Proto__Metrics__V1__ResourceMetrics ResourceMetrics;
typedef Opentelemetry__Proto__Metrics__V1__ScopeMetrics ScopeMetrics;
typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;
typedef Opentelemetry__Proto__Metrics__V1__Sum Sum;
typedef Opentelemetry__Proto__Metrics__V1__Histogram Histogram;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogram ExpHistogram;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint NumberPoint;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint HistPoint;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint ExpPoint;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint__Buckets Buckets;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest MetricsRequest;

/* ---- arena ------------------------------------------------------------- */

struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct arena {
	struct chunk *head;
	bool failed;
};

static void *arena_alloc(struct arena *a, size_t size)
{
	size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (!a->head || a->head->cap - a->head->used < size) {
		size_t cap = size > 65536 ? size : 65536;
		struct chunk *c = malloc(sizeof(*c) + cap);

		if (!c) {
			a->failed = true;
			return NULL;
		}
		c->next = a->head;
		c->used = 0;
		c->cap = cap;
		a->head = c;
	}
	void *p = (char *)a->head->data + a->head->used;

	a->head->used += size;
	return p;
}

static void arena_free(struct arena *a)
{
	while (a->head) {
		struct chunk *n = a->head->next;

		free(a->head);
		a->head = n;
	}
}

/* A message initialised from its INIT value; NULL (and a->failed) on ENOMEM. */
#define NEW(a, T, INIT)                                        \
	({                                                     \
		T *p_ = arena_alloc((a), sizeof(T));           \
		if (p_) {                                      \
			static const T init_ = INIT;           \
			*p_ = init_;                           \
		}                                              \
		p_;                                            \
	})
#define NEWV(a, T, n) ((T *)arena_alloc((a), sizeof(T) * ((n) > 0 ? (size_t)(n) : 1)))

/* ---- common ------------------------------------------------------------ */

static KeyValue *kv(struct arena *ar, const struct attr *at)
{
	KeyValue *k = NEW(ar, KeyValue, OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT);
	AnyValue *v = NEW(ar, AnyValue, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT);

	if (!k || !v)
		return k;
	k->key = (char *)at->key;
	k->value = v;
	switch (at->type) {
	case AT_STR:
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
		v->string_value = (char *)(at->s ? at->s : "");
		break;
	case AT_INT:
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
		v->int_value = at->i;
		break;
	case AT_DOUBLE:
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
		v->double_value = at->d;
		break;
	case AT_BOOL:
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
		v->bool_value = at->b;
		break;
	}
	return k;
}

static KeyValue **kvs(struct arena *ar, const struct attr *v, int n, size_t *count)
{
	KeyValue **out = NEWV(ar, KeyValue *, (size_t)n);

	*count = 0;
	if (!out)
		return NULL;
	for (int i = 0; i < n; i++)
		out[i] = kv(ar, &v[i]);
	*count = (size_t)n;
	return out;
}

/* The resource's attributes are copied into the arena: resources_attrs()
 * fills a caller array whose strings point into the (stable) table. */
static Resource *resource_pb(struct arena *ar, const struct resource_table *rt, int idx)
{
	struct attr a[RESOURCE_MAX_ATTRS];
	int n = resources_attrs(rt, idx, a, RESOURCE_MAX_ATTRS);
	Resource *r = NEW(ar, Resource, OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT);

	if (r)
		r->attributes = kvs(ar, a, n, &r->n_attributes);
	return r;
}

static Scope *scope_pb(struct arena *ar)
{
	Scope *s = NEW(ar, Scope, OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT);

	if (s) {
		s->name = (char *)"mcp-bpftrace";
		s->version = (char *)MCP_BPFTRACE_VERSION;
	}
	return s;
}

/* Ids are big-endian bytes of the u64 words (otlp_json prints them so). */
static ProtobufCBinaryData id_bytes(struct arena *ar, const unsigned long long *w, int nwords)
{
	ProtobufCBinaryData b = {0, NULL};
	uint8_t *p = NEWV(ar, uint8_t, (size_t)nwords * 8);

	if (!p)
		return b;
	for (int i = 0; i < nwords; i++)
		for (int k = 0; k < 8; k++)
			p[i * 8 + k] = (uint8_t)(w[i] >> (56 - 8 * k));
	b.data = p;
	b.len = (size_t)nwords * 8;
	return b;
}

static int pack(const ProtobufCMessage *m, struct arena *ar, struct otlp_buf *out)
{
	out->data = NULL;
	out->len = 0;
	if (ar->failed)
		return -1;
	size_t n = protobuf_c_message_get_packed_size(m);

	out->data = malloc(n ? n : 1);
	if (!out->data)
		return -1;
	out->len = protobuf_c_message_pack(m, out->data);
	return 0;
}

/* ---- traces ------------------------------------------------------------ */

static Span *span_pb(struct arena *ar, const struct span *s)
{
	const struct call_ids *r = &s->call.rec;
	Span *o = NEW(ar, Span, OPENTELEMETRY__PROTO__TRACE__V1__SPAN__INIT);
	Status *st = NEW(ar, Status, OPENTELEMETRY__PROTO__TRACE__V1__STATUS__INIT);
	Event **evs = NEWV(ar, Event *, (size_t)s->nevents);

	if (!o || !st || !evs)
		return o;
	o->trace_id = id_bytes(ar, r->trace_id, 2);
	o->span_id = id_bytes(ar, &r->span_id, 1);
	if (r->parent_id)
		o->parent_span_id = id_bytes(ar, &r->parent_id, 1);
	o->name = (char *)s->name;
	o->kind = (Opentelemetry__Proto__Trace__V1__Span__SpanKind)s->kind;
	o->start_time_unix_nano = clock_to_unix_ns(r->start_ns);
	o->end_time_unix_nano = clock_to_unix_ns(r->end_ns);
	o->attributes = kvs(ar, s->attrs, s->nattrs, &o->n_attributes);
	for (int i = 0; i < s->nevents; i++) {
		const struct span_event *e = &s->events[i];
		Event *pe = NEW(ar, Event, OPENTELEMETRY__PROTO__TRACE__V1__SPAN__EVENT__INIT);

		evs[i] = pe;
		if (!pe)
			return o;
		pe->time_unix_nano = clock_to_unix_ns(e->time_ns);
		pe->name = (char *)e->name;
		pe->attributes = kvs(ar, e->attrs, e->nattrs, &pe->n_attributes);
	}
	o->events = evs;
	o->n_events = (size_t)s->nevents;
	if (s->error) {
		st->code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
		st->message = (char *)(s->call.error_type ? s->call.error_type : "");
	}
	o->status = st;
	return o;
}

struct by_res {
	int resource;
	size_t idx;
};

static int cmp_by_res(const void *a, const void *b)
{
	const struct by_res *x = a, *y = b;

	if (x->resource != y->resource)
		return x->resource < y->resource ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int otlp_proto_traces(struct span *const *spans, size_t n, const struct resource_table *rt,
		      struct otlp_buf *out)
{
	struct arena ar = {0};
	TraceRequest req = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	struct by_res *order = NEWV(&ar, struct by_res, n);
	ResourceSpans **rss = NEWV(&ar, ResourceSpans *, n);
	Span **all = NEWV(&ar, Span *, n);
	int rc;

	if (!order || !rss || !all) {
		arena_free(&ar);
		return -1;
	}
	/* Group by resource, keeping the batch order inside a group. */
	for (size_t i = 0; i < n; i++)
		order[i] = (struct by_res){spans[i]->resource, i};
	qsort(order, n, sizeof(*order), cmp_by_res);
	for (size_t i = 0; i < n && !ar.failed;) {
		size_t j = i;
		ResourceSpans *rs = NEW(&ar, ResourceSpans, OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT);
		ScopeSpans *ss = NEW(&ar, ScopeSpans, OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT);
		ScopeSpans **ssv = NEWV(&ar, ScopeSpans *, 1);

		if (!rs || !ss || !ssv)
			break;
		while (j < n && order[j].resource == order[i].resource) {
			all[j] = span_pb(&ar, spans[order[j].idx]);
			j++;
		}
		rs->resource = resource_pb(&ar, rt, order[i].resource);
		ss->scope = scope_pb(&ar);
		ss->spans = all + i;
		ss->n_spans = j - i;
		ssv[0] = ss;
		rs->scope_spans = ssv;
		rs->n_scope_spans = 1;
		rss[req.n_resource_spans++] = rs;
		i = j;
	}
	req.resource_spans = rss;
	rc = pack(&req.base, &ar, out);
	arena_free(&ar);
	return rc;
}

/* ---- metrics ----------------------------------------------------------- */

static KeyValue **point_attrs(struct arena *ar, const struct series *s, size_t *count)
{
	struct attr a[ACT_MAX_ATTRS];

	for (int i = 0; i < s->nattrs; i++)
		a[i] = (struct attr){.key = s->keys[i], .type = AT_STR, .s = s->vals[i]};
	return kvs(ar, a, s->nattrs, count);
}

static uint64_t *copy_u64(struct arena *ar, const uint64_t *v, size_t n)
{
	uint64_t *p = NEWV(ar, uint64_t, n);

	if (p && n)
		memcpy(p, v, n * sizeof(*v));
	return p;
}

static void *hist_point_pb(struct arena *ar, const struct series *s, const struct export_opts *o,
			   uint64_t start, uint64_t now)
{
	const struct exp_histogram *h = s->h;
	uint64_t cnt = exph_count(h);

	if (hist_is_explicit(ms_metric_def(s->metric), o)) {
		HistPoint *p = NEW(ar, HistPoint, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT__INIT);
		uint64_t *counts = NEWV(ar, uint64_t, EXPORT_MAX_BOUNDS + 1);
		const double *bounds;

		if (!p || !counts)
			return p;
		p->attributes = point_attrs(ar, s, &p->n_attributes);
		p->start_time_unix_nano = clock_to_unix_ns(start);
		p->time_unix_nano = clock_to_unix_ns(now);
		p->count = cnt;
		p->_sum_case = OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___SUM_SUM;
		p->sum = exph_sum(h);
		if (cnt) {
			p->_min_case = OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___MIN_MIN;
			p->min = exph_min(h);
			p->_max_case = OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___MAX_MAX;
			p->max = exph_max(h);
		}
		size_t nb = hist_buckets(s, o, &bounds, counts);

		p->bucket_counts = counts;
		p->n_bucket_counts = nb + 1;
		p->explicit_bounds = (double *)bounds;
		p->n_explicit_bounds = nb;
		return p;
	}
	ExpPoint *p = NEW(ar, ExpPoint, OPENTELEMETRY__PROTO__METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT__INIT);
	Buckets *pos = NEW(ar, Buckets, OPENTELEMETRY__PROTO__METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT__BUCKETS__INIT);
	const uint64_t *c;
	size_t nc;

	if (!p || !pos)
		return p;
	p->attributes = point_attrs(ar, s, &p->n_attributes);
	p->start_time_unix_nano = clock_to_unix_ns(start);
	p->time_unix_nano = clock_to_unix_ns(now);
	p->count = cnt;
	p->_sum_case = OPENTELEMETRY__PROTO__METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT___SUM_SUM;
	p->sum = exph_sum(h);
	if (cnt) {
		p->_min_case = OPENTELEMETRY__PROTO__METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT___MIN_MIN;
		p->min = exph_min(h);
		p->_max_case = OPENTELEMETRY__PROTO__METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT___MAX_MAX;
		p->max = exph_max(h);
	}
	p->scale = exph_scale(h);
	p->zero_count = exph_zero_count(h);
	nc = exph_positive_counts(h, &c);
	pos->offset = exph_positive_offset(h);
	pos->bucket_counts = copy_u64(ar, c, nc);
	pos->n_bucket_counts = nc;
	p->positive = pos;
	nc = exph_negative_counts(h, &c);
	if (nc) {
		Buckets *neg = NEW(ar, Buckets, OPENTELEMETRY__PROTO__METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT__BUCKETS__INIT);

		if (!neg)
			return p;
		neg->offset = exph_negative_offset(h);
		neg->bucket_counts = copy_u64(ar, c, nc);
		neg->n_bucket_counts = nc;
		p->negative = neg;
	}
	return p;
}

/* A metric and its data-point array, sized for the run of series [i, end). */
static Metric *metric_pb(struct arena *ar, const struct metric_def *d, const struct export_opts *o,
			 size_t npoints, void ***points, size_t **count)
{
	Metric *m = NEW(ar, Metric, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__INIT);

	*points = NEWV(ar, void *, npoints);
	if (!m || !*points)
		return NULL;
	m->name = (char *)d->name;
	m->description = (char *)d->description;
	m->unit = (char *)d->unit;
	if (hist_is_explicit(d, o)) {
		Histogram *h = NEW(ar, Histogram, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM__INIT);

		if (!h)
			return NULL;
		h->aggregation_temporality = OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
		h->data_points = (HistPoint **)*points;
		*count = &h->n_data_points;
		m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
		m->histogram = h;
	} else if (d->kind == MK_HISTOGRAM) {
		ExpHistogram *h = NEW(ar, ExpHistogram, OPENTELEMETRY__PROTO__METRICS__V1__EXPONENTIAL_HISTOGRAM__INIT);

		if (!h)
			return NULL;
		h->aggregation_temporality = OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
		h->data_points = (ExpPoint **)*points;
		*count = &h->n_data_points;
		m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM;
		m->exponential_histogram = h;
	} else {
		Sum *s = NEW(ar, Sum, OPENTELEMETRY__PROTO__METRICS__V1__SUM__INIT);

		if (!s)
			return NULL;
		s->aggregation_temporality = OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
		s->is_monotonic = d->kind == MK_COUNTER; /* up-down counters: non-monotonic */
		s->data_points = (NumberPoint **)*points;
		*count = &s->n_data_points;
		m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
		m->sum = s;
	}
	return m;
}

static void *number_point_pb(struct arena *ar, const struct series *s, const struct metric_def *d,
			     uint64_t start, uint64_t now)
{
	NumberPoint *p = NEW(ar, NumberPoint, OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__INIT);

	if (!p)
		return NULL;
	p->attributes = point_attrs(ar, s, &p->n_attributes);
	p->start_time_unix_nano = clock_to_unix_ns(start);
	p->time_unix_nano = clock_to_unix_ns(now);
	if (d->is_double) {
		p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE;
		p->as_double = s->v.d;
	} else {
		p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
		p->as_int = s->v.i;
	}
	return p;
}

int otlp_proto_metrics(struct metric_store *ms, const struct resource_table *rt,
		       const struct export_opts *o, struct otlp_buf *out)
{
	struct arena ar = {0};
	MetricsRequest req = OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_REQUEST__INIT;
	uint64_t now = clock_mono_ns();
	size_t n, i = 0;
	int rc;

	pthread_mutex_lock(&ms->lock);
	struct series **v = ms_sorted(ms, &n);
	ResourceMetrics **rms = NEWV(&ar, ResourceMetrics *, n);
	Metric **metrics = NEWV(&ar, Metric *, n);

	if (!v || !rms || !metrics)
		ar.failed = true;
	while (!ar.failed && i < n) {
		/* One ResourceMetrics per resource, one Metric per run of series
		 * of the same metric: ms_sorted orders by (resource, metric). */
		int res = v[i]->resource;
		size_t first_metric = 0;
		ResourceMetrics *r = NEW(&ar, ResourceMetrics, OPENTELEMETRY__PROTO__METRICS__V1__RESOURCE_METRICS__INIT);
		ScopeMetrics *sm = NEW(&ar, ScopeMetrics, OPENTELEMETRY__PROTO__METRICS__V1__SCOPE_METRICS__INIT);
		ScopeMetrics **smv = NEWV(&ar, ScopeMetrics *, 1);

		if (!r || !sm || !smv)
			break;
		r->resource = resource_pb(&ar, rt, res);
		sm->scope = scope_pb(&ar);
		sm->metrics = metrics + i; /* at most one Metric per series: never overlaps */
		smv[0] = sm;
		r->scope_metrics = smv;
		r->n_scope_metrics = 1;
		rms[req.n_resource_metrics++] = r;
		while (i < n && v[i]->resource == res && !ar.failed) {
			int metric = v[i]->metric;
			const struct metric_def *d = ms_metric_def(metric);
			size_t end = i, *count = NULL;
			void **points;

			while (end < n && v[end]->resource == res && v[end]->metric == metric)
				end++;
			Metric *m = metric_pb(&ar, d, o, end - i, &points, &count);

			if (!m)
				break;
			for (; i < end; i++) {
				void *p = d->kind == MK_HISTOGRAM
						  ? hist_point_pb(&ar, v[i], o, o->start_mono_ns, now)
						  : number_point_pb(&ar, v[i], d, o->start_mono_ns, now);

				points[(*count)++] = p;
			}
			sm->metrics[first_metric++] = m;
		}
		sm->n_metrics = first_metric;
	}
	req.resource_metrics = rms;
	rc = pack(&req.base, &ar, out);
	pthread_mutex_unlock(&ms->lock);
	free(v);
	arena_free(&ar);
	return rc;
}

/* ---- responses --------------------------------------------------------- */

static void copy_msg(char *dst, size_t len, const char *src)
{
	if (len)
		snprintf(dst, len, "%s", src ? src : "");
}

int otlp_proto_response(int signal, const uint8_t *b, size_t n, int64_t *rejected,
			char *msg, size_t msglen)
{
	*rejected = 0;
	copy_msg(msg, msglen, "");
	if (signal == 0) {
		Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *r =
			opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(NULL, n, b);

		if (!r)
			return -1;
		if (r->partial_success) {
			*rejected = r->partial_success->rejected_spans;
			copy_msg(msg, msglen, r->partial_success->error_message);
		}
		opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(r, NULL);
		return 0;
	}
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceResponse *r =
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__unpack(NULL, n, b);

	if (!r)
		return -1;
	if (r->partial_success) {
		*rejected = r->partial_success->rejected_data_points;
		copy_msg(msg, msglen, r->partial_success->error_message);
	}
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__free_unpacked(r, NULL);
	return 0;
}

int otlp_proto_status_message(const uint8_t *b, size_t n, char *msg, size_t msglen)
{
	Google__Rpc__Status *st = google__rpc__status__unpack(NULL, n, b);

	if (!st)
		return -1;
	copy_msg(msg, msglen, st->message);
	google__rpc__status__free_unpacked(st, NULL);
	return msg && msglen && msg[0] ? 0 : -1;
}
