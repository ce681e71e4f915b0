/* Base-2 exponential histogram (OpenTelemetry-compatible); see exp_histogram.h. */
#include "exp_histogram.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One sign's bucket range. The window [lo, lo+len) sits at counts[pos..] inside
 * a larger array so it can grow at either end without moving in the common
 * case; slots outside the window are kept zero so growing never has to clear. */
struct exph_buckets {
	uint64_t *counts;
	uint32_t cap, pos, len;
	int32_t lo;
};

struct exp_histogram {
	struct exph_buckets pos, neg;
	uint64_t count, zero_count, dropped;
	double sum, min, max;
	int scale, max_scale, max_buckets;
};

/* floor(i / 2^c). Spelled out because >> on negative values is
 * implementation-defined, and bucket indexes are negative below 1.0. */
static inline int64_t fshift(int64_t i, int c)
{
	return i >= 0 ? i >> c : ~(~i >> c);
}

int32_t exph_map_index(int scale, double v)
{
	int e;
	/* frexp rather than log2(v) alone: the exponent is exact, so powers of two
	 * are detected exactly and log2 only sees [1, 2), where it is most
	 * accurate; subnormals are normalised for free. */
	double m = frexp(fabs(v), &e); /* |v| = m * 2^e, m in [0.5, 1) */
	if (scale <= 0) {
		/* At scale 0 bucket i is (2^i, 2^(i+1)]; lower scales merge 2^-scale
		 * of those, i.e. a floor shift. */
		int64_t i0 = m == 0.5 ? e - 2 : e - 1;
		return (int32_t)fshift(i0, -scale);
	}
	int64_t per = (int64_t)1 << scale; /* buckets per power of two */
	if (m == 0.5) /* 2^(e-1) is the upper bound of the bucket below it */
		return (int32_t)((e - 1) * per - 1);
	/* Interior boundaries b^k are irrational, so floor == ceil-1 here. */
	int64_t sub = (int64_t)floor(log2(2.0 * m) * (double)per);
	if (sub >= per) /* log2 rounded up to 1.0 just below the next power */
		sub = per - 1;
	return (int32_t)((e - 1) * per + sub);
}

double exph_lower_boundary(int scale, int32_t index)
{
	if (scale <= 0) {
		int64_t e = (int64_t)index * ((int64_t)1 << -scale);
		if (e > 2000) /* keep ldexp's int argument sane; saturates anyway */
			e = 2000;
		if (e < -2000)
			e = -2000;
		return ldexp(1.0, (int)e);
	}
	/* Split into whole octaves (exact) and a fraction in [0, 1) so exp2
	 * keeps full precision at large |index|. */
	int64_t per = (int64_t)1 << scale, q = fshift(index, scale);
	return ldexp(exp2((double)(index - q * per) / (double)per), (int)q);
}

struct exp_histogram *exph_new(int max_buckets, int max_scale)
{
	if (max_buckets < 2 || max_scale < EXPH_MIN_SCALE || max_scale > EXPH_MAX_SCALE)
		return NULL;
	struct exp_histogram *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->max_buckets = max_buckets;
	h->max_scale = max_scale;
	exph_reset(h);
	return h;
}

void exph_free(struct exp_histogram *h)
{
	if (!h)
		return;
	free(h->pos.counts);
	free(h->neg.counts);
	free(h);
}

static void buckets_clear(struct exph_buckets *b)
{
	if (b->len)
		memset(b->counts + b->pos, 0, b->len * sizeof(*b->counts));
	b->len = 0;
	b->lo = 0;
}

void exph_reset(struct exp_histogram *h)
{
	buckets_clear(&h->pos);
	buckets_clear(&h->neg);
	h->count = h->zero_count = h->dropped = 0;
	h->sum = 0;
	h->min = INFINITY;
	h->max = -INFINITY;
	h->scale = h->max_scale;
}

/* Place the window at [new_lo, new_lo+new_len) (a superset of the current
 * one), centred so later growth in either direction is likely free. */
static int buckets_relocate(struct exph_buckets *b, int64_t new_lo, uint32_t new_len,
			    int max_buckets)
{
	uint32_t shift = b->len ? (uint32_t)(b->lo - new_lo) : 0;
	if (new_len > b->cap) {
		/* Doubling keeps reallocations O(log max_buckets) per histogram. */
		uint32_t cap = b->cap ? b->cap * 2 : 16;
		if (cap < new_len)
			cap = new_len;
		if (cap > (uint32_t)max_buckets)
			cap = (uint32_t)max_buckets;
		uint64_t *n = calloc(cap, sizeof(*n));
		if (!n)
			return -1;
		uint32_t npos = (cap - new_len) / 2;
		if (b->len)
			memcpy(n + npos + shift, b->counts + b->pos, b->len * sizeof(*n));
		free(b->counts);
		b->counts = n;
		b->cap = cap;
		b->pos = npos;
	} else {
		uint32_t npos = (b->cap - new_len) / 2, dst = npos + shift;
		if (b->len) {
			memmove(b->counts + dst, b->counts + b->pos, b->len * sizeof(*b->counts));
			memset(b->counts, 0, dst * sizeof(*b->counts));
			memset(b->counts + dst + b->len, 0,
			       (b->cap - dst - b->len) * sizeof(*b->counts));
		}
		b->pos = npos;
	}
	b->lo = (int32_t)new_lo;
	b->len = new_len;
	return 0;
}

