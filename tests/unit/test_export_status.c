/* Unit tests of the export status board (user/export/export_status.c) and
 * of the exporters' front door (exporters.c) feeding it: the states and
 * their wording, the health metrics and summary counts read from the
 * board, an --otlp-file that cannot be written (reported once, counted,
 * exit status 1), and bad exporter options refused as bad usage. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "cli.h"
#include "aggregate/health.h"
#include "aggregate/metrics.h"
#include "aggregate/spans.h"
#include "export/export_status.h"
#include "export/exporters.h"
#include "export/prom.h"
#include "target/resources.h"
#include "unit_test.h"

static const char *text(enum exporter_id x)
{
	static char buf[256];
	struct export_status b[EXP_COUNT];

	export_status_get(b);
	return export_status_text(&b[x], x, buf, sizeof(buf));
}

static void test_states(void)
{
	struct export_status b[EXP_COUNT];

	export_status_reset();
	CHECK_STR_EQ(text(EXP_OTLP_HTTP), "OTLP/HTTP off");
	export_status_configure(EXP_OTLP_HTTP, "http://***@collector:4318/v1/traces");
	export_status_signals(EXP_OTLP_HTTP, true, true);
	CHECK_STR_EQ(text(EXP_OTLP_HTTP), "OTLP/HTTP waiting");
	export_status_error(EXP_OTLP_HTTP, "HTTP %d", 503);
	export_status_error(EXP_OTLP_HTTP, "HTTP %d", 503);
	export_status_error(EXP_OTLP_HTTP, "HTTP %d", 503);
	CHECK_STR_EQ(text(EXP_OTLP_HTTP), "OTLP/HTTP 3 errors: HTTP 503");
	export_status_ok(EXP_OTLP_HTTP);
	CHECK_STR_EQ(text(EXP_OTLP_HTTP), "OTLP/HTTP ok (1, 3 failed)");
	export_status_error(EXP_OTLP_HTTP, "Couldn't connect to server");
	CHECK_STR_EQ(text(EXP_OTLP_HTTP), "OTLP/HTTP 4 errors: Couldn't connect to server");
	export_status_configure(EXP_PROMETHEUS, "http://127.0.0.1:9464/metrics");
	export_status_ok(EXP_PROMETHEUS);
	export_status_ok(EXP_PROMETHEUS);
	CHECK_STR_EQ(text(EXP_PROMETHEUS), "Prometheus ok (2)");
	export_status_failed(EXP_OTLP_HTTP, EXP_TRACES);
	export_status_dropped(EXP_OTLP_HTTP, 512);
	export_status_get(b);
	CHECK_EQ_INT(b[EXP_OTLP_HTTP].failed[EXP_TRACES], 1);
	CHECK_EQ_INT(b[EXP_OTLP_HTTP].failed[EXP_METRICS], 0);
	CHECK_EQ_INT(b[EXP_OTLP_HTTP].spans_dropped, 512);
	CHECK_STR_EQ(b[EXP_OTLP_HTTP].target, "http://***@collector:4318/v1/traces");
	CHECK_EQ_INT(export_status_state(&b[EXP_OTLP_FILE]), EXS_OFF);
	CHECK_EQ_INT(export_status_state(&b[EXP_OTLP_HTTP]), EXS_FAILING);
	CHECK_EQ_INT(export_status_state(&b[EXP_PROMETHEUS]), EXS_OK);
	export_status_reset();
	CHECK_STR_EQ(text(EXP_PROMETHEUS), "Prometheus off");
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* stderr into a file while `fn` runs; returns what was written. */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
	static char out[8192];
	char path[] = "/tmp/test_export_status.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	fflush(stderr);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
	return out;
}

struct run {
	struct config cfg;
	struct exporters ex;
	struct metric_store ms;
	struct resource_table rt;
	struct export_opts eo;
	struct span_builder *sb;
	struct health_counts h;
	int finish_rc;
};

static void three_exports(void *arg)
{
	struct run *R = arg;

	for (int i = 0; i < 3; i++)
		exporters_metrics(&R->ex, &R->ms, &R->eo, &R->h);
}

static void finish(void *arg)
{
	struct run *R = arg;
	volatile sig_atomic_t stop = 0;

	R->finish_rc = exporters_finish(&R->ex, &R->ms, &R->h, &stop);
}

static void run_init(struct run *R, const char *file)
{
	char err[256] = "";

	memset(R, 0, sizeof(*R));
	export_status_reset();
	R->cfg.otlp_file = file;
	R->cfg.verbose = true;
	resources_init(&R->rt);
	CHECK_EQ_INT(ms_init(&R->ms), 0);
	R->sb = span_builder_new();
	CHECK_EQ_INT(exporters_configure(&R->ex, &R->cfg, err, sizeof(err)), 0);
	CHECK_EQ_INT(exporters_setup(&R->ex, &R->cfg, R->sb, &R->ms, &R->rt, &R->eo, err, sizeof(err)), 0);
}

