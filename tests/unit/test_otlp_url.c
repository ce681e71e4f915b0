/* Unit tests of exporter URLs (user/export/url.c) and of how the OTLP/HTTP
 * configuration uses them (otlp_http_config.c): malformed URLs are refused
 * at start naming the flag or variable and what is wrong; userinfo never
 * appears in a message or in the URL shown to the user. */
#include <stdlib.h>
#include <string.h>
#include "export/otlp_http_config.h"
#include "export/url.h"
#include "unit_test.h"

static void check_bad(const char *url, const char *why)
{
	char w[160] = "";

	CHECK_EQ_INT(url_check(url, w, sizeof(w)), -1);
	if (!strstr(w, why))
		UNIT_FAIL("url_check(\"%s\"): \"%s\" does not say \"%s\"", url, w, why);
	else
		UNIT_PASS();
}

static void test_check(void)
{
	char w[160];
	static const char *const good[] = {
		"http://127.0.0.1:4318", "https://otlp.example.com", "http://collector:4318/",
		"http://[::1]:4318/v1/traces", "HTTP://Collector:4318/x?y=1#z", "http://user:pw@host:1/",
		"http://[fe80::1%25eth0]:4318", "http://my_host.local:65535",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		w[0] = 0;
		if (url_check(good[i], w, sizeof(w)))
			UNIT_FAIL("url_check(\"%s\") refused it: %s", good[i], w);
		else
			UNIT_PASS();
	}
	check_bad("http://[::1", "no closing ']'");
	check_bad("http://[::1/v1/traces", "no closing ']'");
	check_bad("http://127.0.0.1:99999", "port 99999 is out of range (1-65535)");
	check_bad("http://127.0.0.1:0", "port 0 is out of range");
	check_bad("http://127.0.0.1:123456789012345", "out of range");
	check_bad("http://host:4x18", "the port is not a number");
	check_bad("http://host:/", "no port number");
	check_bad("collector:4318", "not an http:// or https:// URL");
	check_bad("ftp://host", "not an http:// or https:// URL");
	check_bad("http://", "no host");
	check_bad("http://user@/x", "no host");
	check_bad("http://::1:4318", "in brackets");
	check_bad("http://[zz]:1", "not an IPv6 address");
	check_bad("http://[::1]x", "after the IPv6 address");
	check_bad("http://a b", "no spaces");
	check_bad("http://host\n", "control characters");
	check_bad("http://ho^st", "the host has a '^'");
	/* A password never appears in the reason. */
	CHECK_EQ_INT(url_check("http://user:s3cr3t@host:99999", w, sizeof(w)), -1);
	CHECK(!strstr(w, "s3cr3t"));
}

static void test_redact(void)
{
	char b[256];

	CHECK_STR_EQ(url_redact("http://user:pa55word@127.0.0.1:4399/x", b, sizeof(b)), "http://***@127.0.0.1:4399/x");
	CHECK_STR_EQ(url_redact("https://token@host", b, sizeof(b)), "https://***@host");
	CHECK_STR_EQ(url_redact("http://host:4318/v1", b, sizeof(b)), "http://host:4318/v1");
	CHECK_STR_EQ(url_redact("http://u:p@[::1", b, sizeof(b)), "http://***@[::1");
	/* An unencoded '/' or '@' in the password hides it all the same. */
	CHECK_STR_EQ(url_redact("http://u:p/a@b@host/x", b, sizeof(b)), "http://***@host/x");
	CHECK_STR_EQ(url_redact("u:secret@host:1", b, sizeof(b)), "***@host:1");
	CHECK_STR_EQ(url_redact(NULL, b, sizeof(b)), "");
	CHECK_STR_EQ(url_redact("http://u:p@h", b, 8), "http://");
}

static void clear_env(void)
{
	static const char *const v[] = {
		"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
		"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TIMEOUT",
		"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER"};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		unsetenv(v[i]);
}

/* err names `where` and says `why`, with no "pa55word" in it. */
static void check_config_err(const struct otlp_http_opts *o, const char *where, const char *why)
{
	struct otlp_http_config c;
	char err[512] = "";

	CHECK_EQ_INT(otlp_http_config(&c, o, err, sizeof(err)), -1);
	CHECK_STR_HAS(err, where);
	CHECK_STR_HAS(err, why);
	CHECK(!strstr(err, "pa55word"));
}

static void test_config(void)
{
	struct otlp_http_opts o = {0};
	struct otlp_http_config c;
	char err[512] = "";

	clear_env();
	o.endpoint = "http://[::1";
	check_config_err(&o, "--otlp 'http://[::1'", "no closing ']'");
	o.endpoint = "http://127.0.0.1:99999";
	check_config_err(&o, "--otlp 'http://127.0.0.1:99999'", "out of range");
	o.endpoint = "http://user:pa55word@[::1";
	check_config_err(&o, "--otlp 'http://***@[::1'", "no closing ']'");
	o.endpoint = NULL;
	setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:pa55word@127.0.0.1:99999", 1);
	check_config_err(&o, "OTEL_EXPORTER_OTLP_ENDPOINT 'http://***@127.0.0.1:99999'", "out of range");
	unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
	setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://[::1/v1/traces", 1);
	check_config_err(&o, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "no closing ']'");
	unsetenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://h:0/v1/metrics", 1);
	check_config_err(&o, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "port 0");
	/* --otlp wins: the variable is not used, so not checked. */
	o.endpoint = "http://127.0.0.1:4318";
	CHECK_EQ_INT(otlp_http_config(&c, &o, err, sizeof(err)), 1);
	otlp_http_config_free(&c);
	unsetenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");

	/* The URL used keeps its userinfo (libcurl sends it as basic auth);
	 * the one shown does not. */
	o.endpoint = "http://user:pa55word@127.0.0.1:4399";
	CHECK_EQ_INT(otlp_http_config(&c, &o, err, sizeof(err)), 1);
	CHECK_STR_EQ(c.url[OTLP_TRACES], "http://user:pa55word@127.0.0.1:4399/v1/traces");
	CHECK_STR_EQ(c.shown[OTLP_TRACES], "http://***@127.0.0.1:4399/v1/traces");
	CHECK_STR_EQ(c.shown[OTLP_METRICS], "http://***@127.0.0.1:4399/v1/metrics");
	otlp_http_config_free(&c);

	/* A header without '=' is refused without quoting it: it may be a key. */
	setenv("OTEL_EXPORTER_OTLP_HEADERS", "a=1,Bearer pa55word", 1);
	o.endpoint = "http://127.0.0.1:4318";
	check_config_err(&o, "OTEL_EXPORTER_OTLP_HEADERS", "entry 2");
	clear_env();

	/* DEL is a control byte too, in a flag or percent-encoded in the
	 * variable (tests/fuzz/fuzz_otlp_config found it on the wire). */
	const char *del_header[] = {"X-Key=a\x7f" "b"};

	o.headers = del_header;
	o.nheaders = 1;
	check_config_err(&o, "--otlp-header", "control character");
	o.nheaders = 0;
	setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-key=a%7Fb", 1);
	check_config_err(&o, "OTEL_EXPORTER_OTLP_HEADERS", "control character");
	clear_env();
}

int main(void)
{
	test_check();
	test_redact();
	test_config();
	UNIT_DONE();
}
