/* Unit tests of the OTLP/JSON encoder (user/otlp_json.c): spans and metrics
 * made by the pipeline from hand-built records are encoded, parsed back with
 * cJSON and checked against the protobuf JSON mapping of OTLP (ids as hex,
 * 64-bit integers as decimal strings, enums as numbers). */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "aggregate/exp_histogram.h"
#include "export/export_opts.h"
#include "export/otlp_json.h"
#include "aggregate/pipeline.h"
#include "probe_map.h"
#include "target/resources.h"
#include "aggregate/spans.h"

static uint64_t T0; /* a recent CLOCK_MONOTONIC time, set in main */
#define FX_TRACE_ID {0x00a1b2c3d4e5f607ULL, 0x0000000000000abcULL} /* leading zeros must stay */
#include "pipeline_fixture.h"

/* ---- fixture ----------------------------------------------------------- */

/* A call as fx_rec() builds it, made by process `pid` (tid = pid). */
static struct rb rec(const struct fx *f, const char *sym, pid_t pid, uint64_t span, uint64_t parent,
		     uint64_t start, uint64_t end, uint64_t ret)
{
	struct rb x = fx_rec(f, sym, span, parent, start, end, ret);

	x.r.h.pid = (unsigned)pid;
	x.r.h.tid = (unsigned)pid;
	return x;
}

/* ---- JSON helpers --------------------------------------------------------- */

