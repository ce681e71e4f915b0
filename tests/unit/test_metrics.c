/* Unit tests for user/metrics.c: series lookup and the cardinality limit
 * (--max-series), which keeps a high-cardinality attribute from growing
 * the tracer without bound. */
#include <stdio.h>
#include <string.h>
#include "catalog.h"
#include "aggregate/health.h"
#include "aggregate/metrics.h"
#include "unit_test.h"

static int metric_index(const char *name)
{
	for (int i = 0; i < catalog_nmetrics; i++)
		if (!strcmp(catalog_metrics[i].name, name))
			return i;
	return -1;
}

static struct series *get(struct metric_store *ms, int m, const char *model)
{
	const char *keys[1] = {"mcp.model_type"}, *vals[1] = {model};

	return ms_series(ms, 0, m, keys, vals, 1, 1);
}

static void test_lookup(void)
{
	struct metric_store ms;
	int m = metric_index("mcp_model_routing_total");

	CHECK(m >= 0);
	CHECK(!ms_init(&ms));
	struct series *a = get(&ms, m, "gpt"), *b = get(&ms, m, "claude");

	CHECK(a && b && a != b);
	CHECK(get(&ms, m, "gpt") == a);
	CHECK_EQ_INT(ms.n, 2);
	CHECK_EQ_INT(ms.nseries[m], 2);
	ms_destroy(&ms);
}

static void test_overflow(void)
{
	struct metric_store ms;
	int m = metric_index("mcp_model_routing_total");
	int other = metric_index("mcp_model_routing_errors_total");
	char v[32];

	CHECK(m >= 0 && other >= 0);
	CHECK(!ms_init(&ms));
	ms.series_limit = 5;
	/* 4 distinct values fit; the 5th slot is the overflow series. */
	for (int i = 0; i < 100; i++) {
		snprintf(v, sizeof(v), "model-%d", i);
		struct series *s = get(&ms, m, v);

		CHECK(s != NULL);
		if (s)
			ms_add(s, 1);
	}
	CHECK_EQ_INT(ms.nseries[m], 5);
	struct series *o = NULL;
	int64_t total = 0;

	for (size_t i = 0; i < ms.n; i++) {
		struct series *s = ms.all[i];

		total += s->v.i;
		if (s->nattrs == 1 && !strcmp(s->keys[0], MS_OVERFLOW_KEY))
			o = s;
	}
	CHECK(o != NULL);
	if (o) {
		CHECK_STR_EQ(o->vals[0], "true");
		CHECK_EQ_INT(o->v.i, 96); /* nothing is lost: every update lands */
	}
	CHECK_EQ_INT(total, 100);
	CHECK_EQ_INT(ms.overflows, 96);
	/* Values seen before the limit keep their own series. */
	CHECK(get(&ms, m, "model-0") != o);
	/* The limit is per metric. */
	CHECK(get(&ms, other, "fresh") != NULL);
	CHECK_EQ_INT(ms.nseries[other], 1);
	ms_destroy(&ms);

	/* 0: no limit. */
	CHECK(!ms_init(&ms));
	ms.series_limit = 0;
	for (int i = 0; i < 3000; i++) {
		snprintf(v, sizeof(v), "model-%d", i);
		get(&ms, m, v);
	}
	CHECK_EQ_INT(ms.nseries[m], 3000);
	CHECK_EQ_INT(ms.overflows, 0);
	ms_destroy(&ms);
}

int main(void)
{
	test_lookup();
	test_overflow();
	UNIT_DONE();
}
