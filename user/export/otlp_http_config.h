/* The OTLP/HTTP exporter's configuration: command-line flags and the
 * OpenTelemetry environment (OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_}
 * {ENDPOINT,HEADERS,COMPRESSION,TIMEOUT}, OTEL_{TRACES,METRICS}_EXPORTER),
 * resolved and checked once, before anything is started: a bad value is bad
 * usage (exit status 2), named with where it came from. Flags win over the
 * environment. */
#ifndef OTLP_HTTP_CONFIG_H
#define OTLP_HTTP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define OTLP_MAX_HEADERS 32
#define OTLP_DEFAULT_QUEUE 8192
#define OTLP_DEFAULT_SHUTDOWN_S 5.0
#define OTLP_DEFAULT_TIMEOUT_MS 10000

enum otlp_signal { OTLP_TRACES, OTLP_METRICS };

/* What the command line says; NULL / 0 fields leave it to the environment
 * or to the defaults. */
struct otlp_http_opts {
	const char *endpoint;    /* --otlp URL: base, /v1/traces and /v1/metrics appended */
	const char *compression; /* --otlp-compression gzip|none */
	const char *const *headers; /* --otlp-header K=V ... (values percent-decoded) */
	int nheaders;
	size_t queue_spans;      /* --otlp-queue */
	double shutdown_s;       /* --otlp-shutdown-timeout */
};

/* The resolved configuration. */
struct otlp_http_config {
	char *url[2];            /* per signal, NULL: that signal is not exported */
	char *shown[2];          /* url[] with any userinfo redacted: for messages */
	char *headers[2][OTLP_MAX_HEADERS]; /* "Key: value" */
	int nheaders[2];
	bool gzip[2];
	long timeout_ms[2];
	size_t queue_spans;
	double shutdown_s;
};

/* Returns 1 when something is to be exported, 0 when nothing is
 * configured, -1 on a bad value (err says which, URLs redacted). */
int otlp_http_config(struct otlp_http_config *c, const struct otlp_http_opts *o,
		     char *err, size_t errlen);
void otlp_http_config_free(struct otlp_http_config *c);

#endif
