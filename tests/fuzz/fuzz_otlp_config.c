/* libFuzzer: the OTLP/HTTP exporter's configuration from the environment
 * and the command line (user/export/otlp_http_config.c, url.c): the input
 * is NUL-separated fields, each given to one OTEL_* variable or flag (an
 * empty field leaves it unset). Checks beyond the sanitizers': a refusal
 * says why; an accepted configuration has URLs url_check accepts, redacted
 * forms without the password, and "Key: value" headers free of control
 * bytes (they go on the wire as they are).
 * fuzz-covers: user/export/otlp_http_config.c user/export/url.c */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "export/otlp_http_config.h"
#include "export/url.h"

static const char *const vars[] = {
	"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
	"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS",
	"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
	"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
	"OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
	"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER",
};
#define NVARS (sizeof(vars) / sizeof(vars[0]))
/* Fields after the variables: --otlp, --otlp-compression, then --otlp-header values. */
#define NFIELDS (NVARS + 2 + 8)

static void check_headers(const struct otlp_http_config *c)
{
	for (int sig = 0; sig < 2; sig++) {
		if (c->nheaders[sig] < 0 || c->nheaders[sig] > OTLP_MAX_HEADERS)
			abort();
		for (int i = 0; i < c->nheaders[sig]; i++) {
			const char *h = c->headers[sig][i], *colon = strchr(h, ':');

			if (!colon || colon == h)
				abort();
			for (const char *p = h; *p; p++)
				if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
					abort();
		}
	}
}

static void check_urls(const struct otlp_http_config *c)
{
	char why[256];

	for (int sig = 0; sig < 2; sig++) {
		if (!c->url[sig])
			continue;
		if (!c->shown[sig] || url_check(c->url[sig], why, sizeof(why)))
			abort();
		/* The userinfo of "scheme://user:pw@host" never shows. */
		const char *s = strstr(c->url[sig], "://"), *at = s ? strrchr(s, '@') : NULL;

		if (at && at > s + 3 && !strstr(c->shown[sig], "***@"))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *field[NFIELDS] = {0};
	const char *headers[8];
	struct otlp_http_config c;
	char err[512] = "", why[256], red[128];
	size_t nf = 0;
	int rc, nh = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	for (char *p = buf; nf < NFIELDS && p <= buf + size; p += strlen(p) + 1)
		field[nf++] = p;
	/* The environment the configuration reads (getenv) is exactly these
	 * variables: a private environ, since glibc's setenv keeps every value
	 * it replaces (millions of runs would exhaust memory). */
	char *env[NVARS + 1], *strs[NVARS];
	int ne = 0;

	for (size_t i = 0; i < NVARS && i < nf; i++) {
		if (!*field[i] || asprintf(&strs[ne], "%s=%s", vars[i], field[i]) < 0)
			continue;
		env[ne] = strs[ne];
		ne++;
	}
	env[ne] = NULL;
	char **saved_environ = environ;

	environ = env;
	for (size_t i = NVARS + 2; i < nf; i++)
		if (*field[i])
			headers[nh++] = field[i];
	struct otlp_http_opts o = {
		.endpoint = nf > NVARS && *field[NVARS] ? field[NVARS] : NULL,
		.compression = nf > NVARS + 1 && *field[NVARS + 1] ? field[NVARS + 1] : NULL,
		.headers = headers,
		.nheaders = nh,
	};

	rc = otlp_http_config(&c, &o, err, sizeof(err));
	if (rc < -1 || rc > 1 || (rc < 0 && !err[0]))
		abort();
	if (rc >= 0) {
		if ((rc == 1) != (c.url[0] || c.url[1]))
			abort();
		check_headers(&c);
		check_urls(&c);
		otlp_http_config_free(&c);
	}
	/* The URL helpers on every field, and into a small buffer. */
	for (size_t i = 0; i < nf; i++) {
		url_check(field[i], why, sizeof(why));
		url_redact(field[i], red, sizeof(red));
		if (!memchr(red, 0, sizeof(red)))
			abort();
	}
	environ = saved_environ;
	for (int i = 0; i < ne; i++)
		free(strs[i]);
	free(buf);
	return 0;
}
