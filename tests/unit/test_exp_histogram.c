/* Unit tests for user/exp_histogram.c. Standalone: prints failures to stderr and
 * "test_exp_histogram: N passed, N failed" last; exit status 1 on any failure. */
#include "aggregate/exp_histogram.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond)                                                                 \
	do {                                                                        \
		if (cond) {                                                         \
			passed++;                                                   \
		} else {                                                            \
			failed++;                                                   \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, \
				#cond);                                             \
		}                                                                   \
	} while (0)

#define CHECK_EQ(a, b)                                                                   \
	do {                                                                             \
		long long a_ = (long long)(a), b_ = (long long)(b);                      \
		if (a_ == b_) {                                                          \
			passed++;                                                        \
		} else {                                                                 \
			failed++;                                                        \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, \
				__LINE__, #a, #b, a_, b_);                               \
		}                                                                        \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                                           \
	do {                                                                            \
		double a_ = (a), b_ = (b);                                              \
		if (fabs(a_ - b_) <= (tol)) {                                           \
			passed++;                                                       \
		} else {                                                                \
			failed++;                                                       \
			fprintf(stderr, "%s:%d: %s ~ %s failed: %.17g vs %.17g\n", __FILE__, \
				__LINE__, #a, #b, a_, b_);                              \
		}                                                                       \
	} while (0)

/* splitmix64: fixed-seed data that is the same on every libc. */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static double rng_unit(void) { return (double)(rng_next() >> 11) * 0x1p-53; }
/* log-uniform in [lo, hi): durations spread over many octaves */
static double rng_log(double lo, double hi)
{
	return exp(log(lo) + (log(hi) - log(lo)) * rng_unit());
}

/* Independent model of the histogram: the scale must be the largest (<= max)
 * at which each sign's index range fits max_buckets, and every bucket must
 * hold exactly the values that map to it at that scale. */
static void check_against_values(const struct exp_histogram *h, const double *vals, size_t n,
				 int max_buckets, int max_scale)
{
	int s;
	for (s = max_scale; s > -64; s--) {
		int64_t lo[2] = {INT64_MAX, INT64_MAX}, hi[2] = {INT64_MIN, INT64_MIN};
		for (size_t i = 0; i < n; i++) {
			if (vals[i] == 0)
				continue;
			int k = vals[i] < 0, idx = exph_map_index(s, vals[i]);
			if (idx < lo[k])
				lo[k] = idx;
			if (idx > hi[k])
				hi[k] = idx;
		}
		if ((hi[0] < lo[0] || hi[0] - lo[0] < max_buckets) &&
		    (hi[1] < lo[1] || hi[1] - lo[1] < max_buckets))
			break;
	}
	CHECK_EQ(exph_scale(h), s);
	s = exph_scale(h);

	const uint64_t *pc, *nc;
	size_t pn = exph_positive_counts(h, &pc), nn = exph_negative_counts(h, &nc);
	int32_t po = exph_positive_offset(h), no = exph_negative_offset(h);
	uint64_t *pexp = calloc(pn + 1, sizeof(*pexp)), *nexp = calloc(nn + 1, sizeof(*nexp));
	uint64_t zeros = 0, total = 0;
	int misplaced = 0;
	for (size_t i = 0; i < n; i++) {
		double v = vals[i];
		if (v == 0) {
			zeros++;
			continue;
		}
		int32_t idx = exph_map_index(s, v);
		double lb = exph_lower_boundary(s, idx), ub = exph_lower_boundary(s, idx + 1);
		if (!(lb < fabs(v) && fabs(v) <= ub))
			misplaced++;
		int64_t off = (int64_t)idx - (v > 0 ? po : no);
		if (off < 0 || off >= (int64_t)(v > 0 ? pn : nn))
			misplaced++;
		else
			(v > 0 ? pexp : nexp)[off]++;
	}
	CHECK_EQ(misplaced, 0);
	CHECK(pn == 0 || (pc[0] && pc[pn - 1]));
	CHECK(nn == 0 || (nc[0] && nc[nn - 1]));
	CHECK(pn <= (size_t)max_buckets && nn <= (size_t)max_buckets);
	CHECK(pn == 0 || memcmp(pc, pexp, pn * sizeof(*pc)) == 0);
	CHECK(nn == 0 || memcmp(nc, nexp, nn * sizeof(*nc)) == 0);
	for (size_t i = 0; i < pn; i++)
		total += pc[i];
	for (size_t i = 0; i < nn; i++)
		total += nc[i];
	CHECK_EQ(exph_zero_count(h), zeros);
	CHECK_EQ(total + exph_zero_count(h), exph_count(h));
	CHECK_EQ(exph_count(h), n);
	free(pexp);
	free(nexp);
}

static void test_index_scale0(void)
{
	/* bucket i = (2^i, 2^(i+1)] */
	CHECK_EQ(exph_map_index(0, 1.0), -1);
	CHECK_EQ(exph_map_index(0, 2.0), 0);
	CHECK_EQ(exph_map_index(0, 4.0), 1);
	CHECK_EQ(exph_map_index(0, 0.5), -2);
	CHECK_EQ(exph_map_index(0, 1024.0), 9);
	CHECK_EQ(exph_map_index(0, 1.5), 0);
	CHECK_EQ(exph_map_index(0, 3.0), 1);
	CHECK_EQ(exph_map_index(0, 0.75), -1);
	CHECK_EQ(exph_map_index(0, 1000.0), 9);
	CHECK_EQ(exph_map_index(0, nextafter(2.0, 3.0)), 1);
	CHECK_EQ(exph_map_index(0, nextafter(2.0, 0.0)), 0);
	CHECK_EQ(exph_map_index(0, -3.0), 1); /* by magnitude */
	CHECK_EQ(exph_map_index(0, DBL_MAX), 1023);
	CHECK_EQ(exph_map_index(0, DBL_MIN), -1023);      /* 2^-1022 */
	CHECK_EQ(exph_map_index(0, 0x1p-1074), -1075);   /* smallest subnormal */
	CHECK_EQ(exph_map_index(0, 0x1.8p-1070), -1070); /* subnormal, not a power */
}

static void test_index_scale3(void)
{
	/* base 2^(1/8); powers of two: 2^k is the top of bucket 8k-1 */
	CHECK_EQ(exph_map_index(3, 1.0), -1);
	CHECK_EQ(exph_map_index(3, 2.0), 7);
	CHECK_EQ(exph_map_index(3, 4.0), 15);
	CHECK_EQ(exph_map_index(3, 0.5), -9);
	CHECK_EQ(exph_map_index(3, 0.25), -17);
	CHECK_EQ(exph_map_index(3, nextafter(1.0, 2.0)), 0);
	/* 8*log2(v): 1.5 -> 4.68, 3 -> 12.68, 1.09 -> 0.9946, 1.091 -> 1.0052,
	 * 0.9 -> -1.216, 10 -> 26.58, 0.001 -> -79.73 */
	CHECK_EQ(exph_map_index(3, 1.5), 4);
	CHECK_EQ(exph_map_index(3, 3.0), 12);
	CHECK_EQ(exph_map_index(3, 1.09), 0);
	CHECK_EQ(exph_map_index(3, 1.091), 1);
	CHECK_EQ(exph_map_index(3, 0.9), -2);
	CHECK_EQ(exph_map_index(3, 10.0), 26);
	CHECK_EQ(exph_map_index(3, 0.001), -80);
	CHECK_NEAR(exph_lower_boundary(3, 8), 2.0, 0);
	CHECK_NEAR(exph_lower_boundary(3, -8), 0.5, 0);
	CHECK_NEAR(exph_lower_boundary(3, 1), pow(2, 0.125), 1e-15);
}

static void test_index_scale_neg1(void)
{
	/* base 4: bucket i = (4^i, 4^(i+1)] */
	CHECK_EQ(exph_map_index(-1, 1.0), -1);
	CHECK_EQ(exph_map_index(-1, 2.0), 0);
	CHECK_EQ(exph_map_index(-1, 4.0), 0);
	CHECK_EQ(exph_map_index(-1, 5.0), 1);
	CHECK_EQ(exph_map_index(-1, 16.0), 1);
	CHECK_EQ(exph_map_index(-1, 17.0), 2);
	CHECK_EQ(exph_map_index(-1, 0.25), -2);
	CHECK_EQ(exph_map_index(-1, 0.3), -1);
	CHECK_EQ(exph_map_index(-1, 0.5), -1);
	CHECK_EQ(exph_map_index(-1, 0.1), -2);
	CHECK_NEAR(exph_lower_boundary(-1, 2), 16.0, 0);
	CHECK_NEAR(exph_lower_boundary(-1, -2), 1.0 / 16, 0);
}

static void test_index_max_scale(void)
{
	/* At scale 20 powers of two still go to the lower bucket, and their
	 * neighbours one ulp away to the correct side. */
	const int32_t per = 1 << 20;
	CHECK_EQ(exph_map_index(20, 1.0), -1);
	CHECK_EQ(exph_map_index(20, 2.0), per - 1);
	CHECK_EQ(exph_map_index(20, nextafter(2.0, 3.0)), per);
	CHECK_EQ(exph_map_index(20, nextafter(2.0, 0.0)), per - 1);
	CHECK_EQ(exph_map_index(20, nextafter(1.0, 0.0)), -1);
	CHECK_EQ(exph_map_index(20, 0x1p-1074), -1074 * per - 1);
	CHECK_EQ(exph_map_index(20, DBL_MAX), 1024 * per - 1);
	/* Random values lie inside the bounds of their bucket. */
	int bad = 0;
	rng_state = 3;
	for (int i = 0; i < 100000; i++) {
		int s = (int)(rng_next() % 31) - 10;
		double v = rng_log(1e-300, 1e300);
		int32_t idx = exph_map_index(s, v);
		if (!(exph_lower_boundary(s, idx) < v && v <= exph_lower_boundary(s, idx + 1)))
			bad++;
	}
	CHECK_EQ(bad, 0);
}

static void test_stats_zero_negative(void)
{
	struct exp_histogram *h = exph_new(160, 20);
	CHECK(h != NULL);
	CHECK_EQ(exph_count(h), 0);
	CHECK(isnan(exph_min(h)) && isnan(exph_max(h)) && isnan(exph_quantile(h, 0.5)));
	const uint64_t *c;
	CHECK_EQ(exph_positive_counts(h, &c), 0);
	CHECK(c == NULL);

	exph_record(h, 2.0);
	CHECK_EQ(exph_scale(h), 20); /* one value never forces a downscale */
	CHECK_EQ(exph_positive_offset(h), (1 << 20) - 1);
	exph_record(h, 0.0);
	exph_record(h, -0.0);
	exph_record(h, -3.0);
	exph_record(h, 5.0);
	exph_record(h, -0.5);
	exph_record(h, NAN); /* dropped, like the OTel SDK */
	exph_record(h, INFINITY);
	exph_record(h, -INFINITY);
	CHECK_EQ(exph_count(h), 6);
	CHECK_EQ(exph_zero_count(h), 2);
	CHECK_NEAR(exph_sum(h), 3.5, 1e-12);
	CHECK_NEAR(exph_min(h), -3.0, 0);
	CHECK_NEAR(exph_max(h), 5.0, 0);
	double vals[] = {2.0, 0.0, -0.0, -3.0, 5.0, -0.5};
	check_against_values(h, vals, 6, 160, 20);
	CHECK_NEAR(exph_quantile(h, 0), -3.0, 0);
	CHECK_NEAR(exph_quantile(h, 1), 5.0, 0);
	CHECK_NEAR(exph_quantile(h, 0.5), 0.0, 0); /* ranks 3,4 are the zeros */
	CHECK(exph_quantile(h, 0.2) < -0.4 && exph_quantile(h, 0.2) > -0.6);
	CHECK(exph_dropped(h) == 0);

	exph_reset(h);
	CHECK_EQ(exph_count(h), 0);
	CHECK_EQ(exph_scale(h), 20);
	CHECK_EQ(exph_negative_counts(h, &c), 0);
	exph_record(h, 7.0);
	check_against_values(h, (double[]){7.0}, 1, 160, 20);
	exph_free(h);
	exph_free(NULL);
	CHECK(exph_new(1, 20) == NULL);
	CHECK(exph_new(160, 21) == NULL);
	CHECK(exph_new(160, -11) == NULL);
}

static void test_downscale(void)
{
	struct exp_histogram *h = exph_new(160, 20);
	exph_record(h, 1e-9);
	exph_record(h, 1e9);
	/* log2(1e18) = 59.8 octaves: 2 buckets/octave (~120) fit, 4 (~240) don't */
	CHECK_EQ(exph_scale(h), 1);
	int32_t lo = exph_map_index(1, 1e-9), hi = exph_map_index(1, 1e9);
	CHECK(hi - lo + 1 <= 160);
	CHECK(exph_map_index(2, 1e9) - exph_map_index(2, 1e-9) + 1 > 160);
	check_against_values(h, (double[]){1e-9, 1e9}, 2, 160, 20);

	/* Many values, small bucket budget, both signs: the scale walks down
	 * step by step and must still be the largest that fits at the end. */
	enum { N = 20000 };
	static double vals[N];
	for (int mb = 2; mb <= 64; mb *= 4) {
		struct exp_histogram *g = exph_new(mb, 20);
		rng_state = 42 + (uint64_t)mb;
		for (int i = 0; i < N; i++) {
			double v = rng_log(1e-6, 1e3) * (rng_next() % 4 == 0 ? -1 : 1);
			vals[i] = rng_next() % 100 == 0 ? 0.0 : v;
			exph_record(g, vals[i]);
		}
		check_against_values(g, vals, N, mb, 20);
		exph_free(g);
	}
	exph_free(h);
}

static void test_merge(void)
{
	enum { NA = 5000, NB = 7000 };
	static double vals[NA + NB];
	struct exp_histogram *a = exph_new(160, 20), *b = exph_new(160, 20),
			     *all = exph_new(160, 20), *empty = exph_new(160, 20);
	rng_state = 7;
	for (int i = 0; i < NA; i++) { /* narrow: stays at a high scale */
		vals[i] = rng_log(1e-3, 2e-3);
		exph_record(a, vals[i]);
		exph_record(all, vals[i]);
	}
	for (int i = NA; i < NA + NB; i++) { /* wide, with negatives and zeros */
		double v = rng_log(1.0, 1e4);
		vals[i] = i % 50 == 0 ? 0.0 : i % 3 == 0 ? -v : v;
		exph_record(b, vals[i]);
		exph_record(all, vals[i]);
	}
	CHECK(exph_scale(a) > exph_scale(b));
	CHECK(exph_scale(all) < exph_scale(b)); /* union range is wider still */

	exph_merge(a, b);
	check_against_values(a, vals, NA + NB, 160, 20);
	CHECK_EQ(exph_scale(a), exph_scale(all));
	CHECK_EQ(exph_count(a), exph_count(all));
	CHECK_EQ(exph_zero_count(a), exph_zero_count(all));
	CHECK_NEAR(exph_sum(a), exph_sum(all), 1e-9 * fabs(exph_sum(all)));
	CHECK_NEAR(exph_min(a), exph_min(all), 0);
	CHECK_NEAR(exph_max(a), exph_max(all), 0);
	const uint64_t *ca, *cb;
	size_t na = exph_positive_counts(a, &ca), nb = exph_positive_counts(all, &cb);
	CHECK(na == nb && exph_positive_offset(a) == exph_positive_offset(all) &&
	      memcmp(ca, cb, na * sizeof(*ca)) == 0);
	na = exph_negative_counts(a, &ca);
	nb = exph_negative_counts(all, &cb);
	CHECK(na == nb && exph_negative_offset(a) == exph_negative_offset(all) &&
	      memcmp(ca, cb, na * sizeof(*ca)) == 0);

	/* Merging into an empty histogram copies; merging an empty one is a no-op. */
	exph_merge(empty, all);
	check_against_values(empty, vals, NA + NB, 160, 20);
	struct exp_histogram *none = exph_new(160, 20);
	exph_merge(empty, none);
	check_against_values(empty, vals, NA + NB, 160, 20);
	/* Reverse direction (wide into narrow source order) gives the same. */
	exph_merge(b, all);
	CHECK_EQ(exph_count(b), 2 * NB + NA);
	CHECK_EQ(exph_scale(b), exph_scale(all));
	exph_free(a);
	exph_free(b);
	exph_free(all);
	exph_free(empty);
	exph_free(none);
}

static void test_quantiles(void)
{
	struct exp_histogram *h = exph_new(160, 20);
	enum { N = 10000 };
	for (int i = 1; i <= N; i++)
		exph_record(h, (double)i);
	/* log2(10000) = 13.3 octaves: 8 buckets/octave fit in 160, 16 don't */
	CHECK_EQ(exph_scale(h), 3);
	double base = pow(2.0, ldexp(1.0, -exph_scale(h)));
	double bound = sqrt(base) - 1 + 1e-12;
	double worst = 0;
	for (int k = 1; k < 1000; k++) {
		double q = k / 1000.0;
		double exact = ceil(q * N); /* the ceil(q*N)-th smallest of 1..N */
		double got = exph_quantile(h, q);
		double err = fabs(got - exact) / exact;
		if (err > worst)
			worst = err;
	}
	CHECK(worst <= bound);
	CHECK(worst > 0); /* it is an estimate; an exact result would be suspicious */
	CHECK_NEAR(exph_quantile(h, 0.0), 1.0, 0);
	CHECK_NEAR(exph_quantile(h, 1.0), (double)N, 0);
	CHECK_NEAR(exph_quantile(h, 1e-9), 1.0, 0); /* clamped to min */
	CHECK(exph_quantile(h, 0.5) >= 5000 / (1 + bound) &&
	      exph_quantile(h, 0.5) <= 5000 * (1 + bound));
	exph_free(h);

	/* A single value: every quantile is that value (clamping). */
	h = exph_new(160, 20);
	for (int i = 0; i < 10; i++)
		exph_record(h, 0.0125);
	CHECK_NEAR(exph_quantile(h, 0.5), 0.0125, 0);
	CHECK_NEAR(exph_quantile(h, 0.99), 0.0125, 0);
	exph_free(h);
}

static void test_explicit_counts(void)
{
	struct exp_histogram *h = exph_new(160, 20);
	enum { N = 10000 };
	for (int i = 1; i <= N; i++)
		exph_record(h, (double)i);
	/* Powers of two are bucket boundaries at scale 3, so this view is exact. */
	double pb[14];
	uint64_t out[15];
	for (int k = 0; k < 14; k++)
		pb[k] = ldexp(1.0, k);
	exph_explicit_counts(h, pb, 14, out);
	uint64_t sum = 0;
	CHECK_EQ(out[0], 1);        /* (-inf, 1] */
	for (int k = 1; k < 14; k++) /* (2^(k-1), 2^k] holds 2^(k-1) integers */
		CHECK_EQ(out[k], 1 << (k - 1));
	CHECK_EQ(out[14], N - 8192);
	for (int k = 0; k < 15; k++)
		sum += out[k];
	CHECK_EQ(sum, N);

	/* Straddling bounds: approximate, but the total is kept and each slot is
	 * off by at most the two exp buckets straddling its edges (each holds at
	 * most edge*(b-1)+1 of these integers). */
	double bm1 = pow(2.0, ldexp(1.0, -exph_scale(h))) - 1;
	double db[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50,
		       100, 250, 500, 1000, 2500, 5000, 7500};
	size_t nb = sizeof(db) / sizeof(db[0]);
	uint64_t dc[21];
	exph_explicit_counts(h, db, nb, dc);
	sum = 0;
	int far = 0;
	for (size_t k = 0; k <= nb; k++) {
		sum += dc[k];
		double lo = k ? db[k - 1] : 0, hi = k < nb ? db[k] : INFINITY;
		double truth = fmax(0, fmin(hi, (double)N) - fmin(lo, (double)N));
		if (fabs((double)dc[k] - truth) > bm1 * (lo + fmin(hi, (double)N)) + 2)
			far++;
	}
	CHECK_EQ(sum, N);
	CHECK_EQ(far, 0);

	/* Zeros, negatives and a value sitting exactly on a bound. */
	exph_reset(h);
	exph_record(h, -2.0);
	exph_record(h, 0.0);
	exph_record(h, 5.0);
	exph_record(h, 5.0);
	double b3[] = {-1, 0, 5};
	uint64_t c3[4];
	exph_explicit_counts(h, b3, 3, c3);
	CHECK(c3[0] == 1 && c3[1] == 1 && c3[2] == 2 && c3[3] == 0);
	exph_explicit_counts(h, NULL, 0, c3);
	CHECK_EQ(c3[0], 4);
	exph_free(h);
}

int main(void)
{
	test_index_scale0();
	test_index_scale3();
	test_index_scale_neg1();
	test_index_max_scale();
	test_stats_zero_negative();
	test_downscale();
	test_merge();
	test_quantiles();
	test_explicit_counts();
	printf("test_exp_histogram: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
