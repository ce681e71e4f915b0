/* The exporters behind one front door (exporters.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "export_status.h"
#include "exporters.h"
#include "aggregate/health.h"

int exporters_configure(struct exporters *E, const struct config *cfg, char *err, size_t errlen)
{
	struct otlp_http_opts o = {
		.endpoint = cfg->otlp_endpoint,
		.compression = cfg->otlp_compression,
		.headers = cfg->otlp_headers,
		.nheaders = cfg->notlp_headers,
		.queue_spans = cfg->otlp_queue,
		.shutdown_s = cfg->otlp_shutdown_s,
	};
	int rc;

	memset(E, 0, sizeof(*E));
	E->cfg = cfg;
	if (cfg->prometheus && prom_check_addr(cfg->prometheus, err, errlen))
		return 2;
	rc = otlp_http_config(&E->otlp_cfg, &o, err, errlen);
	if (rc < 0)
		return 2;
	E->otlp_wanted = rc > 0;
	E->configured = true;
	return 0;
}

/* "PORT 0" asks the kernel for a port: the user needs to hear which. */
static bool port_zero(const char *addr)
{
	size_t n = strlen(addr);

	return !strcmp(addr, "0") || (n >= 2 && !strcmp(addr + n - 2, ":0"));
}

static void print_targets(const struct exporters *E)
{
	struct export_status b[EXP_COUNT];

	export_status_get(b);
	for (int i = 0; i < EXP_COUNT; i++)
		if (b[i].configured)
			fprintf(stderr, "mcp-bpftrace: export: %s: %s (%s%s%s)\n",
				export_status_name((enum exporter_id)i), b[i].target,
				b[i].signals[EXP_TRACES] ? "traces" : "",
				b[i].signals[EXP_TRACES] && b[i].signals[EXP_METRICS] ? ", " : "",
				b[i].signals[EXP_METRICS] ? "metrics" : "");
	(void)E;
}

int exporters_setup(struct exporters *E, const struct config *cfg, struct span_builder *sb,
		    struct metric_store *ms, const struct resource_table *rt,
		    const struct export_opts *eo, char *err, size_t errlen)
{
	if (!E->configured) {
		int rc = exporters_configure(E, cfg, err, errlen);

		if (rc)
			return rc;
	}
	if (cfg->otlp_file) {
		if (otlp_file_open(&E->file, cfg->otlp_file, rt, err, errlen))
			return 1;
		if (span_builder_add_sink(sb, otlp_file_span, &E->file)) {
			snprintf(err, errlen, "--otlp-file: too many span sinks");
			return 1;
		}
	}
	if (E->otlp_wanted) {
		E->otlp_wanted = false;
		E->otlp = otlp_http_start(&E->otlp_cfg, rt, err, errlen); /* takes otlp_cfg */
		if (!E->otlp)
			return 1;
		if (otlp_http_has(E->otlp, OTLP_TRACES) && span_builder_add_sink(sb, otlp_http_span, E->otlp)) {
			snprintf(err, errlen, "otlp: too many span sinks");
			return 1;
		}
	}
	if (cfg->prometheus) {
		E->prom = prom_start(cfg->prometheus, ms, rt, eo, err, errlen);
		if (!E->prom)
			return 1;
		if (port_zero(cfg->prometheus) || cfg->verbose)
			fprintf(stderr, "mcp-bpftrace: prometheus: serving /metrics on port %d\n", prom_port(E->prom));
	}
	if (cfg->verbose)
		print_targets(E);
	return 0;
}

/* The board's losses into the health metrics and the summary's counts. A
 * signal's series exist as soon as an exporter sends that signal. */
