/* OTLP/HTTP configuration from flags and OTEL_* (otlp_http_config.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "otlp_http_config.h"
#include "url.h"

static const char *const signal_path[2] = {"/v1/traces", "/v1/metrics"};
static const char *const signal_env[2] = {"TRACES", "METRICS"};

static const char *env2(const char *sig, const char *what)
{
	char name[96];
	const char *v;

	snprintf(name, sizeof(name), "OTEL_EXPORTER_OTLP_%s%s%s", sig ? sig : "", sig ? "_" : "", what);
	v = getenv(name);
	return v && *v ? v : NULL;
}

static char *join_url(const char *base, const char *path)
{
	size_t n = strlen(base);
	char *u;

	while (n && base[n - 1] == '/')
		n--;
	if (asprintf(&u, "%.*s%s", (int)n, base, path) < 0)
		return NULL;
	return u;
}

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Trims and percent-decodes [s, e) into a new string. */
static char *decode(const char *s, const char *e)
{
	char *out, *w;

	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	out = w = malloc((size_t)(e - s) + 1);
	if (!out)
		return NULL;
	for (; s < e; s++) {
		if (*s == '%' && e - s >= 3 && hexv(s[1]) >= 0 && hexv(s[2]) >= 0) {
			*w++ = (char)(hexv(s[1]) << 4 | hexv(s[2]));
			s += 2;
		} else {
			*w++ = *s;
		}
	}
	*w = 0;
	return out;
}

static bool header_name_ok(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && !strchr("!#$%&'*+-.^_`|~", *k))
			return false;
	return true;
}

/* Adds or replaces "Key: value" (keys compare case-insensitively). */
static int set_header(struct otlp_http_config *c, int sig, const char *k, const char *v,
		      const char *where, char *err, size_t errlen)
{
	char *h;
	size_t kl = strlen(k);

	if (!header_name_ok(k)) {
		snprintf(err, errlen, "%s: '%s' is not a valid header name", where, k);
		return -1;
	}
	/* RFC 9110 field values: no control byte but HTAB, and DEL is one
	 * (found by tests/fuzz/fuzz_otlp_config). */
	for (const char *p = v; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) {
			snprintf(err, errlen, "%s: the value of header '%s' has a control character", where, k);
			return -1;
		}
	/* An empty value removes a header curl would add ("Expect:"). */
	if (asprintf(&h, *v ? "%s: %s" : "%s:%s", k, v) < 0)
		return -1;
	for (int i = 0; i < c->nheaders[sig]; i++)
		if (!strncasecmp(c->headers[sig][i], k, kl) && c->headers[sig][i][kl] == ':') {
			free(c->headers[sig][i]);
			c->headers[sig][i] = h;
			return 0;
		}
	if (c->nheaders[sig] == OTLP_MAX_HEADERS) {
		free(h);
		snprintf(err, errlen, "%s: more than %d headers", where, OTLP_MAX_HEADERS);
		return -1;
	}
	c->headers[sig][c->nheaders[sig]++] = h;
	return 0;
}

/* "k=v,k=v" with percent-encoded parts (OTEL_EXPORTER_OTLP_HEADERS) or one
 * "K=V" / "K: V" (--otlp-header). */
