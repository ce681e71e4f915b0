/* The export status board: every exporter (OTLP file, OTLP/HTTP, Prometheus)
 * reports here what happens to it, from any thread, and everything that
 * shows an exporter's state reads it: the live view's header, the text view
 * (--top=text), --verbose, and the mcp_bpftrace_export_errors_total /
 * mcp_bpftrace_dropped_spans_total health metrics (exporters.c).
 *
 * States: "off" (not configured), "waiting" (configured, nothing done yet),
 * "ok (N)" (N exports done: lines written, requests that succeeded, scrapes
 * served; "ok (N, M failed)" when failures came before the last success),
 * "N errors: <last error>" while the last thing that happened was a
 * failure. */
#ifndef EXPORT_STATUS_H
#define EXPORT_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum exporter_id { EXP_OTLP_FILE, EXP_OTLP_HTTP, EXP_PROMETHEUS, EXP_COUNT };
enum export_signal { EXP_TRACES, EXP_METRICS, EXP_NSIGNALS };
enum export_state { EXS_OFF, EXS_WAITING, EXS_OK, EXS_FAILING };

struct export_status {
	bool configured;
	bool signals[EXP_NSIGNALS]; /* what it exports */
	char target[128];     /* path, redacted URL or listen address */
	uint64_t ok, errors;  /* exports (requests, lines, scrapes) that worked / failed */
	uint64_t failed[EXP_NSIGNALS]; /* exports given up: their data is lost */
	uint64_t spans_dropped;        /* spans lost (queue full, failed exports) */
	uint64_t last_ok_ns, last_error_ns; /* CLOCK_MONOTONIC; 0: never */
	char last_error[160];
};

/* The exporter is on, writing to `target` (already redacted)... */
void export_status_configure(enum exporter_id x, const char *target);
/* ... these signals (their health series exist from the start). */
void export_status_signals(enum exporter_id x, bool traces, bool metrics);
/* One export done. */
void export_status_ok(enum exporter_id x);
/* One export (or one attempt of it) failed; the message is shown until the
 * next success. */
void export_status_error(enum exporter_id x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An export of `sig` was given up, its data lost (after its errors). */
void export_status_failed(enum exporter_id x, enum export_signal sig);
/* `n` spans will never reach this exporter's destination. */
void export_status_dropped(enum exporter_id x, uint64_t n);
/* Sets the counts outright (unit tests of the views). */
void export_status_totals(enum exporter_id x, uint64_t ok, uint64_t errors);
void export_status_get(struct export_status out[EXP_COUNT]);
/* Everything back to off (tests; the end of a run). */
void export_status_reset(void);

enum export_state export_status_state(const struct export_status *s);
/* "OTLP file", "OTLP/HTTP", "Prometheus" */
const char *export_status_name(enum exporter_id x);
/* "<name> <state>", as the views show it: "Prometheus ok (2)",
 * "OTLP/HTTP 3 errors: HTTP 503". Returns buf. */
const char *export_status_text(const struct export_status *s, enum exporter_id x, char *buf, size_t len);

#endif