static void fold_health(struct metric_store *ms, struct health_counts *h)
{
	static const char *const sig_name[EXP_NSIGNALS] = {"traces", "metrics"};
	struct export_status b[EXP_COUNT];
	uint64_t failed[EXP_NSIGNALS] = {0}, dropped = 0;
	bool has[EXP_NSIGNALS] = {false};

	export_status_get(b);
	for (int i = 0; i < EXP_COUNT; i++) {
		if (!b[i].configured)
			continue;
		for (int s = 0; s < EXP_NSIGNALS; s++) {
			has[s] |= b[i].signals[s];
			failed[s] += b[i].failed[s];
		}
		dropped += b[i].spans_dropped;
	}
	for (int s = 0; s < EXP_NSIGNALS; s++)
		if (has[s])
			health_set(ms, HM_EXPORT_ERRORS, "signal", sig_name[s], failed[s]);
	if (has[EXP_TRACES])
		health_set(ms, HM_DROPPED_SPANS, NULL, NULL, dropped);
	h->export_errors = failed[EXP_TRACES] + failed[EXP_METRICS];
	h->dropped_spans = dropped;
}

void exporters_metrics(struct exporters *E, struct metric_store *ms, const struct export_opts *eo,
		       struct health_counts *h)
{
	fold_health(ms, h);
	if (E->file.f)
		otlp_file_metrics(&E->file, ms, eo);
	if (E->otlp)
		otlp_http_metrics(E->otlp, ms, eo);
	/* Again: a snapshot cannot count its own failure, but a scrape, the
	 * views and the summary that come after it must. */
	fold_health(ms, h);
}

static void linger(struct exporters *E, const volatile sig_atomic_t *stop)
{
	uint64_t until = clock_mono_ns() + (uint64_t)(E->cfg->prom_linger_s * 1e9);

	fprintf(stderr, "mcp-bpftrace: serving /metrics on port %d for %.0fs more (--prometheus-linger)\n",
		prom_port(E->prom), E->cfg->prom_linger_s);
	while (!*stop && clock_mono_ns() < until) {
		struct timespec ts = {0, 50 * 1000000L};

		nanosleep(&ts, NULL);
	}
}

static void print_otlp_line(struct otlp_http *x)
{
	struct otlp_http_stats st;

	otlp_http_get_stats(x, &st);
	fprintf(stderr, "mcp-bpftrace: otlp: %llu spans sent in %llu requests, %llu metric exports, "
		"%llu retries, %.1f KiB sent (%.1f KiB before compression); dropped %llu spans",
		(unsigned long long)st.spans_sent, (unsigned long long)st.requests[OTLP_TRACES],
		(unsigned long long)st.metric_exports, (unsigned long long)st.retries, st.bytes_sent / 1024.0,
		st.bytes_raw / 1024.0, (unsigned long long)st.spans_dropped);
	if (st.spans_rejected || st.points_rejected)
		fprintf(stderr, "; receiver rejected %llu spans, %llu data points",
			(unsigned long long)st.spans_rejected, (unsigned long long)st.points_rejected);
	fprintf(stderr, "\n");
}

/* --verbose: every configured exporter's final state, as the views show it. */
static void print_board(void)
{
	struct export_status b[EXP_COUNT];
	char text[256];

	export_status_get(b);
	for (int i = 0; i < EXP_COUNT; i++)
		if (b[i].configured)
			fprintf(stderr, "mcp-bpftrace: export: %s [%s]\n",
				export_status_text(&b[i], (enum exporter_id)i, text, sizeof(text)), b[i].target);
}

int exporters_finish(struct exporters *E, struct metric_store *ms, struct health_counts *h,
		     const volatile sig_atomic_t *stop)
{
	if (E->prom && E->cfg->prom_linger_s > 0 && !*stop)
		linger(E, stop);
	if (E->file.f)
		otlp_file_flush_spans(&E->file);
	if (E->otlp)
		otlp_http_shutdown(E->otlp);
	fold_health(ms, h);
	if (E->otlp)
		print_otlp_line(E->otlp);
	if (E->cfg && E->cfg->verbose)
		print_board();
	return E->file.errors ? 1 : 0;
}

void exporters_close(struct exporters *E)
{
	prom_stop(E->prom);
	otlp_http_free(E->otlp);
	if (E->file.batch || E->file.f)
		otlp_file_close(&E->file);
	otlp_http_config_free(&E->otlp_cfg);
	memset(E, 0, sizeof(*E));
}
