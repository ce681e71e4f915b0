/* Unit tests for user/json_writer.c: what it writes must read back, with
 * cJSON, as the values that were written. */
#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "export/json_writer.h"
#include "unit_test.h"

/* Writes {"v":<value>} with `put` and parses it back. */
static cJSON *roundtrip(void (*put)(struct jw *, const void *), const void *arg, char **text)
{
	struct jw w;

	jw_init(&w, 1); /* tiny: every value makes it grow */
	jw_raw(&w, "{\"v\":");
	put(&w, arg);
	jw_raw(&w, "}");
	*text = jw_finish(&w);
	return *text ? cJSON_Parse(*text) : NULL;
}

static void put_str(struct jw *w, const void *a) { jw_str(w, a); }
static void put_u64(struct jw *w, const void *a) { jw_u64_str(w, *(const uint64_t *)a); }
static void put_i64(struct jw *w, const void *a) { jw_i64_str(w, *(const int64_t *)a); }
static void put_dbl(struct jw *w, const void *a) { jw_double(w, *(const double *)a); }

static void test_strings(void)
{
	const char *cases[] = {"", "plain", "quote \" and \\ backslash", "tab\tnew\nline\r",
			       "\x01\x1f control", "UTF-8: µs → ▼", "{\"json\": [1,2]}"};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text;
		cJSON *j = roundtrip(put_str, cases[i], &text);
		cJSON *v = cJSON_GetObjectItem(j, "v");

		CHECK(v && cJSON_IsString(v));
		if (v && cJSON_IsString(v))
			CHECK_STR_EQ(v->valuestring, cases[i]);
		cJSON_Delete(j);
		free(text);
	}
}

static void test_integers(void)
{
	uint64_t u[] = {0, 7, 1000000000000000000ULL, UINT64_MAX};
	int64_t s[] = {0, -1, 42, INT64_MIN, INT64_MAX};
	char buf[32];

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		char *text;
		cJSON *j = roundtrip(put_u64, &u[i], &text);
		cJSON *v = cJSON_GetObjectItem(j, "v");

		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)u[i]);
		CHECK(v && cJSON_IsString(v) && !strcmp(v->valuestring, buf));
		cJSON_Delete(j);
		free(text);
	}
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		char *text;
		cJSON *j = roundtrip(put_i64, &s[i], &text);
		cJSON *v = cJSON_GetObjectItem(j, "v");

		snprintf(buf, sizeof(buf), "%lld", (long long)s[i]);
		CHECK(v && cJSON_IsString(v) && !strcmp(v->valuestring, buf));
		cJSON_Delete(j);
		free(text);
	}
}

static void test_doubles(void)
{
	double d[] = {0, -0.5, 0.1, 1.0 / 3, 123456789.123, 1e-300, DBL_MAX, 0.0001875};

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		char *text;
		cJSON *j = roundtrip(put_dbl, &d[i], &text);
		cJSON *v = cJSON_GetObjectItem(j, "v");

		CHECK(v && cJSON_IsNumber(v) && v->valuedouble == d[i]); /* exactly: no digits lost */
		cJSON_Delete(j);
		free(text);
	}
	double bad[] = {NAN, INFINITY, -INFINITY};

	for (size_t i = 0; i < 3; i++) {
		char *text;
		cJSON *j = roundtrip(put_dbl, &bad[i], &text);

		CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "v"))); /* JSON has no NaN */
		cJSON_Delete(j);
		free(text);
	}
}

static void test_finish_resets(void)
{
	struct jw w;
	char *a;

	jw_init(&w, 0);
	jw_raw(&w, "[]");
	a = jw_finish(&w);
	CHECK_STR_EQ(a, "[]");
	CHECK(w.buf == NULL && w.len == 0);
	free(a);
}

int main(void)
{
	test_strings();
	test_integers();
	test_doubles();
	test_finish_resets();
	UNIT_DONE();
}
