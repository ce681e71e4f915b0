/* Export status for the live view's header. Exporters (OTLP file, OTLP/HTTP,
 * Prometheus) report what happened here, from any thread; the view reads a
 * copy. An exporter that never reports shows as "off", or as "waiting"
 * once main.c has marked it configured. */
#ifndef VIEW_EXPORT_H
#define VIEW_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

enum exporter_id { EXP_OTLP_FILE, EXP_OTLP_HTTP, EXP_PROMETHEUS, EXP_COUNT };

struct export_status {
	bool configured;
	char target[128];     /* path, URL or listen address */
	uint64_t ok, errors;  /* exports (or scrapes) that worked / failed */
	uint64_t last_ok_ns, last_error_ns; /* CLOCK_MONOTONIC; 0: never */
	char last_error[160];
};

/* The exporter is on, writing to `target`. */
void export_status_configure(enum exporter_id x, const char *target);
/* One export done. */
void export_status_ok(enum exporter_id x);
/* One export failed; the message is shown in the header until the next. */
void export_status_error(enum exporter_id x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* For exporters that keep their own counters: the totals so far. */
void export_status_totals(enum exporter_id x, uint64_t ok, uint64_t errors);
void export_status_get(struct export_status out[EXP_COUNT]);
/* "OTLP file", "OTLP/HTTP", "Prometheus" */
const char *export_status_name(enum exporter_id x);

#endif