/* Grow the window to cover idx; the caller has ensured the span fits. */
static int buckets_include(struct exph_buckets *b, int64_t idx, int max_buckets)
{
	if (!b->len)
		return buckets_relocate(b, idx, 1, max_buckets);
	int64_t hi = (int64_t)b->lo + b->len - 1;
	if (idx < b->lo) {
		uint32_t grow = (uint32_t)(b->lo - idx);
		if (grow <= b->pos) {
			b->pos -= grow;
			b->lo = (int32_t)idx;
			b->len += grow;
			return 0;
		}
		return buckets_relocate(b, idx, (uint32_t)(hi - idx + 1), max_buckets);
	}
	if (idx > hi) {
		uint32_t len = (uint32_t)(idx - b->lo + 1);
		if ((uint64_t)b->pos + len <= b->cap) {
			b->len = len;
			return 0;
		}
		return buckets_relocate(b, b->lo, len, max_buckets);
	}
	return 0;
}

/* How many halvings of the scale make [lo, hi] span at most max_buckets. */
static int scale_change(int64_t lo, int64_t hi, int max_buckets)
{
	int c = 0;
	while (hi - lo + 1 > max_buckets) {
		lo = fshift(lo, 1);
		hi = fshift(hi, 1);
		c++;
	}
	return c;
}

/* Bucket i at scale s is the union of buckets 2i and 2i+1 at s+1, so lowering
 * the scale by c sends index i to floor(i / 2^c). Done in place: the target
 * slot is never after the slot being read. */
static void buckets_downscale(struct exph_buckets *b, int c)
{
	if (!b->len || !c)
		return;
	int64_t nlo = fshift(b->lo, c), nhi = fshift((int64_t)b->lo + b->len - 1, c);
	uint64_t *w = b->counts + b->pos;
	for (uint32_t j = 0; j < b->len; j++) {
		uint64_t n = w[j];
		w[j] = 0;
		w[fshift((int64_t)b->lo + j, c) - nlo] += n;
	}
	b->lo = (int32_t)nlo;
	b->len = (uint32_t)(nhi - nlo + 1);
}

static void downscale(struct exp_histogram *h, int c)
{
	buckets_downscale(&h->pos, c);
	buckets_downscale(&h->neg, c);
	h->scale -= c;
}

