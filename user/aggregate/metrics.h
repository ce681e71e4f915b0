/* The metric store: one series per (resource, metric, attribute values),
 * cumulative since the tracer started. Counters and up-down counters keep a
 * number; histograms keep an exponential histogram. */
#ifndef METRICS_H
#define METRICS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "catalog.h"
#include "exp_histogram.h"

struct series {
	struct series *next; /* hash chain */
	uint64_t hash;
	int resource;
	int metric; /* index into catalog_metrics, or a health metric (health.h) */
	int nattrs;
	const char *keys[ACT_MAX_ATTRS]; /* owned (const for readers) */
	char *vals[ACT_MAX_ATTRS];       /* owned */
	uint64_t start_ns;               /* first update, CLOCK_MONOTONIC */
	union {
		int64_t i;
		double d;
	} v;
	struct exp_histogram *h;
	/* A metric with its own explicit bounds (metric_def.bounds): exact
	 * counts per bucket, nbounds + 1 of them, bucket k holding
	 * (bounds[k-1], bounds[k]] as OpenTelemetry's explicit buckets. */
	uint64_t *bucket_counts;
};

struct metric_store {
	pthread_mutex_t lock; /* taken by the writer per update, by readers per snapshot */
	struct series **buckets;
	size_t nbuckets;
	struct series **all; /* in creation order, for stable output */
	size_t n, cap;
	int hist_max_buckets, hist_max_scale;
	/* Attribute sets per metric at most (0: no limit); past it, updates go
	 * to the one series {otel.metric.overflow=true}, as the OpenTelemetry
	 * SDKs do, so that a high-cardinality attribute cannot eat the host. */
	size_t series_limit;
	size_t *nseries;   /* per metric */
	uint64_t overflows; /* updates sent to an overflow series */
};

#define MS_DEFAULT_SERIES_LIMIT 2000 /* the OpenTelemetry SDK default */
#define MS_OVERFLOW_KEY "otel.metric.overflow"

int ms_init(struct metric_store *ms);
void ms_destroy(struct metric_store *ms);

/* Finds or creates the series. Caller holds ms->lock. */
struct series *ms_series(struct metric_store *ms, int resource, int metric,
			 const char *const keys[], const char *const vals[], int n, uint64_t now_ns);
/* Counter / up-down counter += delta (double metrics keep the fraction). */
void ms_add(struct series *s, double delta);
/* Histogram record. */
void ms_record(struct series *s, double v);
/* The explicit bucket holding v: the first k with v <= bounds[k], n when
 * none (the +Inf bucket). */
size_t ms_bucket_of(const double *bounds, size_t n, double v);

/* A copy of the series list ordered by (resource, metric), for exporters
 * that group data points. Caller holds ms->lock and frees the array. */
struct series **ms_sorted(struct metric_store *ms, size_t *n);

/* Definition of the series' metric, catalog or health. */
const struct metric_def *ms_metric_def(int metric);

#endif
