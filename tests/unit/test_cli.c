/* Unit tests of the command line (user/cli.c): every option's value is
 * checked before anything loads (issue 12: numbers that are infinite or
 * overflow, ports out of range, empty histogram bounds), and what the
 * messages echo of the arguments is quoted and cut. */
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "unit_test.h"

static char out[4096]; /* what the last parse wrote to stderr */
static struct config cfg;

/* cli_parse("mcp-bpftrace", args..., NULL) with stderr captured in out[]
 * (stdout, where --help goes, to /dev/null). */
static int parse_v(const char *first, va_list ap)
{
	char *argv[64] = {"mcp-bpftrace"};
	int argc = 1, saved = dup(2), saved_out = dup(1), null = open("/dev/null", O_WRONLY), rc;
	FILE *tmp = tmpfile();
	size_t n;

	for (const char *a = first; a && argc < 63; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	argv[argc] = NULL;
	fflush(stderr);
	fflush(stdout);
	dup2(fileno(tmp), 2);
	dup2(null, 1);
	rc = cli_parse(argc, argv, &cfg);
	fflush(stderr);
	fflush(stdout);
	dup2(saved, 2);
	dup2(saved_out, 1);
	close(saved);
	close(saved_out);
	close(null);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = 0;
	fclose(tmp);
	return rc;
}

static int parse(const char *first, ...)
{
	va_list ap;
	int rc;

	va_start(ap, first);
	rc = parse_v(first, ap);
	va_end(ap);
	return rc;
}

static bool printable_lines(const char *s)
{
	for (; *s; s++)
		if (*s != '\n' && ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f))
			return false;
	return true;
}

/* OPT VALUE with a valid target must be refused with a message that names
 * the option, the value and `range`. */
static void refused_at(int line, const char *opt, const char *value, const char *range)
{
	int before = unit_failed;
	char quoted[256];

	CHECK_EQ_INT(parse("-P", "x.probes", opt, value, "--", "true", NULL), -1);
	CHECK_STR_PREFIX(out, "mcp-bpftrace: ");
	CHECK_STR_HAS(out, opt);
	snprintf(quoted, sizeof(quoted), "'%s'", value);
	CHECK_STR_HAS(out, quoted);
	CHECK_STR_HAS(out, range);
	CHECK(printable_lines(out));
	if (unit_failed != before)
		fprintf(stderr, "  (%s %s, line %d)\n", opt, value, line);
}
#define REFUSED(opt, value, range) refused_at(__LINE__, opt, value, range)

static void accepted_at(int line, const char *opt, const char *value)
{
	int before = unit_failed;

	CHECK_EQ_INT(parse("-P", "x.probes", opt, value, "--", "true", NULL), 0);
	CHECK_STR_EQ(out, "");
	if (unit_failed != before)
		fprintf(stderr, "  (%s %s, line %d)\n", opt, value, line);
}
#define ACCEPTED(opt, value) accepted_at(__LINE__, opt, value)

/* Issue 12 #10: --duration 1e12 or inf stopped after 0.3 s, --interval inf
 * or 1e12 exported every 100 ms, --interval nan never. */
static void test_seconds(void)
{
	static const struct { const char *opt, *range; } opts[] = {
		{"--duration", "from 0.001 to 3.1536e+07"},
		{"--interval", "from 0.1 to 86400"},
		{"--refresh", "from 0.05 to 3600"},
		{"--otlp-shutdown-timeout", "from 0.001 to 3600"},
		{"--prometheus-linger", "from 0.001 to 86400"},
	};
	static const char *bad[] = {"inf", "INF", "-inf", "infinity", "nan", "NaN", "1e12", "1e999", "1e-999",
				    "0", "-1", "", "abc", "1s", "0x", " "};

	for (size_t o = 0; o < sizeof(opts) / sizeof(opts[0]); o++)
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++)
			REFUSED(opts[o].opt, bad[b], opts[o].range);
	ACCEPTED("--duration", "0.5");
	CHECK(cfg.duration_s == 0.5);
	ACCEPTED("--duration", "31536000");
	ACCEPTED("-d", "2");
	CHECK(cfg.duration_s == 2);
	ACCEPTED("--interval", "0.1");
	CHECK(cfg.interval_s == 0.1);
	ACCEPTED("-i", "86400");
	REFUSED("--interval", "0.05", "from 0.1 to 86400");
	REFUSED("--interval", "86401", "from 0.1 to 86400");
	ACCEPTED("--refresh", "0.25");
	CHECK(cfg.refresh_s == 0.25);
	ACCEPTED("--otlp-shutdown-timeout", "2.5");
	CHECK(cfg.otlp_shutdown_s == 2.5);
	ACCEPTED("--prometheus-linger", "30");
	CHECK(cfg.prom_linger_s == 30);
	/* Defaults when not given. */
	CHECK_EQ_INT(parse("-P", "x", "--", "true", NULL), 0);
	CHECK(cfg.interval_s == 10 && cfg.refresh_s == 1 && cfg.duration_s == 0);
}

