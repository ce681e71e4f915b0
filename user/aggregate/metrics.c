/* Metric store: a chained hash table over attribute tuples. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "health.h"
#include "metrics.h"

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ 0xff) * 1099511628211ULL; /* separator: ("a","bc") != ("ab","c") */
}

int ms_init(struct metric_store *ms)
{
	memset(ms, 0, sizeof(*ms));
	pthread_mutex_init(&ms->lock, NULL);
	ms->nbuckets = 1024;
	ms->buckets = calloc(ms->nbuckets, sizeof(*ms->buckets));
	ms->hist_max_buckets = 160; /* the OpenTelemetry SDK default */
	ms->hist_max_scale = 20;
	ms->series_limit = MS_DEFAULT_SERIES_LIMIT;
	ms->nseries = calloc(catalog_nmetrics + HM_COUNT, sizeof(*ms->nseries));
	return ms->buckets && ms->nseries ? 0 : -1;
}

void ms_destroy(struct metric_store *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		struct series *s = ms->all[i];

		for (int k = 0; k < s->nattrs; k++) {
			free((char *)s->keys[k]);
			free(s->vals[k]);
		}
		if (s->h)
			exph_free(s->h);
		free(s->bucket_counts);
		free(s);
	}
	free(ms->all);
	free(ms->buckets);
	free(ms->nseries);
	pthread_mutex_destroy(&ms->lock);
	memset(ms, 0, sizeof(*ms));
}

const struct metric_def *ms_metric_def(int metric)
{
	return metric < catalog_nmetrics ? &catalog_metrics[metric]
					 : &health_metrics[metric - catalog_nmetrics];
}

static void grow(struct metric_store *ms)
{
	size_t nb = ms->nbuckets * 4;
	struct series **b = calloc(nb, sizeof(*b));

	if (!b)
		return; /* keep the old table: slower, still correct */
	for (size_t i = 0; i < ms->n; i++) {
		struct series *s = ms->all[i];

		s->next = b[s->hash & (nb - 1)];
		b[s->hash & (nb - 1)] = s;
	}
	free(ms->buckets);
	ms->buckets = b;
	ms->nbuckets = nb;
}

struct series *ms_series(struct metric_store *ms, int resource, int metric,
			 const char *const keys[], const char *const vals[], int n, uint64_t now_ns)
{
	uint64_t h = 1469598103934665603ULL ^ ((uint64_t)resource << 32 | (uint32_t)metric);

	for (int i = 0; i < n; i++)
		h = fnv(h, vals[i]);
	for (struct series *s = ms->buckets[h & (ms->nbuckets - 1)]; s; s = s->next) {
		if (s->hash != h || s->metric != metric || s->resource != resource)
			continue;
		int k = 0;

		while (k < n && !strcmp(s->vals[k], vals[k]))
			k++;
		if (k == n)
			return s;
	}
	size_t *count = metric >= 0 && metric < catalog_nmetrics + HM_COUNT ? &ms->nseries[metric] : NULL;

	/* The last slot under the limit is kept for the overflow series. */
	if (count && ms->series_limit && *count + 1 >= ms->series_limit &&
	    !(n == 1 && !strcmp(keys[0], MS_OVERFLOW_KEY))) {
		static const char *const okeys[1] = {MS_OVERFLOW_KEY}, *const ovals[1] = {"true"};

		if (ms->overflows++ == 0)
			fprintf(stderr, "mcp-bpftrace: %s reached %zu attribute sets; further ones are "
				"counted under %s=true (--max-series)\n",
				ms_metric_def(metric)->name, ms->series_limit, MS_OVERFLOW_KEY);
		return ms_series(ms, resource, metric, okeys, ovals, 1, now_ns);
	}
	struct series *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (ms->n == ms->cap) {
		size_t cap = ms->cap ? ms->cap * 2 : 256;
		void *p = realloc(ms->all, cap * sizeof(*ms->all));

		if (!p) {
			free(s);
			return NULL;
		}
		ms->all = p;
		ms->cap = cap;
	}
	s->hash = h;
	s->resource = resource;
	s->metric = metric;
	s->nattrs = n;
	s->start_ns = now_ns;
	for (int i = 0; i < n; i++) {
		s->keys[i] = strdup(keys[i]);
		s->vals[i] = strdup(vals[i]);
	}
	if (ms_metric_def(metric)->kind == MK_HISTOGRAM)
		s->h = exph_new(ms->hist_max_buckets, ms->hist_max_scale);
	if (ms_metric_def(metric)->bounds) /* calloc failing: the exporters write zero counts */
		s->bucket_counts = calloc((size_t)ms_metric_def(metric)->nbounds + 1, sizeof(*s->bucket_counts));
	s->next = ms->buckets[h & (ms->nbuckets - 1)];
	ms->buckets[h & (ms->nbuckets - 1)] = s;
	ms->all[ms->n++] = s;
	if (count)
		(*count)++;
	if (ms->n > ms->nbuckets)
		grow(ms);
	return s;
}

void ms_add(struct series *s, double delta)
{
	if (ms_metric_def(s->metric)->is_double)
		s->v.d += delta;
	else
		s->v.i += (int64_t)(delta < 0 ? delta - 0.5 : delta + 0.5);
}

size_t ms_bucket_of(const double *bounds, size_t n, double v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v <= bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void ms_record(struct series *s, double v)
{
	if (!s->h)
		return;
	uint64_t before = exph_count(s->h);

	exph_record(s->h, v);
	/* Only what the histogram kept (not NaN or inf): the buckets' counts
	 * add up to the point's count. */
	if (s->bucket_counts && exph_count(s->h) != before) {
		const struct metric_def *d = ms_metric_def(s->metric);

		s->bucket_counts[ms_bucket_of(d->bounds, (size_t)d->nbounds, v)]++;
	}
}

static int cmp_series(const void *a, const void *b)
{
	const struct series *x = *(struct series *const *)a, *y = *(struct series *const *)b;

	if (x->resource != y->resource)
		return x->resource < y->resource ? -1 : 1;
	if (x->metric != y->metric)
		return x->metric < y->metric ? -1 : 1;
	return 0;
}

struct series **ms_sorted(struct metric_store *ms, size_t *n)
{
	struct series **v = malloc((ms->n ? ms->n : 1) * sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	if (ms->n)
		memcpy(v, ms->all, ms->n * sizeof(*v));
	*n = ms->n;
	/* mergesort-like stability is not needed: creation order within a
	 * (resource, metric) group is only cosmetic. */
	qsort(v, *n, sizeof(*v), cmp_series);
	return v;
}