static void run_free(struct run *R)
{
	exporters_close(&R->ex);
	span_builder_free(R->sb);
	ms_destroy(&R->ms);
	resources_free(&R->rt);
}

static void test_file_full(void)
{
	struct run R;
	struct export_status b[EXP_COUNT];
	size_t len = 0;
	char *out, *prom;

	run_init(&R, "/dev/full");
	out = capture_stderr(three_exports, &R);
	/* Said once, clearly; counted every time. */
	CHECK_STR_HAS(out, "mcp-bpftrace: --otlp-file /dev/full: cannot write: No space left on device");
	CHECK_EQ_INT(count_of(out, "cannot write"), 1);
	export_status_get(b);
	CHECK_EQ_INT(b[EXP_OTLP_FILE].errors, 3);
	CHECK_EQ_INT(b[EXP_OTLP_FILE].ok, 0);
	CHECK_EQ_INT(b[EXP_OTLP_FILE].failed[EXP_METRICS], 3);
	CHECK_STR_EQ(text(EXP_OTLP_FILE), "OTLP file 3 errors: No space left on device");
	/* The health metrics and the summary's counts are the board's. */
	CHECK_EQ_INT(R.h.export_errors, 3);
	prom = prom_render(&R.ms, &R.rt, &R.eo, &len);
	CHECK_STR_HAS(prom, "mcp_bpftrace_export_errors_total{signal=\"metrics\",service_name=\"mcp-bpftrace\"");
	CHECK_STR_HAS(prom, "mcp_bpftrace_export_errors_total{signal=\"traces\",service_name=\"mcp-bpftrace\"");
	CHECK_STR_HAS(prom, "mcp_bpftrace_dropped_spans_total{");
	char *m = prom ? strstr(prom, "mcp_bpftrace_export_errors_total{signal=\"metrics\"") : NULL;

	CHECK(m && strstr(m, "} 3\n") == strchr(m, '}')); /* all three, the last one too */
	free(prom);
	out = capture_stderr(finish, &R);
	CHECK_EQ_INT(R.finish_rc, 1);
	CHECK_STR_HAS(out, "mcp-bpftrace: export: OTLP file 3 errors: No space left on device [/dev/full]");
	run_free(&R);
}

static void test_file_ok(void)
{
	struct run R;
	char path[] = "/tmp/test_export_status.jsonl.XXXXXX";
	int fd = mkstemp(path);
	char *out, buf[4096];
	ssize_t n;
	int lines = 0;

	close(fd);
	run_init(&R, path);
	capture_stderr(three_exports, &R);
	CHECK_STR_EQ(text(EXP_OTLP_FILE), "OTLP file ok (3)");
	CHECK_STR_EQ(text(EXP_OTLP_HTTP), "OTLP/HTTP off");
	out = capture_stderr(finish, &R);
	CHECK_EQ_INT(R.finish_rc, 0);
	CHECK_STR_HAS(out, "mcp-bpftrace: export: OTLP file ok (3) [");
	CHECK_EQ_INT(R.h.export_errors, 0);
	run_free(&R);
	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	for (ssize_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	CHECK_EQ_INT(lines, 3); /* what the board counted is what is in the file */
	unlink(path);
}

static void test_bad_usage(void)
{
	struct config cfg = {0};
	struct exporters ex;
	char err[256] = "";

	export_status_reset();
	cfg.otlp_endpoint = "http://user:pa55word@[::1";
	CHECK_EQ_INT(exporters_configure(&ex, &cfg, err, sizeof(err)), 2);
	CHECK_STR_HAS(err, "--otlp 'http://***@[::1': the IPv6 address has no closing ']'");
	CHECK(!strstr(err, "pa55word"));
	exporters_close(&ex);
	cfg.otlp_endpoint = NULL;
	cfg.prometheus = "localhost:port";
	CHECK_EQ_INT(exporters_configure(&ex, &cfg, err, sizeof(err)), 2);
	CHECK_STR_HAS(err, "--prometheus");
	exporters_close(&ex);
	/* Nothing was started: the board has nothing on it. */
	CHECK_STR_EQ(text(EXP_OTLP_HTTP), "OTLP/HTTP off");
	CHECK_STR_EQ(text(EXP_PROMETHEUS), "Prometheus off");
}

int main(void)
{
	clock_init();
	unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
	unsetenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	unsetenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
	test_states();
	test_file_full();
	test_file_ok();
	test_bad_usage();
	UNIT_DONE();
}