/* Issue 12 #11: bad ports exited 1 after BPF had loaded. */
static void test_prometheus(void)
{
	static const char *bad[] = {"99999", "65536", "abc", "-1", "+80", "", ":", "127.0.0.1:", "host:abc",
				    "[::1]", "[::1]9464", "[]:9464", "[not-v6]:9464", "::1:9464",
				    "a b:9464", "h\x1b:80", "9464 "};
	static const char *good[] = {"9464", "0", "65535", "127.0.0.1:9464", ":9464", "localhost:0",
				     "[::1]:9464", "[::]:0", "my-host.example.org:80", "0.0.0.0:9464"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int before = unit_failed;

		CHECK_EQ_INT(parse("-P", "x", "--prometheus", bad[i], "--", "true", NULL), -1);
		CHECK_STR_PREFIX(out, "mcp-bpftrace: --prometheus: ");
		CHECK(printable_lines(out));
		if (unit_failed != before)
			fprintf(stderr, "  (--prometheus '%s')\n", bad[i]);
	}
	CHECK_EQ_INT(parse("-P", "x", "--prometheus", "99999", "--", "true", NULL), -1);
	CHECK_STR_HAS(out, "PORT from 0 to 65535 (0: any free port), got '99999'");
	CHECK_EQ_INT(parse("-P", "x", "--prometheus", "::1:9464", "--", "true", NULL), -1);
	CHECK_STR_HAS(out, "in brackets");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ACCEPTED("--prometheus", good[i]);
		CHECK_STR_EQ(cfg.prometheus, good[i]);
	}
}

/* Issue 12 #11: --histogram explicit: took empty bounds. */
static void test_histogram(void)
{
	static const char *bad[] = {"explicit:", "explicit:,", "explicit:1,", "explicit:,1", "explicit:1,,2",
				    "explicit:2,1", "explicit:1,1", "explicit:1,nan", "explicit:inf",
				    "explicit:1,-inf", "explicit:1e999", "explicit:1;2", "explicit:0x", "expo",
				    "explicit:1 ,2", "Explicit"};
	bool ex;
	double b[8];
	size_t n;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int before = unit_failed;

		CHECK_EQ_INT(parse("-P", "x", "--histogram", bad[i], "--", "true", NULL), -1);
		CHECK_STR_PREFIX(out, "mcp-bpftrace: --histogram: ");
		if (unit_failed != before)
			fprintf(stderr, "  (--histogram '%s')\n", bad[i]);
	}
	CHECK_EQ_INT(parse("-P", "x", "--histogram", "explicit:", "--", "true", NULL), -1);
	CHECK_STR_HAS(out, "bound '' is not a finite number");
	CHECK_EQ_INT(parse("-P", "x", "--histogram", "explicit:1,5,3", "--", "true", NULL), -1);
	CHECK_STR_HAS(out, "bound '3' is not above the one before it (5)");

	ACCEPTED("--histogram", "explicit:0.001,0.5,2,1e3");
	CHECK(cfg.hist_explicit);
	CHECK_EQ_INT(cfg.hist_nbounds, 4);
	CHECK(cfg.hist_bounds[0] == 0.001 && cfg.hist_bounds[3] == 1000);
	ACCEPTED("--histogram", "explicit:-1,0");
	CHECK_EQ_INT(cfg.hist_nbounds, 2);
	ACCEPTED("--histogram", "explicit");
	CHECK(cfg.hist_explicit);
	CHECK_EQ_INT(cfg.hist_nbounds, 14);
	CHECK(cfg.hist_bounds[13] == 10);
	ACCEPTED("--histogram", "exponential");
	CHECK(!cfg.hist_explicit);
	CHECK_EQ_INT(cfg.hist_nbounds, 0);

	/* The limit, through the function itself. */
	CHECK_EQ_INT(cli_parse_histogram("explicit:1,2,3", &ex, b, 3, &n, err, sizeof(err)), 0);
	CHECK(ex && n == 3);
	CHECK_EQ_INT(cli_parse_histogram("explicit:1,2,3,4", &ex, b, 3, &n, err, sizeof(err)), -1);
	CHECK_STR_HAS(err, "more than 3 bounds");
	CHECK_EQ_INT(cli_parse_histogram(NULL, &ex, b, 3, &n, err, sizeof(err)), 0);
	CHECK(!ex && n == 0);
}

