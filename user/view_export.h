/* Export status for the live view's header. Exporters (OTLP file, OTLP/HTTP,
 * Prometheus) report what happened here, from any thread; the view reads a
 * copy. An exporter that never reports shows as "off", or as "waiting"
 * once main.c has marked it configured. */
#ifndef VIEW_EXPORT_H
#define VIEW_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

enum view_exporter { VX_OTLP_FILE, VX_OTLP_HTTP, VX_PROMETHEUS, VX_COUNT };

struct view_export_status {
	bool configured;
	char target[128];     /* path, URL or listen address */
	uint64_t ok, errors;  /* exports (or scrapes) that worked / failed */
	uint64_t last_ok_ns, last_error_ns; /* CLOCK_MONOTONIC; 0: never */
	char last_error[160];
};

/* The exporter is on, writing to `target`. */
void view_export_configure(enum view_exporter x, const char *target);
/* One export done. */
void view_export_ok(enum view_exporter x);
/* One export failed; the message is shown in the header until the next. */
void view_export_error(enum view_exporter x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* For exporters that keep their own counters: the totals so far. */
void view_export_totals(enum view_exporter x, uint64_t ok, uint64_t errors);
void view_export_get(struct view_export_status out[VX_COUNT]);
/* "OTLP file", "OTLP/HTTP", "Prometheus" */
const char *view_export_name(enum view_exporter x);

#endif
