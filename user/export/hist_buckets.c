/* Explicit-bucket histograms for the exporters: see hist_buckets.h. */
#include <string.h>
#include "hist_buckets.h"

bool hist_is_explicit(const struct metric_def *d, const struct export_opts *o)
{
	return d->kind == MK_HISTOGRAM && (d->bounds || o->explicit_histograms);
}

size_t hist_buckets(const struct series *s, const struct export_opts *o, const double **bounds, uint64_t *counts)
{
	const struct metric_def *d = ms_metric_def(s->metric);

	if (d->bounds && d->nbounds <= EXPORT_MAX_BOUNDS) {
		size_t n = (size_t)d->nbounds;

		*bounds = d->bounds;
		if (s->bucket_counts) /* exact: counted as recorded (metrics.c) */
			memcpy(counts, s->bucket_counts, (n + 1) * sizeof(*counts));
		else /* its allocation failed: the best the histogram knows */
			exph_explicit_counts(s->h, d->bounds, n, counts);
		return n;
	}
	*bounds = o->bounds;
	exph_explicit_counts(s->h, o->bounds, o->nbounds, counts);
	return o->nbounds;
}