static cJSON *get(const cJSON *o, const char *k)
{
	return o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static const char *str_of(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The `value` object of attribute `key` in an OTLP KeyValue array. */
static const cJSON *attr_value(const cJSON *attrs, const char *key)
{
	const cJSON *a;
	const cJSON *hit = NULL;
	int n = 0;

	cJSON_ArrayForEach(a, attrs)
	{
		if (str_of(a, "key") && !strcmp(str_of(a, "key"), key)) {
			hit = get(a, "value");
			n++;
		}
	}
	if (n > 1)
		UNIT_FAIL("attribute %s appears %d times", key, n);
	return hit;
}

static const char *attr_s(const cJSON *attrs, const char *key)
{
	return str_of(attr_value(attrs, key), "stringValue");
}

static bool is_decimal(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static bool is_lower_hex(const char *s, size_t len)
{
	if (!s || strlen(s) != len)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !(*s >= 'a' && *s <= 'f'))
			return false;
	return true;
}

static uint64_t u64_of(const char *s)
{
	return s ? strtoull(s, NULL, 10) : 0;
}

static char *u64_str(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* The attributes of resource in a resourceSpans / resourceMetrics entry. */
static const cJSON *res_attrs(const cJSON *r)
{
	return get(get(r, "resource"), "attributes");
}

static const cJSON *resource_of_pid(const cJSON *arr, pid_t pid)
{
	const cJSON *r;
	char buf[24];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	cJSON_ArrayForEach(r, arr)
	{
		const char *p = str_of(attr_value(res_attrs(r), "process.pid"), "intValue");

		if (p && !strcmp(p, buf))
			return r;
	}
	return NULL;
}

static void exe_name(pid_t pid, char *out, size_t len)
{
	char link[64], exe[4096];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	out[0] = 0;
	if (n > 0) {
		exe[n] = 0;
		snprintf(out, len, "%.255s", strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe);
	}
}

static void check_resource(const cJSON *r, pid_t pid)
{
	const cJSON *a = res_attrs(r);
	char exe[256], host[256] = "", buf[24];

	exe_name(pid, exe, sizeof(exe));
	gethostname(host, sizeof(host) - 1);
	CHECK(cJSON_IsArray(a));
	if (exe[0]) {
		CHECK_STR_EQ(attr_s(a, "service.name"), exe);
		CHECK_STR_EQ(attr_s(a, "process.executable.name"), exe);
	} else {
		CHECK(attr_s(a, "service.name") && attr_s(a, "process.executable.name"));
	}
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	CHECK_STR_EQ(str_of(attr_value(a, "process.pid"), "intValue"), buf);
	CHECK_STR_EQ(attr_s(a, "host.name"), host);
	CHECK(!attr_value(a, "container.id"));
}

/* ---- traces ---------------------------------------------------------------- */

static const char map[] =
	"span plan_creation plan_create\n"
	"    mcp.plan_type = arg0 as str\n"
	"    mcp.plan_steps = arg1 as int\n"
	"    fail if ret < 0\n"
	"span plan_execution plan_exec\n"
	"    mcp.plan_type = arg0 as str\n"
	"    fail if ret < 0\n"
	"    error.type = arg1[0] as str\n"
	"span agent_iteration iter\n"
	"    mcp.agent_name = arg0 as str\n"
	"    mcp.collaboration_type = arg1 as str\n"
	"    mcp.agent_contribution = arg2[0] as double\n"
	"span model_inference infer\n"
	"    mcp.model_type = arg0 as str\n"
	"    mcp.tokens_used = arg1[0] as long\n"
	"    mcp.cost = arg1[8] as double\n"
	"point model_cache_hit cache_hit\n"
	"    mcp.model_type = arg0 as str\n";

static const cJSON *span_named(const cJSON *spans, const char *sid)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, spans)
		if (str_of(s, "spanId") && !strcmp(str_of(s, "spanId"), sid))
			return s;
	return NULL;
}

static void test_traces(void)
{
	struct fx f;
	char buf[32];

	if (!fx_init(&f, map, FX_SPANS_KEEP))
		return;
	pid_t me = getpid(), parent = getppid();
	struct rb root = rec(&f, "plan_create", me, 0x0102030405060708ULL, 0, 0, 3 * SEC + 5, 0);
	struct rb child = rec(&f, "iter", me, 0xabULL, 0x0102030405060708ULL, SEC, 2 * SEC, 0);
	struct rb hit = rec(&f, "cache_hit", me, 0, 0xabULL, SEC + 7, 0, 0);
	struct rb bad = rec(&f, "plan_exec", me, 0xfedcba9876543210ULL, 0x0102030405060708ULL,
			    2 * SEC, 2 * SEC + 1, (uint32_t)-4);
	struct rb other = rec(&f, "plan_create", parent, 0x77, 0, 0, SEC, 0);

	set_str(&root, "mcp.plan_type", "linear");
	set_raw(&root, "mcp.plan_steps", 0xffffffff00000007ULL);
	set_str(&child, "mcp.agent_name", "alice");
	set_str(&child, "mcp.collaboration_type", "peer");
	set_double(&child, "mcp.agent_contribution", 0.5);
	set_str(&hit, "mcp.model_type", "gpt-4");
	set_str(&bad, "mcp.plan_type", "dag");
	set_str(&bad, "error.type", "aborted");
	set_str(&other, "mcp.plan_type", "x");
	push(&f, &hit);
	push(&f, &child);
	push(&f, &bad);
	push(&f, &root);
	push(&f, &other);
	CHECK_EQ_INT(f.k.n, 4);
	if (f.k.n != 4) {
		fx_free(&f);
		return;
	}

	char *text = otlp_json_traces(f.k.v, (size_t)f.k.n, &f.rt);
	cJSON *j = cJSON_Parse(text);

	CHECK(text && !strchr(text, '\n'));
	CHECK(j != NULL);
	const cJSON *rss = get(j, "resourceSpans");

	CHECK(cJSON_IsArray(rss));
	CHECK_EQ_INT(cJSON_GetArraySize(rss), 2); /* two processes */
	const cJSON *r = resource_of_pid(rss, me), *r2 = resource_of_pid(rss, parent);

	CHECK(r && r2);
	if (r)
		check_resource(r, me);
	if (r2)
		check_resource(r2, parent);
	const cJSON *ss = cJSON_GetArrayItem(get(r, "scopeSpans"), 0);

	CHECK_STR_EQ(str_of(get(ss, "scope"), "name"), "mcp-bpftrace");
	const cJSON *spans = get(ss, "spans");

	CHECK_EQ_INT(cJSON_GetArraySize(spans), 3);
	CHECK_EQ_INT(cJSON_GetArraySize(get(cJSON_GetArrayItem(get(r2, "scopeSpans"), 0), "spans")), 1);

	const cJSON *s;

	cJSON_ArrayForEach(s, spans)
	{
		CHECK(is_lower_hex(str_of(s, "traceId"), 32));
		CHECK_STR_EQ(str_of(s, "traceId"), "00a1b2c3d4e5f6070000000000000abc");
		CHECK(is_lower_hex(str_of(s, "spanId"), 16));
		CHECK(is_decimal(str_of(s, "startTimeUnixNano")));
		CHECK(is_decimal(str_of(s, "endTimeUnixNano")));
		CHECK(cJSON_IsNumber(get(s, "kind")));
		CHECK(cJSON_IsArray(get(s, "attributes")));
		CHECK(cJSON_IsArray(get(s, "events")));
	}

	/* the root: SERVER, no parent, exact times, int attribute as a string */
	s = span_named(spans, "0102030405060708");
	CHECK(s != NULL);
	if (s) {
		CHECK(!get(s, "parentSpanId"));
		CHECK_STR_EQ(str_of(s, "name"), "plan_creation");
		CHECK_EQ_INT(get(s, "kind")->valueint, 2);
		CHECK_STR_EQ(str_of(s, "startTimeUnixNano"), u64_str(clock_to_unix_ns(T0), buf, sizeof(buf)));
		CHECK_STR_EQ(str_of(s, "endTimeUnixNano"), u64_str(clock_to_unix_ns(T0 + 3 * SEC + 5), buf, sizeof(buf)));
		CHECK_EQ_INT(u64_of(str_of(s, "endTimeUnixNano")) - u64_of(str_of(s, "startTimeUnixNano")), 3 * SEC + 5);
		const cJSON *a = get(s, "attributes");

		CHECK_STR_EQ(str_of(attr_value(a, "mcp.plan_steps"), "intValue"), "7");
		CHECK_STR_EQ(attr_s(a, "mcp.plan_type"), "linear");
		CHECK_STR_EQ(attr_s(a, "mcp.service"), "plan-manager");
		CHECK_STR_EQ(attr_s(a, "mcp.operation"), "plan_creation");
		CHECK(cJSON_IsTrue(get(attr_value(a, "mcp.plan_success"), "boolValue")));
		CHECK(!attr_value(a, "error.type"));
		const cJSON *st = get(s, "status");

		CHECK(!get(st, "code") || get(st, "code")->valueint == 0);
		const cJSON *ev = get(s, "events");

		CHECK_EQ_INT(cJSON_GetArraySize(ev), 2);
		CHECK_STR_EQ(str_of(cJSON_GetArrayItem(ev, 0), "name"), "Plan creation started");
		CHECK_STR_EQ(str_of(cJSON_GetArrayItem(ev, 0), "timeUnixNano"),
			     u64_str(clock_to_unix_ns(T0), buf, sizeof(buf)));
		CHECK_STR_EQ(str_of(cJSON_GetArrayItem(ev, 1), "name"), "Plan creation completed");
		CHECK_STR_EQ(str_of(cJSON_GetArrayItem(ev, 1), "timeUnixNano"),
			     u64_str(clock_to_unix_ns(T0 + 3 * SEC + 5), buf, sizeof(buf)));
	}

	/* the child: INTERNAL, parent id, a double, a point event with its attribute */
	s = span_named(spans, "00000000000000ab");
	CHECK(s != NULL);
	if (s) {
		CHECK_STR_EQ(str_of(s, "parentSpanId"), "0102030405060708");
		CHECK_STR_EQ(str_of(s, "name"), "agent_iteration_alice");
		CHECK_EQ_INT(get(s, "kind")->valueint, 1);
		const cJSON *a = get(s, "attributes");
		const cJSON *d = get(attr_value(a, "mcp.iteration_duration_ms"), "doubleValue");

		CHECK(cJSON_IsNumber(d) && d->valuedouble == 1000.0);
		d = get(attr_value(a, "mcp.agent_contribution"), "doubleValue");
		CHECK(cJSON_IsNumber(d) && d->valuedouble == 0.5);
		const cJSON *ev = get(s, "events");

		CHECK_EQ_INT(cJSON_GetArraySize(ev), 3);
		const cJSON *e1 = cJSON_GetArrayItem(ev, 1);

		CHECK_STR_EQ(str_of(e1, "name"), "Cache hit");
		CHECK_STR_EQ(str_of(e1, "timeUnixNano"), u64_str(clock_to_unix_ns(T0 + SEC + 7), buf, sizeof(buf)));
		CHECK_STR_EQ(attr_s(get(e1, "attributes"), "mcp.model_type"), "gpt-4");
	}

	/* the failed one: status ERROR, error.type, exception event */
	s = span_named(spans, "fedcba9876543210");
	CHECK(s != NULL);
	if (s) {
		CHECK_STR_EQ(str_of(s, "parentSpanId"), "0102030405060708");
		CHECK_EQ_INT(get(s, "kind")->valueint, 2);
		const cJSON *st = get(s, "status");

		CHECK(cJSON_IsNumber(get(st, "code")) && get(st, "code")->valueint == 2);
		CHECK_STR_EQ(attr_s(get(s, "attributes"), "error.type"), "aborted");
		CHECK(cJSON_IsFalse(get(attr_value(get(s, "attributes"), "mcp.plan_success"), "boolValue")));
		const cJSON *ev = get(s, "events"), *e, *exc = NULL;

		cJSON_ArrayForEach(e, ev)
			if (str_of(e, "name") && !strcmp(str_of(e, "name"), "exception"))
				exc = e;
		CHECK(exc != NULL);
		CHECK_STR_EQ(attr_s(get(exc, "attributes"), "exception.type"), "aborted");
		CHECK_STR_EQ(str_of(cJSON_GetArrayItem(ev, 1), "name"), "Plan execution failed");
	}

	/* no spans: a valid, empty request */
	char *empty = otlp_json_traces(NULL, 0, &f.rt);
	cJSON *je = cJSON_Parse(empty);

	CHECK(je && cJSON_IsArray(get(je, "resourceSpans")) && cJSON_GetArraySize(get(je, "resourceSpans")) == 0);
	cJSON_Delete(je);
	free(empty);
	cJSON_Delete(j);
	free(text);
	fx_free(&f);
}

/* ---- metrics --------------------------------------------------------------- */

static const cJSON *metric_named(const cJSON *rm, const char *name)
{
	const cJSON *m, *hit = NULL;
	int n = 0;

	cJSON_ArrayForEach(m, get(cJSON_GetArrayItem(get(rm, "scopeMetrics"), 0), "metrics"))
	{
		if (str_of(m, "name") && !strcmp(str_of(m, "name"), name)) {
			hit = m;
			n++;
		}
	}
	if (n > 1)
		UNIT_FAIL("metric %s appears %d times in one resource", name, n);
	return hit;
}

/* The data point whose (string) attributes are exactly the pairs given. */
static const cJSON *point_with(const cJSON *body, int n, const char *const *kv)
{
	const cJSON *dp;

	cJSON_ArrayForEach(dp, get(body, "dataPoints"))
	{
		const cJSON *attrs = get(dp, "attributes");
		bool same = cJSON_GetArraySize(attrs) == n;

		for (int i = 0; same && i < n; i++) {
			const char *v = attr_s(attrs, kv[2 * i]);

			same = v && !strcmp(v, kv[2 * i + 1]);
		}
		if (same)
			return dp;
	}
	return NULL;
}

static void check_sum(const cJSON *rm, const char *name, bool monotonic, int npoints)
{
	const cJSON *m = metric_named(rm, name), *sum = get(m, "sum");

	if (!m) {
		UNIT_FAIL("no metric %s", name);
		return;
	}
	CHECK(str_of(m, "description") && str_of(m, "unit"));
	CHECK(sum != NULL);
	CHECK(!get(m, "exponentialHistogram") && !get(m, "histogram"));
	CHECK(cJSON_IsNumber(get(sum, "aggregationTemporality")) && get(sum, "aggregationTemporality")->valueint == 2);
	CHECK(monotonic ? cJSON_IsTrue(get(sum, "isMonotonic")) : cJSON_IsFalse(get(sum, "isMonotonic")));
	CHECK_EQ_INT(cJSON_GetArraySize(get(sum, "dataPoints")), npoints);
}

static void check_times(const cJSON *dp, const struct export_opts *eo, uint64_t before)
{
	char buf[32];
	const char *t = str_of(dp, "timeUnixNano");

	CHECK_STR_EQ(str_of(dp, "startTimeUnixNano"), u64_str(clock_to_unix_ns(eo->start_mono_ns), buf, sizeof(buf)));
	CHECK(is_decimal(t) && u64_of(t) >= clock_to_unix_ns(before));
}

/* Every histogram data point must be self-consistent. */
static void check_exp_point(const cJSON *dp, const double *vals, int nvals)
{
	const cJSON *pos = get(dp, "positive"), *b;
	const char *count = str_of(dp, "count"), *zero = str_of(dp, "zeroCount");
	uint64_t total = 0;
	double sum = 0;
	int nz = 0;

	CHECK(is_decimal(count));
	CHECK(is_decimal(zero));
	CHECK(cJSON_IsNumber(get(dp, "scale")));
	CHECK(cJSON_IsNumber(get(dp, "sum")));
	CHECK(cJSON_IsNumber(get(pos, "offset")));
	for (int i = 0; i < nvals; i++) {
		sum += vals[i];
		nz += vals[i] == 0;
	}
	CHECK_EQ_INT(u64_of(count), nvals);
	CHECK_EQ_INT(u64_of(zero), nz);
	CHECK(get(dp, "sum") && get(dp, "sum")->valuedouble > sum - 1e-9 && get(dp, "sum")->valuedouble < sum + 1e-9);
	cJSON_ArrayForEach(b, get(pos, "bucketCounts"))
	{
		CHECK(cJSON_IsString(b) && is_decimal(b->valuestring));
		if (cJSON_IsString(b))
			total += u64_of(b->valuestring);
	}
	CHECK_EQ_INT(total + u64_of(zero), u64_of(count));
	/* each value lies in a non-empty bucket of the exported layout */
	if (!get(dp, "scale") || !get(pos, "offset"))
		return;
	int scale = get(dp, "scale")->valueint, off = get(pos, "offset")->valueint;
	int nb = cJSON_GetArraySize(get(pos, "bucketCounts"));

	CHECK(scale >= EXPH_MIN_SCALE && scale <= EXPH_MAX_SCALE);
	for (int i = 0; i < nvals; i++) {
		if (vals[i] == 0)
			continue;
		int k = exph_map_index(scale, vals[i]) - off;
		const cJSON *c = cJSON_GetArrayItem(get(pos, "bucketCounts"), k);

		CHECK(k >= 0 && k < nb && c && u64_of(c->valuestring) >= 1);
	}
	if (nvals && get(dp, "min") && get(dp, "max")) {
		double lo = vals[0], hi = vals[0];

		for (int i = 1; i < nvals; i++) {
			lo = vals[i] < lo ? vals[i] : lo;
			hi = vals[i] > hi ? vals[i] : hi;
		}
		CHECK(get(dp, "min")->valuedouble == lo);
		CHECK(get(dp, "max")->valuedouble == hi);
	}
}

static void feed_metrics(struct fx *f)
{
	pid_t me = getpid();
	/* plan_creation: 3 ok (linear: 0.25 s, 1 s, 3 s; steps 4, 0, 9), 1 failed */
	static const uint64_t dur[] = {SEC / 4, SEC, 3 * SEC, SEC / 2};
	static const uint64_t steps[] = {4, 0, 9, 99};

	for (int i = 0; i < 4; i++) {
		struct rb x = rec(f, "plan_create", me, 0x100 + i, 0, 0, dur[i], i == 3 ? (uint32_t)-1 : 0);

		set_str(&x, "mcp.plan_type", "linear");
		set_raw(&x, "mcp.plan_steps", steps[i]);
		push(f, &x);
	}
	/* plan_execution: one finished, one still running */
	struct rb e1 = rec(f, "plan_exec", me, 0x200, 0, 0, SEC, 0);
	struct rb e2 = rec(f, "plan_exec", me, 0x201, 0, 0, SEC, 0);

	set_str(&e1, "mcp.plan_type", "dag");
	set_str(&e2, "mcp.plan_type", "dag");
	push_start(f, &e1);
	push_start(f, &e2);
	push(f, &e1);
	/* inference: cost as a double counter */
	struct rb n1 = rec(f, "infer", me, 0x300, 0, 0, SEC, 0);
	struct rb n2 = rec(f, "infer", me, 0x301, 0, 0, SEC, 0);

	set_str(&n1, "mcp.model_type", "gpt-4");
	set_raw(&n1, "mcp.tokens_used", 100);
	set_double(&n1, "mcp.cost", 0.25);
	set_str(&n2, "mcp.model_type", "gpt-4");
	set_raw(&n2, "mcp.tokens_used", 20);
	set_double(&n2, "mcp.cost", 0.125);
	push(f, &n1);
	push(f, &n2);
	/* another process */
	struct rb o = rec(f, "plan_create", getppid(), 0x400, 0, 0, SEC, 0);

	set_str(&o, "mcp.plan_type", "other");
	set_raw(&o, "mcp.plan_steps", 1);
	push(f, &o);
}

static void test_metrics_exponential(void)
{
	struct fx f;
	struct export_opts eo = {0};

	if (!fx_init(&f, map, FX_SPANS_KEEP))
		return;
	eo.start_mono_ns = T0 - SEC;
	feed_metrics(&f);
	uint64_t before = clock_mono_ns();
	char *text = otlp_json_metrics(&f.p.ms, &f.rt, &eo);
	cJSON *j = cJSON_Parse(text);

	CHECK(text && !strchr(text, '\n'));
	CHECK(j != NULL);
	const cJSON *rms = get(j, "resourceMetrics");

	CHECK_EQ_INT(cJSON_GetArraySize(rms), 2);
	const cJSON *rm = resource_of_pid(rms, getpid()), *rm2 = resource_of_pid(rms, getppid());

	CHECK(rm && rm2);
	if (!rm || !rm2)
		goto out;
	check_resource(rm, getpid());
	check_resource(rm2, getppid());
	CHECK_STR_EQ(str_of(get(cJSON_GetArrayItem(get(rm, "scopeMetrics"), 0), "scope"), "name"), "mcp-bpftrace");

	/* counters */
	check_sum(rm, "mcp_plan_operations_total", true, 3);
	{
		const cJSON *sum = get(metric_named(rm, "mcp_plan_operations_total"), "sum");
		const char *ok[] = {"mcp.plan_operation", "create", "mcp.plan_type", "linear", "mcp.success", "true"};
		const char *ko[] = {"mcp.plan_operation", "create", "mcp.plan_type", "linear", "mcp.success", "false"};
		const char *ex[] = {"mcp.plan_operation", "execute", "mcp.plan_type", "dag", "mcp.success", "true"};
		const cJSON *dp = point_with(sum, 3, ok);

		CHECK_STR_EQ(str_of(dp, "asInt"), "3");
		if (dp)
			check_times(dp, &eo, before);
		CHECK_STR_EQ(str_of(point_with(sum, 3, ko), "asInt"), "1");
		CHECK_STR_EQ(str_of(point_with(sum, 3, ex), "asInt"), "1");
	}
	check_sum(rm, "mcp_plan_errors_total", true, 1);
	{
		const char *kv[] = {"mcp.plan_operation", "create", "mcp.error_type", "_OTHER"};

		CHECK_STR_EQ(str_of(point_with(get(metric_named(rm, "mcp_plan_errors_total"), "sum"), 2, kv), "asInt"), "1");
	}
	check_sum(rm, "mcp_model_token_usage_total", true, 1);
	{
		const char *kv[] = {"mcp.model_type", "gpt-4"};
		const cJSON *dp = point_with(get(metric_named(rm, "mcp_model_token_usage_total"), "sum"), 1, kv);

		CHECK_STR_EQ(str_of(dp, "asInt"), "120");
	}
	/* a double counter */
	check_sum(rm, "mcp_model_cost_total", true, 1);
	{
		const char *kv[] = {"mcp.model_type", "gpt-4"};
		const cJSON *dp = point_with(get(metric_named(rm, "mcp_model_cost_total"), "sum"), 1, kv);
		const cJSON *d = get(dp, "asDouble");

		CHECK(cJSON_IsNumber(d) && d->valuedouble == 0.375);
		CHECK(!get(dp, "asInt"));
		CHECK_STR_EQ(str_of(metric_named(rm, "mcp_model_cost_total"), "unit"), "USD");
	}
	/* an up-down counter: not monotonic, one plan still running */
	check_sum(rm, "mcp_active_plans", false, 1);
	{
		const char *kv[] = {"mcp.plan_type", "dag"};

		CHECK_STR_EQ(str_of(point_with(get(metric_named(rm, "mcp_active_plans"), "sum"), 1, kv), "asInt"), "1");
	}

	/* exponential histograms */
	{
		const cJSON *m = metric_named(rm, "mcp_plan_operation_duration_seconds");
		const cJSON *h = get(m, "exponentialHistogram");
		const char *kv[] = {"mcp.plan_operation", "create"};
		const double d[] = {0.25, 1.0, 3.0, 0.5};

		CHECK(h != NULL);
		CHECK(!get(m, "sum") && !get(m, "histogram"));
		CHECK_STR_EQ(str_of(m, "unit"), "s");
		CHECK(cJSON_IsNumber(get(h, "aggregationTemporality")) &&
		      get(h, "aggregationTemporality")->valueint == 2);
		CHECK(!get(h, "isMonotonic"));
		const cJSON *dp = point_with(h, 1, kv);

		CHECK(dp != NULL);
		if (dp) {
			check_exp_point(dp, d, 4);
			check_times(dp, &eo, before);
		}
	}
	{
		const cJSON *h = get(metric_named(rm, "mcp_plan_steps"), "exponentialHistogram");
		const char *kv[] = {"mcp.plan_type", "linear"};
		const double v[] = {4, 0, 9}; /* the failed call's 99 is not recorded */
		const cJSON *dp = point_with(h, 1, kv);

		CHECK(dp != NULL);
		if (dp)
			check_exp_point(dp, v, 3);
	}
	/* the other process has only its own series */
	check_sum(rm2, "mcp_plan_operations_total", true, 1);
	CHECK(!metric_named(rm2, "mcp_model_cost_total"));
	{
		const cJSON *h = get(metric_named(rm2, "mcp_plan_steps"), "exponentialHistogram");
		const char *kv[] = {"mcp.plan_type", "other"};
		const double v[] = {1};
		const cJSON *dp = point_with(h, 1, kv);

		CHECK(dp != NULL);
		if (dp)
			check_exp_point(dp, v, 1);
	}
out:
	cJSON_Delete(j);
	free(text);
	fx_free(&f);
}

static void test_metrics_explicit(void)
{
	struct fx f;
	struct export_opts eo = {.explicit_histograms = true, .bounds = {0.5, 1, 2, 4}, .nbounds = 4};

	if (!fx_init(&f, map, FX_SPANS_KEEP))
		return;
	eo.start_mono_ns = T0;
	/* 0.25 | 0.75 | 1.5 | 3 | 10, and exactly 1 (upper bounds are inclusive) */
	static const uint64_t dur[] = {SEC / 4, 3 * SEC / 4, 3 * SEC / 2, 3 * SEC, 10 * SEC, SEC};

	for (int i = 0; i < 6; i++) {
		struct rb x = rec(&f, "plan_create", getpid(), 0x500 + i, 0, 0, dur[i], 0);

		set_str(&x, "mcp.plan_type", "linear");
		set_raw(&x, "mcp.plan_steps", 1);
		push(&f, &x);
	}
	char *text = otlp_json_metrics(&f.p.ms, &f.rt, &eo);
	cJSON *j = cJSON_Parse(text);
	const cJSON *rm = cJSON_GetArrayItem(get(j, "resourceMetrics"), 0);
	const cJSON *m = metric_named(rm, "mcp_plan_operation_duration_seconds");
	const cJSON *h = get(m, "histogram");
	const char *kv[] = {"mcp.plan_operation", "create"};
	const cJSON *dp = point_with(h, 1, kv);

	CHECK(j != NULL);
	CHECK(h != NULL);
	CHECK(!get(m, "exponentialHistogram"));
	CHECK(h && cJSON_IsNumber(get(h, "aggregationTemporality")) && get(h, "aggregationTemporality")->valueint == 2);
	CHECK(dp != NULL);
	if (dp) {
		const cJSON *b = get(dp, "explicitBounds"), *c = get(dp, "bucketCounts");
		static const double want_b[] = {0.5, 1, 2, 4};
		static const char *const want_c[] = {"1", "2", "1", "1", "1"};

		CHECK_STR_EQ(str_of(dp, "count"), "6");
		CHECK(get(dp, "sum") && get(dp, "sum")->valuedouble > 16.5 - 1e-9 && get(dp, "sum")->valuedouble < 16.5 + 1e-9);
		CHECK_EQ_INT(cJSON_GetArraySize(b), 4);
		for (int i = 0; i < 4; i++)
			CHECK(cJSON_GetArrayItem(b, i) && cJSON_GetArrayItem(b, i)->valuedouble == want_b[i]);
		CHECK_EQ_INT(cJSON_GetArraySize(c), 5);
		for (int i = 0; i < 5; i++) {
			const cJSON *x = cJSON_GetArrayItem(c, i);

			CHECK(cJSON_IsString(x));
			CHECK_STR_EQ(cJSON_IsString(x) ? x->valuestring : NULL, want_c[i]);
		}
		CHECK(!get(dp, "scale") && !get(dp, "positive"));
		CHECK(get(dp, "min") && get(dp, "min")->valuedouble == 0.25);
		CHECK(get(dp, "max") && get(dp, "max")->valuedouble == 10.0);
	}
	/* counters are unchanged by the histogram option */
	check_sum(rm, "mcp_plan_operations_total", true, 1);
	cJSON_Delete(j);
	free(text);

	fx_free(&f);
}

/* An export before any call was traced (the first interval of a quiet
 * target): a valid, empty request. In a child process, so that a sanitizer
 * abort is one failed check rather than the end of the run. */
static void test_metrics_empty(void)
{
	struct resource_table rt;
	struct export_opts eo = {0};
	pid_t pid;
	int status = 0;

	unsetenv("OTEL_SERVICE_NAME");
	unsetenv("OTEL_RESOURCE_ATTRIBUTES");
	resources_init(&rt);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		struct metric_store ms;
		char *text;
		cJSON *j;
		bool ok;

		ms_init(&ms);
		text = otlp_json_metrics(&ms, &rt, &eo);
		j = cJSON_Parse(text);
		ok = j && cJSON_IsArray(get(j, "resourceMetrics")) &&
		     cJSON_GetArraySize(get(j, "resourceMetrics")) == 0;
		cJSON_Delete(j);
		free(text);
		ms_destroy(&ms);
		resources_free(&rt);
		_exit(ok ? 0 : 3);
	}
	CHECK(pid > 0);
	if (pid > 0 && waitpid(pid, &status, 0) == pid) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			UNIT_PASS();
		else
			UNIT_FAIL("otlp_json_metrics on an empty store: child %s %d",
				  WIFEXITED(status) ? "exited" : "killed by signal",
				  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
	resources_free(&rt);
}

int main(void)
{
	clock_init();
	T0 = clock_mono_ns() - 60 * SEC;
	test_traces();
	test_metrics_exponential();
	test_metrics_explicit();
	test_metrics_empty();
	UNIT_DONE();
}