static int parse_headers(struct otlp_http_config *c, int sig, const char *spec, bool list,
			 const char *where, char *err, size_t errlen)
{
	int entry = 0;

	for (const char *p = spec; *p;) {
		const char *end = list ? strchr(p, ',') : NULL, *eq;

		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (!eq && !list)
			eq = memchr(p, ':', (size_t)(end - p));
		entry++;
		if (!eq) { /* not quoted: it may be a secret */
			snprintf(err, errlen, "%s: expected key=value in entry %d, found no '='", where, entry);
			return -1;
		}
		char *k = list ? decode(p, eq) : strndup(p, (size_t)(eq - p));
		char *v = list ? decode(eq + 1, end) : decode(eq + 1, end);
		int rc = -1;

		if (k && v) {
			if (!list) { /* flags are taken literally: trim only */
				char *t = decode(p, eq);

				free(k);
				k = t;
			}
			rc = k ? set_header(c, sig, k, v, where, err, errlen) : -1;
		}
		free(k);
		free(v);
		if (rc)
			return -1;
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int parse_compression(const char *v, const char *where, bool *gzip, char *err, size_t errlen)
{
	if (!strcasecmp(v, "gzip"))
		*gzip = true;
	else if (!strcasecmp(v, "none"))
		*gzip = false;
	else {
		snprintf(err, errlen, "%s: expected gzip or none, got '%s'", where, v);
		return -1;
	}
	return 0;
}

/* The endpoint of `sig`, from the flag or the environment: *url set (NULL
 * when the signal is off), *where names the source for messages, *given is
 * the value as the user wrote it. */
static int resolve_url(struct otlp_http_config *c, int sig, const struct otlp_http_opts *o,
		       char *where, size_t wlen, const char **given)
{
	const char *v, *sname = signal_env[sig];
	char exp_env[64];

	snprintf(exp_env, sizeof(exp_env), "OTEL_%s_EXPORTER", sname);
	v = getenv(exp_env);
	*given = NULL;
	if (o->endpoint) {
		snprintf(where, wlen, "--otlp");
		*given = o->endpoint;
		c->url[sig] = join_url(o->endpoint, signal_path[sig]);
	} else if (v && !strcmp(v, "none")) {
		return 0; /* OTEL_{TRACES,METRICS}_EXPORTER=none */
	} else if ((v = env2(sname, "ENDPOINT"))) {
		snprintf(where, wlen, "OTEL_EXPORTER_OTLP_%s_ENDPOINT", sname);
		*given = v;
		c->url[sig] = strdup(v); /* per-signal: used as it is */
	} else if ((v = env2(NULL, "ENDPOINT"))) {
		snprintf(where, wlen, "OTEL_EXPORTER_OTLP_ENDPOINT");
		*given = v;
		c->url[sig] = join_url(v, signal_path[sig]);
	} else {
		return 0;
	}
	return c->url[sig] ? 0 : -1;
}

static int check_url(struct otlp_http_config *c, int sig, const char *where, const char *given,
		     char *err, size_t errlen)
{
	char why[160], shown[512];

	if (!url_check(c->url[sig], why, sizeof(why)))
		return 0;
	snprintf(err, errlen, "%s '%s': %s", where, url_redact(given, shown, sizeof(shown)), why);
	return -1;
}

static int parse_timeout(struct otlp_http_config *c, int sig, char *err, size_t errlen)
{
	const char *sname = signal_env[sig], *v;
	char where[96];
	char *end;
	long ms;

	c->timeout_ms[sig] = OTLP_DEFAULT_TIMEOUT_MS;
	snprintf(where, sizeof(where), "OTEL_EXPORTER_OTLP_%s_TIMEOUT", sname);
	v = env2(sname, "TIMEOUT");
	if (!v) {
		v = env2(NULL, "TIMEOUT");
		snprintf(where, sizeof(where), "OTEL_EXPORTER_OTLP_TIMEOUT");
	}
	if (!v)
		return 0;
	errno = 0;
	ms = strtol(v, &end, 10);
	if (errno || end == v || *end || ms <= 0) {
		snprintf(err, errlen, "%s: expected a positive number of milliseconds, got '%s'", where, v);
		return -1;
	}
	c->timeout_ms[sig] = ms;
	return 0;
}

int otlp_http_config(struct otlp_http_config *c, const struct otlp_http_opts *o,
		     char *err, size_t errlen)
{
	int any = 0;

	memset(c, 0, sizeof(*c));
	c->queue_spans = o->queue_spans ? o->queue_spans : OTLP_DEFAULT_QUEUE;
	c->shutdown_s = o->shutdown_s > 0 ? o->shutdown_s : OTLP_DEFAULT_SHUTDOWN_S;
	for (int sig = 0; sig < 2; sig++) {
		const char *v, *sname = signal_env[sig], *given;
		char where[96], shown[512];

		if (resolve_url(c, sig, o, where, sizeof(where), &given))
			goto oom;
		if (!c->url[sig])
			continue;
		if (check_url(c, sig, where, given, err, errlen))
			goto fail;
		c->shown[sig] = strdup(url_redact(c->url[sig], shown, sizeof(shown)));
		if (!c->shown[sig])
			goto oom;
		any = 1;
		if (set_header(c, sig, "Content-Type", "application/x-protobuf", "", err, errlen) ||
		    set_header(c, sig, "Expect", "", "", err, errlen)) /* no 100-continue round trip */
			goto fail;
		if ((v = env2(NULL, "HEADERS")) &&
		    parse_headers(c, sig, v, true, "OTEL_EXPORTER_OTLP_HEADERS", err, errlen))
			goto fail;
		snprintf(where, sizeof(where), "OTEL_EXPORTER_OTLP_%s_HEADERS", sname);
		if ((v = env2(sname, "HEADERS")) && parse_headers(c, sig, v, true, where, err, errlen))
			goto fail;
		for (int i = 0; i < o->nheaders; i++)
			if (parse_headers(c, sig, o->headers[i], false, "--otlp-header", err, errlen))
				goto fail;

		snprintf(where, sizeof(where), "OTEL_EXPORTER_OTLP_%s_COMPRESSION", sname);
		if (o->compression) {
			if (parse_compression(o->compression, "--otlp-compression", &c->gzip[sig], err, errlen))
				goto fail;
		} else if ((v = env2(sname, "COMPRESSION"))) {
			if (parse_compression(v, where, &c->gzip[sig], err, errlen))
				goto fail;
		} else if ((v = env2(NULL, "COMPRESSION")) &&
			   parse_compression(v, "OTEL_EXPORTER_OTLP_COMPRESSION", &c->gzip[sig], err, errlen)) {
			goto fail;
		}
		if (parse_timeout(c, sig, err, errlen))
			goto fail;
	}
	return any;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	otlp_http_config_free(c);
	return -1;
}

void otlp_http_config_free(struct otlp_http_config *c)
{
	for (int sig = 0; sig < 2; sig++) {
		free(c->url[sig]);
		free(c->shown[sig]);
		for (int i = 0; i < c->nheaders[sig]; i++)
			free(c->headers[sig][i]);
	}
	memset(c, 0, sizeof(*c));
}