static void update_stats(struct exp_histogram *h, double v)
{
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* Kept out of line so the hit path in exph_record stays small. */
static __attribute__((noinline)) int record_slow(struct exp_histogram *h,
						 struct exph_buckets *b, int64_t idx)
{
	int64_t lo = idx, hi = idx;
	if (b->len) {
		if (b->lo < lo)
			lo = b->lo;
		if ((int64_t)b->lo + b->len - 1 > hi)
			hi = (int64_t)b->lo + b->len - 1;
	}
	int c = scale_change(lo, hi, h->max_buckets);
	if (c) {
		downscale(h, c);
		idx = fshift(idx, c);
	}
	if (buckets_include(b, idx, h->max_buckets))
		return -1;
	b->counts[b->pos + (idx - b->lo)]++;
	return 0;
}

void exph_record(struct exp_histogram *h, double v)
{
	if (!isfinite(v))
		return;
	if (v == 0) {
		h->zero_count++;
	} else {
		struct exph_buckets *b = v > 0 ? &h->pos : &h->neg;
		int64_t off = (int64_t)exph_map_index(h->scale, v) - b->lo;
		if (off >= 0 && off < b->len) {
			b->counts[b->pos + off]++;
		} else if (record_slow(h, b, off + b->lo)) {
			h->dropped++;
			return;
		}
	}
	update_stats(h, v);
}

/* Extend [*lo, *hi] by src's range mapped down by c scale steps. */
static void range_union(const struct exph_buckets *b, int c, int64_t *lo, int64_t *hi,
			bool *any)
{
	if (!b->len)
		return;
	int64_t l = fshift(b->lo, c), u = fshift((int64_t)b->lo + b->len - 1, c);
	if (!*any || l < *lo)
		*lo = l;
	if (!*any || u > *hi)
		*hi = u;
	*any = true;
}

void exph_merge(struct exp_histogram *dst, const struct exp_histogram *src)
{
	if (!src->count)
		return;
	int s = dst->scale < src->scale ? dst->scale : src->scale, c = 0;
	const struct exph_buckets *sb[2] = {&src->pos, &src->neg};
	struct exph_buckets *db[2] = {&dst->pos, &dst->neg};
	int64_t lo[2] = {0, 0}, hi[2] = {0, 0};
	for (int k = 0; k < 2; k++) {
		bool any = false;
		range_union(db[k], dst->scale - s, &lo[k], &hi[k], &any);
		range_union(sb[k], src->scale - s, &lo[k], &hi[k], &any);
		if (!any)
			continue;
		int ck = scale_change(lo[k], hi[k], dst->max_buckets);
		if (ck > c)
			c = ck;
	}
	s -= c;
	downscale(dst, dst->scale - s);
	/* Reserve the whole union first so a failed allocation cannot leave a
	 * half-merged histogram. */
	for (int k = 0; k < 2; k++) {
		if (sb[k]->len &&
		    (buckets_include(db[k], fshift(lo[k], c), dst->max_buckets) ||
		     buckets_include(db[k], fshift(hi[k], c), dst->max_buckets))) {
			dst->dropped += src->count;
			return;
		}
	}
	for (int k = 0; k < 2; k++) {
		for (uint32_t j = 0; j < sb[k]->len; j++) {
			int64_t i = fshift((int64_t)sb[k]->lo + j, src->scale - s);
			db[k]->counts[db[k]->pos + (i - db[k]->lo)] += sb[k]->counts[sb[k]->pos + j];
		}
	}
	dst->count += src->count;
	dst->zero_count += src->zero_count;
	dst->sum += src->sum;
	dst->dropped += src->dropped;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t exph_count(const struct exp_histogram *h) { return h->count; }
double exph_sum(const struct exp_histogram *h) { return h->sum; }
double exph_min(const struct exp_histogram *h) { return h->count ? h->min : NAN; }
double exph_max(const struct exp_histogram *h) { return h->count ? h->max : NAN; }
uint64_t exph_zero_count(const struct exp_histogram *h) { return h->zero_count; }
int exph_scale(const struct exp_histogram *h) { return h->scale; }
uint64_t exph_dropped(const struct exp_histogram *h) { return h->dropped; }

static size_t buckets_view(const struct exph_buckets *b, const uint64_t **counts)
{
	*counts = b->len ? b->counts + b->pos : NULL;
	return b->len;
}

int32_t exph_positive_offset(const struct exp_histogram *h) { return h->pos.lo; }
int32_t exph_negative_offset(const struct exp_histogram *h) { return h->neg.lo; }

size_t exph_positive_counts(const struct exp_histogram *h, const uint64_t **counts)
{
	return buckets_view(&h->pos, counts);
}

size_t exph_negative_counts(const struct exp_histogram *h, const uint64_t **counts)
{
	return buckets_view(&h->neg, counts);
}

/* A bucket's stand-in value: its geometric midpoint, clamped to the observed
 * range so the extreme buckets never report values that were not seen. */
static double representative(const struct exp_histogram *h, int32_t index, int sign)
{
	double mid;
	if (h->scale <= 0) /* one exp2: lower*sqrt(b) could be 0*inf at scale -10 */
		mid = exp2(((double)index + 0.5) * ldexp(1.0, -h->scale));
	else
		mid = exph_lower_boundary(h->scale, index) * exp2(ldexp(0.5, -h->scale));
	double v = sign * mid;
	return v < h->min ? h->min : v > h->max ? h->max : v;
}

double exph_quantile(const struct exp_histogram *h, double q)
{
	if (!h->count || isnan(q))
		return NAN;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	uint64_t rank = (uint64_t)ceil(q * (double)h->count), cum = 0;
	if (rank < 1)
		rank = 1;
	/* Ascending value order: negatives from the largest magnitude down,
	 * then zeros, then positives upwards. */
	for (uint32_t j = h->neg.len; j-- > 0;) {
		cum += h->neg.counts[h->neg.pos + j];
		if (cum >= rank)
			return representative(h, h->neg.lo + (int32_t)j, -1);
	}
	cum += h->zero_count;
	if (cum >= rank)
		return 0.0;
	for (uint32_t j = 0; j < h->pos.len; j++) {
		cum += h->pos.counts[h->pos.pos + j];
		if (cum >= rank)
			return representative(h, h->pos.lo + (int32_t)j, 1);
	}
	return h->max; /* unreachable while counts agree with count */
}

/* First slot k with x <= bounds[k] (upper-inclusive), nbounds if none. */
static size_t bound_slot(const double *bounds, size_t n, double x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x <= bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void exph_explicit_counts(const struct exp_histogram *h, const double *bounds,
			  size_t nbounds, uint64_t *counts_out)
{
	memset(counts_out, 0, (nbounds + 1) * sizeof(*counts_out));
	const struct exph_buckets *b[2] = {&h->neg, &h->pos};
	for (int k = 0; k < 2; k++) {
		for (uint32_t j = 0; j < b[k]->len; j++) {
			uint64_t n = b[k]->counts[b[k]->pos + j];
			if (n)
				counts_out[bound_slot(bounds, nbounds,
						      representative(h, b[k]->lo + (int32_t)j,
								     k ? 1 : -1))] += n;
		}
	}
	if (h->zero_count)
		counts_out[bound_slot(bounds, nbounds, 0.0)] += h->zero_count;
}