/* Every other option with a value. */
static void test_counts_and_sizes(void)
{
	REFUSED("--pid", "0", "1 to 4194304");
	REFUSED("--pid", "-5", "1 to 4194304");
	REFUSED("--pid", "4194305", "1 to 4194304");
	REFUSED("--pid", "99999999999999999999", "1 to 4194304");
	REFUSED("--pid", "12abc", "1 to 4194304");
	REFUSED("--pid", " 12", "1 to 4194304");
	CHECK_EQ_INT(parse("-P", "x", "--pid", "4194304", "-p", "1", NULL), 0);
	CHECK_EQ_INT(cfg.npids, 2);
	CHECK_EQ_INT(cfg.pids[0], 4194304);

	REFUSED("--otlp-queue", "0", "from 1 to 16777216");
	REFUSED("--otlp-queue", "-1", "from 1 to 16777216");
	REFUSED("--otlp-queue", "16777217", "from 1 to 16777216");
	ACCEPTED("--otlp-queue", "16777216");
	CHECK_EQ_INT(cfg.otlp_queue, 16777216);

	REFUSED("--max-series", "1", "0 (no limit) or a number from 2 to 16777216");
	REFUSED("--max-series", "-1", "from 2 to 16777216");
	REFUSED("--max-series", "18446744073709551617", "from 2 to 16777216");
	ACCEPTED("--max-series", "0");
	CHECK(cfg.max_series_set && cfg.max_series == 0);

	/* 18014398509481988K wrapped around to 4096 when shifted. */
	REFUSED("--ringbuf-size", "18014398509481988K", "power of two from 4K to 1G");
	REFUSED("--ringbuf-size", "17592186044416K", "power of two from 4K to 1G");
	REFUSED("--ringbuf-size", "-4096", "power of two from 4K to 1G");
	REFUSED("--ringbuf-size", "3000", "power of two from 4K to 1G");
	REFUSED("--ringbuf-size", "2G", "power of two from 4K to 1G");
	REFUSED("--ringbuf-size", "4KB", "power of two from 4K to 1G");
	REFUSED("--ringbuf-size", "K", "power of two from 4K to 1G");
	ACCEPTED("--ringbuf-size", "4K");
	CHECK_EQ_INT(cfg.ringbuf_bytes, 4096);
	ACCEPTED("--ringbuf-size", "1G");
	CHECK_EQ_INT(cfg.ringbuf_bytes, 1 << 30);
	ACCEPTED("--ringbuf-size", "16m");
	CHECK_EQ_INT(cfg.ringbuf_bytes, 16 << 20);
	ACCEPTED("--ringbuf-size", "65536");
	CHECK_EQ_INT(cfg.ringbuf_bytes, 65536);

	REFUSED("--otlp-compression", "zstd", "gzip or none");
	CHECK_EQ_INT(parse("-P", "x", "--top=curses", "--", "true", NULL), -1);
	CHECK_STR_HAS(out, "--top: expected nothing or 'text', got 'curses'");
}

/* Issue 12 #14: arguments were echoed whole, control bytes and all. */
static void test_echo_quoted(void)
{
	char big[1100];

	memset(big, 'x', 1000);
	big[1000] = 0;
	CHECK_EQ_INT(parse("-P", "x", "--pid", big, NULL), -1);
	CHECK_STR_HAS(out, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... (1000 bytes)");
	CHECK(strlen(out) < 200);
	CHECK_EQ_INT(parse("-P", "x", "--top", "\x1b[2J\x1b]0;pwned\x07", NULL), -1);
	CHECK_STR_HAS(out, "'\\x1b[2J\\x1b]0;pwned\\x07'");
	CHECK(printable_lines(out));
	CHECK_EQ_INT(parse("-P", "x", "--\x1b[31mred", NULL), -1);
	CHECK_STR_HAS(out, "unknown option '--\\x1b[31mred'");
	CHECK(printable_lines(out));
	CHECK_EQ_INT(parse("-P", "x", "stray\x9b", NULL), -1);
	CHECK_STR_HAS(out, "unexpected argument 'stray\\x9b'");
	CHECK_EQ_INT(parse("-P", "x", "--otlp-header", "\xef\xbb\xbfnope", "--", "true", NULL), -1);
	CHECK_STR_HAS(out, "'\\xef\\xbb\\xbfnope'");
}

/* What was there before, still there. */
static void test_basics(void)
{
	CHECK_EQ_INT(parse("--help", NULL), 1);
	CHECK_EQ_INT(parse("-P", "x", NULL), -1);
	CHECK_STR_HAS(out, "no target");
	CHECK_EQ_INT(parse("-P", "x", "-p", "1", "--", "true", NULL), -1);
	CHECK_STR_HAS(out, "give one kind of target");
	CHECK_EQ_INT(parse("-P", "x", "--otlp-header", "K=V", "--", "true", "-x", NULL), 0);
	CHECK_EQ_INT(cfg.notlp_headers, 1);
	CHECK_STR_EQ(cfg.cmd[0], "true");
	CHECK_STR_EQ(cfg.cmd[1], "-x");
}

int main(void)
{
	test_seconds();
	test_prometheus();
	test_histogram();
	test_counts_and_sizes();
	test_echo_quoted();
	test_basics();
	UNIT_DONE();
}
