/* OTLP/HTTP and Prometheus, as main.c starts, feeds and stops them. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "exporters.h"
#include "aggregate/health.h"

int exporters_setup(struct exporters *E, const struct config *cfg, struct span_builder *sb,
		    struct metric_store *ms, const struct resource_table *rt,
		    const struct export_opts *eo, char *err, size_t errlen)
{
	struct otlp_http_opts o = {
		.endpoint = cfg->otlp_endpoint,
		.compression = cfg->otlp_compression,
		.headers = cfg->otlp_headers,
		.nheaders = cfg->notlp_headers,
		.queue_spans = cfg->otlp_queue,
		.shutdown_s = cfg->otlp_shutdown_s,
	};
	struct otlp_http_config c;
	int rc;

	memset(E, 0, sizeof(*E));
	E->cfg = cfg;
	rc = otlp_http_config(&c, &o, err, errlen);
	if (rc < 0)
		return 2;
	if (rc > 0) {
		E->otlp = otlp_http_start(&c, rt, err, errlen);
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
	}
	return 0;
}

static void fold_health(struct exporters *E, struct metric_store *ms, struct health_counts *h)
{
	struct otlp_http_stats st;

	if (!E->otlp)
		return;
	otlp_http_get_stats(E->otlp, &st);
	if (otlp_http_has(E->otlp, OTLP_TRACES)) {
		health_set(ms, HM_EXPORT_ERRORS, "signal", "traces", st.errors[OTLP_TRACES]);
		health_set(ms, HM_DROPPED_SPANS, NULL, NULL, st.spans_dropped);
	}
	if (otlp_http_has(E->otlp, OTLP_METRICS))
		health_set(ms, HM_EXPORT_ERRORS, "signal", "metrics", st.errors[OTLP_METRICS]);
	h->export_errors = st.errors[OTLP_TRACES] + st.errors[OTLP_METRICS];
	h->dropped_spans = st.spans_dropped;
}

void exporters_metrics(struct exporters *E, struct metric_store *ms, const struct export_opts *eo,
		       struct health_counts *h)
{
	fold_health(E, ms, h);
	if (E->otlp)
		otlp_http_metrics(E->otlp, ms, eo);
}

void exporters_finish(struct exporters *E, struct metric_store *ms, struct health_counts *h,
		      const volatile sig_atomic_t *stop)
{
	if (E->prom && E->cfg->prom_linger_s > 0 && !*stop) {
		uint64_t until = clock_mono_ns() + (uint64_t)(E->cfg->prom_linger_s * 1e9);

		fprintf(stderr, "mcp-bpftrace: serving /metrics on port %d for %.0fs more (--prometheus-linger)\n",
			prom_port(E->prom), E->cfg->prom_linger_s);
		while (!*stop && clock_mono_ns() < until) {
			struct timespec ts = {0, 50 * 1000000L};

			nanosleep(&ts, NULL);
		}
	}
	if (!E->otlp)
		return;
	otlp_http_shutdown(E->otlp);
	fold_health(E, ms, h);

	struct otlp_http_stats st;

	otlp_http_get_stats(E->otlp, &st);
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

void exporters_close(struct exporters *E)
{
	prom_stop(E->prom);
	otlp_http_free(E->otlp);
	memset(E, 0, sizeof(*E));
}
