/* Base-2 exponential histogram, bucket-compatible with OpenTelemetry's
 * ExponentialHistogram data point (the SDK's "Base2ExponentialBucketHistogram"
 * aggregation), so buckets can be exported to OTLP as they are.
 *
 * At scale s the base is b = 2^(2^-s); bucket i holds values in (b^i, b^(i+1)]
 * (upper-inclusive, so exact powers of two land in the lower bucket). Positive
 * and negative values have separate bucket ranges sharing one scale; exact
 * zeros go to a zero count. The histogram starts at max_scale and lowers the
 * scale (merging adjacent bucket pairs) just enough to keep each range within
 * max_buckets, so the scale is always the largest that fits the data seen.
 *
 * The struct is opaque. Not thread-safe: one writer, or external locking.
 * NaN and +-Inf are ignored (as the OTel SDK does). */
#ifndef EXP_HISTOGRAM_H
#define EXP_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#define EXPH_MAX_SCALE 20  /* OTel's maximum */
#define EXPH_MIN_SCALE -10 /* OTel's minimum for max_scale */

struct exp_histogram;

/* max_buckets >= 2 per sign; max_scale in [EXPH_MIN_SCALE, EXPH_MAX_SCALE].
 * NULL if out of range or out of memory. Bucket memory is allocated lazily,
 * grows up to max_buckets per sign, and is kept across exph_reset(). */
struct exp_histogram *exph_new(int max_buckets, int max_scale);
void exph_free(struct exp_histogram *h);
/* Empty the histogram and return to max_scale (e.g. after a delta export). */
void exph_reset(struct exp_histogram *h);

/* Allocation-free unless the value extends a range past the memory reserved
 * so far. If that allocation fails the value is dropped (see exph_dropped). */
void exph_record(struct exp_histogram *h, double v);
/* dst absorbs src; dst's scale becomes the largest that fits both (at most
 * min of the two scales). src is unchanged. On allocation failure nothing is
 * added and src's count is added to dst's dropped count. */
void exph_merge(struct exp_histogram *dst, const struct exp_histogram *src);

uint64_t exph_count(const struct exp_histogram *h);
double exph_sum(const struct exp_histogram *h);
double exph_min(const struct exp_histogram *h); /* NaN when empty */
double exph_max(const struct exp_histogram *h); /* NaN when empty */
uint64_t exph_zero_count(const struct exp_histogram *h);
int exph_scale(const struct exp_histogram *h);
uint64_t exph_dropped(const struct exp_histogram *h); /* values lost to ENOMEM */

/* OTLP ExponentialHistogramDataPoint.Buckets: counts[k] is bucket offset+k.
 * Negative buckets are indexed by |v|. The pointer is valid until the next
 * mutating call; NULL with length 0 when the range is empty. First and last
 * counts are non-zero. */
int32_t exph_positive_offset(const struct exp_histogram *h);
size_t exph_positive_counts(const struct exp_histogram *h, const uint64_t **counts);
int32_t exph_negative_offset(const struct exp_histogram *h);
size_t exph_negative_counts(const struct exp_histogram *h, const uint64_t **counts);

/* The value at rank ceil(q*count) is estimated by the geometric midpoint
 * b^(i+1/2) of its bucket, clamped to [min, max]; relative error is at most
 * sqrt(b) - 1. q <= 0 gives min, q >= 1 gives max; NaN when empty. */
double exph_quantile(const struct exp_histogram *h, double q);

/* Non-cumulative explicit-bucket counts (OTLP HistogramDataPoint layout;
 * prefix-sum them for Prometheus `le`). bounds ascending; counts_out has
 * nbounds+1 slots: slot k counts (bounds[k-1], bounds[k]], the last slot
 * (bounds[nbounds-1], +Inf). Approximate: each exp bucket's whole count goes
 * to the slot holding its geometric midpoint clamped to [min, max], so it is
 * exact for every exp bucket lying entirely inside one slot (e.g. bounds that
 * are powers of two while scale >= 0) and a straddling bucket is off by at
 * most that one bucket. Counts always sum to exph_count(). */
void exph_explicit_counts(const struct exp_histogram *h, const double *bounds,
			  size_t nbounds, uint64_t *counts_out);

/* The OTel mapping itself, for exporters and tests: the bucket index of |v|
 * (v != 0, finite) at `scale`, and the lower bound b^index of a bucket. */
int32_t exph_map_index(int scale, double v);
double exph_lower_boundary(int scale, int32_t index);

#endif
