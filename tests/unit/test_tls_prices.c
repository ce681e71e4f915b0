/* The price table (user/source/tls/prices.c) and the shipped
 * data/prices.tsv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "source/tls/prices.h"
#include "unit_test.h"

static void test_parse_and_find(void)
{
	struct price_table t = { 0 };
	char err[256] = "";
	CHECK_EQ_INT(prices_parse(&t,
				  "# comment\n"
				  "\n"
				  "openai\tgpt-4o\t2.5\t10\n"
				  "openai\tgpt-4o-mini\t0.15\t0.6\r\n"
				  "anthropic\tclaude-3-5-haiku\t0.8\t4\n",
				  "test", err, sizeof(err)),
		     0);
	CHECK_STR_EQ(err, "");
	CHECK_EQ_INT(t.n, 3);
	const struct price_entry *e = prices_find(&t, "openai", "gpt-4o-mini");
	CHECK(e && e->output_per_m == 0.6);
	/* snapshots of a listed model */
	CHECK(prices_find(&t, "openai", "gpt-4o-mini-2024-07-18") == e);
	CHECK(prices_find(&t, "openai", "gpt-4o-2024-08-06") == prices_find(&t, "openai", "gpt-4o"));
	CHECK(prices_find(&t, "anthropic", "claude-3-5-haiku-20241022") != NULL);
	CHECK(prices_find(&t, "anthropic", "claude-3-5-haiku-latest") != NULL);
	/* no other prefix, no other provider */
	CHECK(prices_find(&t, "openai", "gpt-4o-audio-preview") == NULL);
	CHECK(prices_find(&t, "openai", "gpt-4") == NULL);
	CHECK(prices_find(&t, "anthropic", "gpt-4o") == NULL);
	CHECK(prices_find(&t, "openai", "") == NULL);

	double usd = -1;
	CHECK(prices_cost(&t, "openai", "gpt-4o-2024-08-06", "gpt-4o", 1000000, 500000, &usd));
	CHECK(fabs(usd - (2.5 + 5.0)) < 1e-9);
	/* the first model listed prices it */
	CHECK(prices_cost(&t, "openai", "unknown-snapshot", "gpt-4o-mini", 2000000, 0, &usd));
	CHECK(fabs(usd - 0.3) < 1e-9);
	CHECK(!prices_cost(&t, "openai", "nope", "nope2", 1, 1, &usd));
	CHECK(!prices_cost(&t, "openai", "gpt-4o", NULL, -1, -1, &usd)); /* no usage: no cost */

	CHECK(prices_warn_once(&t, "openai", "nope"));
	CHECK(!prices_warn_once(&t, "openai", "nope"));
	CHECK(prices_warn_once(&t, "anthropic", "nope"));
	prices_free(&t);
}

static void test_bad_lines(void)
{
	struct price_table t = { 0 };
	char err[256];
	CHECK_EQ_INT(prices_parse(&t, "openai\tgpt\t1\t2\n\nopenai\tgpt-x\t1\n", "p.tsv", err, sizeof(err)), -1);
	CHECK_STR_HAS(err, "p.tsv: line 3: want 4 tab-separated fields");
	CHECK_EQ_INT(prices_parse(&t, "openai\tgpt\tabc\t1\n", "p.tsv", err, sizeof(err)), -1);
	CHECK_STR_HAS(err, "line 1: prices must be numbers");
	CHECK_EQ_INT(prices_parse(&t, "openai\tgpt\t-1\t1\n", "p.tsv", err, sizeof(err)), -1);
	CHECK_EQ_INT(prices_parse(&t, "\tgpt\t1\t1\n", "p.tsv", err, sizeof(err)), -1);
	CHECK_STR_HAS(err, "provider empty");
	CHECK_EQ_INT(prices_parse(&t, "a\tb\t1\t2\t3\n", "p.tsv", err, sizeof(err)), -1);
	CHECK_EQ_INT(prices_load(&t, "/nonexistent/prices.tsv", err, sizeof(err)), -1);
	CHECK_STR_HAS(err, "/nonexistent/prices.tsv: cannot open the price table");
	CHECK_EQ_INT(t.n, 0);
	prices_free(&t);
}

/* The shipped table parses and prices the models the tests use. */
static void test_shipped(void)
{
	struct price_table t = { 0 };
	char err[256];
	CHECK_EQ_INT(prices_load(&t, "data/prices.tsv", err, sizeof(err)), 0);
	CHECK(t.n >= 10);
	const char *models[][2] = { { "openai", "gpt-4o-mini" }, { "openai", "gpt-4o" }, { "anthropic", "claude-3-5-haiku-20241022" },
				    { "anthropic", "claude-sonnet-4-5" }, { "gcp.gemini", "gemini-2.5-flash" } };
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		CHECK(prices_find(&t, models[i][0], models[i][1]) != NULL);
	prices_free(&t);
}

int main(void)
{
	test_parse_and_find();
	test_bad_lines();
	test_shipped();
	UNIT_DONE();
}
