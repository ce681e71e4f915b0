/* OTLP/HTTP protobuf exporter: libcurl (one handle, keep-alive), zlib gzip,
 * an exporter thread fed by a bounded span queue. See otlp_http.h. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>
#include "clock.h"
#include "otlp_http.h"
#include "otlp_proto.h"

#define RETRY_INITIAL_S 0.5
#define RETRY_MAX_S 5.0
#define RETRY_MAX_ELAPSED_S 30.0 /* per request, outside shutdown */
#define RETRY_AFTER_MAX_S 60.0
#define RESPONSE_MAX (64 * 1024)
#define MAX_REPORTED 32
#define PARTIAL_LOG_MAX 10

static const char *const signal_name[2] = {"traces", "metrics"};
static const char *const signal_path[2] = {"/v1/traces", "/v1/metrics"};
static const char *const signal_env[2] = {"TRACES", "METRICS"};

/* ---- configuration ----------------------------------------------------- */

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
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t') {
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
	for (const char *p = spec; *p;) {
		const char *end = list ? strchr(p, ',') : NULL, *eq;

		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (!eq && !list)
			eq = memchr(p, ':', (size_t)(end - p));
		if (!eq) {
			snprintf(err, errlen, "%s: expected key=value, got '%.*s'", where, (int)(end - p), p);
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

int otlp_http_config(struct otlp_http_config *c, const struct otlp_http_opts *o,
		     char *err, size_t errlen)
{
	int any = 0;

	memset(c, 0, sizeof(*c));
	c->queue_spans = o->queue_spans ? o->queue_spans : OTLP_DEFAULT_QUEUE;
	c->shutdown_s = o->shutdown_s > 0 ? o->shutdown_s : OTLP_DEFAULT_SHUTDOWN_S;
	for (int sig = 0; sig < 2; sig++) {
		const char *v, *sname = signal_env[sig];
		char where[96], exp_env[64];

		snprintf(exp_env, sizeof(exp_env), "OTEL_%s_EXPORTER", sname);
		v = getenv(exp_env);
		if (o->endpoint) {
			c->url[sig] = join_url(o->endpoint, signal_path[sig]);
		} else if (v && !strcmp(v, "none")) {
			continue; /* OTEL_{TRACES,METRICS}_EXPORTER=none */
		} else if ((v = env2(sname, "ENDPOINT"))) {
			c->url[sig] = strdup(v); /* per-signal: used as it is */
		} else if ((v = env2(NULL, "ENDPOINT"))) {
			c->url[sig] = join_url(v, signal_path[sig]);
		} else {
			continue;
		}
		if (!c->url[sig])
			goto oom;
		if (strncasecmp(c->url[sig], "http://", 7) && strncasecmp(c->url[sig], "https://", 8)) {
			snprintf(err, errlen, "%s: '%s' is not an http:// or https:// URL",
				 o->endpoint ? "--otlp" : "OTEL_EXPORTER_OTLP_ENDPOINT", c->url[sig]);
			goto fail;
		}
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

		c->timeout_ms[sig] = OTLP_DEFAULT_TIMEOUT_MS;
		snprintf(where, sizeof(where), "OTEL_EXPORTER_OTLP_%s_TIMEOUT", sname);
		v = env2(sname, "TIMEOUT");
		if (!v) {
			v = env2(NULL, "TIMEOUT");
			snprintf(where, sizeof(where), "OTEL_EXPORTER_OTLP_TIMEOUT");
		}
		if (v) {
			char *end;
			long ms;

			errno = 0;
			ms = strtol(v, &end, 10);
			if (errno || end == v || *end || ms <= 0) {
				snprintf(err, errlen, "%s: expected a positive number of milliseconds, got '%s'", where, v);
				goto fail;
			}
			c->timeout_ms[sig] = ms;
		}
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
		for (int i = 0; i < c->nheaders[sig]; i++)
			free(c->headers[sig][i]);
	}
	memset(c, 0, sizeof(*c));
}

/* ---- exporter ---------------------------------------------------------- */

struct otlp_http {
	struct otlp_http_config cfg;
	const struct resource_table *rt;
	pthread_t thread;
	bool started;

	pthread_mutex_t lock; /* everything below until `curl` */
	pthread_cond_t cond;
	struct span **q;      /* ring of span references */
	size_t qhead, qlen;
	struct otlp_buf metrics; /* pending snapshot, data NULL when none */
	bool stopping;
	uint64_t deadline_ns; /* valid when stopping */
	struct otlp_http_stats st;
	int reported[MAX_REPORTED]; /* statuses / curl codes (negated) already reported */
	int nreported;
	int partial_logged;

	/* exporter thread only */
	CURL *curl;
	struct curl_slist *hdrs[2];
	z_stream z;
	bool z_ready;
	struct otlp_buf gz;
	size_t gz_cap;
	char resp[RESPONSE_MAX];
	size_t resp_len;
	double retry_after_s;
	bool outage;
	uint64_t outage_since;
	unsigned int seed;
	struct span *batch[OTLP_BATCH_SPANS];
};

static uint64_t deadline_of(struct otlp_http *x)
{
	return __atomic_load_n(&x->stopping, __ATOMIC_ACQUIRE) ? __atomic_load_n(&x->deadline_ns, __ATOMIC_ACQUIRE)
							       : UINT64_MAX;
}

static void abs_time(struct timespec *ts, uint64_t mono_ns)
{
	ts->tv_sec = (time_t)(mono_ns / 1000000000ULL);
	ts->tv_nsec = (long)(mono_ns % 1000000000ULL);
}

/* Reports a status (HTTP > 0, curl error < 0) the first time it is seen. */
static bool first_time(struct otlp_http *x, int code)
{
	bool first = true;

	pthread_mutex_lock(&x->lock);
	for (int i = 0; i < x->nreported; i++)
		first = first && x->reported[i] != code;
	if (first && x->nreported < MAX_REPORTED)
		x->reported[x->nreported++] = code;
	pthread_mutex_unlock(&x->lock);
	return first;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct otlp_http *x = ctx;
	size_t len = size * n, room = sizeof(x->resp) - x->resp_len;

	memcpy(x->resp + x->resp_len, p, len < room ? len : room);
	x->resp_len += len < room ? len : room;
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct otlp_http *x = ctx;
	size_t len = size * n;

	if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
		char buf[32], *end;
		double s;

		snprintf(buf, sizeof(buf), "%.*s", (int)(len - 12 < 31 ? len - 12 : 31), p + 12);
		s = strtod(buf, &end);
		while (*end == ' ' || *end == '\r' || *end == '\n')
			end++;
		/* Seconds only; an HTTP-date falls back to our own backoff. */
		if (end != buf && !*end && s >= 0)
			x->retry_after_s = s > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : s;
	}
	return len;
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct otlp_http *x = ctx;

	(void)a, (void)b, (void)c, (void)d;
	return clock_mono_ns() > deadline_of(x); /* shutdown bound passed: abort */
}

static int gzip_into(struct otlp_http *x, const struct otlp_buf *in)
{
	size_t bound;
	int rc;

	if (!x->z_ready) {
		memset(&x->z, 0, sizeof(x->z));
		if (deflateInit2(&x->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		x->z_ready = true;
	} else if (deflateReset(&x->z) != Z_OK) {
		return -1;
	}
	bound = deflateBound(&x->z, in->len);
	if (bound > x->gz_cap) {
		uint8_t *p = realloc(x->gz.data, bound);

		if (!p)
			return -1;
		x->gz.data = p;
		x->gz_cap = bound;
	}
	x->z.next_in = in->data;
	x->z.avail_in = (uInt)in->len;
	x->z.next_out = x->gz.data;
	x->z.avail_out = (uInt)bound;
	rc = deflate(&x->z, Z_FINISH);
	if (rc != Z_STREAM_END)
		return -1;
	x->gz.len = bound - x->z.avail_out;
	return 0;
}

enum outcome { SENT, RETRY, FAILED };

/* One POST. Sets *status (HTTP) and returns the outcome. */
static enum outcome post_once(struct otlp_http *x, int sig, const struct otlp_buf *body, long *status,
			      CURLcode *cc)
{
	uint64_t now = clock_mono_ns(), dl = deadline_of(x);
	long timeout = x->cfg.timeout_ms[sig];

	x->resp_len = 0;
	x->retry_after_s = -1;
	*status = 0;
	*cc = CURLE_OK;
	if (dl != UINT64_MAX) {
		if (now >= dl)
			return FAILED;
		if ((dl - now) / 1000000 + 1 < (uint64_t)timeout)
			timeout = (long)((dl - now) / 1000000 + 1);
	}
	curl_easy_setopt(x->curl, CURLOPT_URL, x->cfg.url[sig]);
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, x->hdrs[sig]);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, (const char *)body->data);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	curl_easy_setopt(x->curl, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(x->curl, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	*cc = curl_easy_perform(x->curl);
	if (*cc == CURLE_ABORTED_BY_CALLBACK ||
	    (*cc == CURLE_OPERATION_TIMEDOUT && clock_mono_ns() >= deadline_of(x)))
		return FAILED; /* the shutdown bound passed */
	if (*cc != CURLE_OK)
		return RETRY; /* connection refused, reset, timed out ... */
	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, status);
	if (*status >= 200 && *status < 300)
		return SENT;
	if (*status == 429 || *status == 502 || *status == 503 || *status == 504)
		return RETRY;
	return FAILED;
}

static void report_failure(struct otlp_http *x, int sig, long status, CURLcode cc, bool retrying)
{
	char msg[256] = "";

	if (!status) {
		if (!x->outage)
			fprintf(stderr, "mcp-bpftrace: otlp: POST %s: %s%s\n", x->cfg.url[sig],
				curl_easy_strerror(cc), retrying ? " (retrying with backoff)" : "");
		return;
	}
	if (retrying) {
		if (!x->outage && x->retry_after_s >= 0)
			fprintf(stderr, "mcp-bpftrace: otlp: POST %s: HTTP %ld (retrying after Retry-After: %gs)\n",
				x->cfg.url[sig], status, x->retry_after_s);
		else if (!x->outage)
			fprintf(stderr, "mcp-bpftrace: otlp: POST %s: HTTP %ld (retrying with backoff)\n",
				x->cfg.url[sig], status);
		return;
	}
	if (!first_time(x, (int)status))
		return;
	if (otlp_proto_status_message((const uint8_t *)x->resp, x->resp_len, msg, sizeof(msg))) {
		size_t n = x->resp_len < sizeof(msg) - 1 ? x->resp_len : sizeof(msg) - 1;

		for (size_t i = 0; i < n; i++)
			msg[i] = isprint((unsigned char)x->resp[i]) ? x->resp[i] : ' ';
		msg[n] = 0;
	}
	fprintf(stderr, "mcp-bpftrace: otlp: POST %s: HTTP %ld%s%s; %s not retried "
		"(further HTTP %ld responses are counted, not reported)\n",
		x->cfg.url[sig], status, msg[0] ? ": " : "", msg, signal_name[sig], status);
}

/* Sleeps until `until`, or less when shutdown starts and its bound comes
 * first. Returns false when the bound leaves no time to wait that long. */
static bool backoff_sleep(struct otlp_http *x, uint64_t until)
{
	struct timespec ts;

	pthread_mutex_lock(&x->lock);
	for (;;) {
		uint64_t now = clock_mono_ns();

		if (x->stopping && until > x->deadline_ns) {
			pthread_mutex_unlock(&x->lock);
			return false;
		}
		if (now >= until)
			break;
		abs_time(&ts, until);
		pthread_cond_timedwait(&x->cond, &x->lock, &ts);
	}
	pthread_mutex_unlock(&x->lock);
	return true;
}

/* Sends one request, retrying as the spec says. Returns true when sent. */
static bool send_with_retry(struct otlp_http *x, int sig, const struct otlp_buf *raw, uint64_t items)
{
	const struct otlp_buf *body = raw;
	uint64_t t0 = clock_mono_ns();
	double backoff = RETRY_INITIAL_S;
	long status;
	CURLcode cc;

	if (x->cfg.gzip[sig]) {
		if (gzip_into(x, raw))
			return false;
		body = &x->gz;
	}
	for (int attempt = 0;; attempt++) {
		enum outcome oc = post_once(x, sig, body, &status, &cc);

		pthread_mutex_lock(&x->lock);
		x->st.requests[sig]++;
		x->st.retries += attempt > 0;
		if (oc == SENT) {
			x->st.bytes_raw += raw->len;
			x->st.bytes_sent += body->len;
		}
		pthread_mutex_unlock(&x->lock);
		if (oc == SENT) {
			int64_t rejected;
			char msg[256];

			if (x->outage) {
				fprintf(stderr, "mcp-bpftrace: otlp: delivery resumed after %.1fs\n",
					(clock_mono_ns() - x->outage_since) / 1e9);
				x->outage = false;
			}
			if (!otlp_proto_response(sig, (const uint8_t *)x->resp, x->resp_len, &rejected, msg,
						 sizeof(msg)) &&
			    (rejected || msg[0])) {
				pthread_mutex_lock(&x->lock);
				if (sig == OTLP_TRACES)
					x->st.spans_rejected += (uint64_t)(rejected > 0 ? rejected : 0);
				else
					x->st.points_rejected += (uint64_t)(rejected > 0 ? rejected : 0);
				bool log = x->partial_logged++ < PARTIAL_LOG_MAX;
				pthread_mutex_unlock(&x->lock);
				if (log && sig == OTLP_TRACES)
					fprintf(stderr, "mcp-bpftrace: otlp: partial success: %" PRId64 " of %" PRIu64
						" spans rejected%s%s%s\n", rejected, items, msg[0] ? ": \"" : "", msg,
						msg[0] ? "\"" : "");
				else if (log)
					fprintf(stderr, "mcp-bpftrace: otlp: partial success: %" PRId64
						" metric data points rejected%s%s%s\n", rejected, msg[0] ? ": \"" : "",
						msg, msg[0] ? "\"" : "");
			}
			return true;
		}
		if (oc == FAILED) {
			if (status || clock_mono_ns() < deadline_of(x))
				report_failure(x, sig, status, cc, false);
			return false;
		}
		report_failure(x, sig, status, cc, true);
		if (!x->outage) {
			x->outage = true;
			x->outage_since = clock_mono_ns();
		}
		/* Exponential backoff with jitter (50..100% of the step), or the
		 * receiver's Retry-After. */
		double wait = x->retry_after_s >= 0 ? x->retry_after_s
						    : backoff * (0.5 + 0.5 * rand_r(&x->seed) / (double)RAND_MAX);
		uint64_t until = clock_mono_ns() + (uint64_t)(wait * 1e9);

		backoff = backoff * 2 > RETRY_MAX_S ? RETRY_MAX_S : backoff * 2;
		if (until - t0 > (uint64_t)(RETRY_MAX_ELAPSED_S * 1e9)) {
			fprintf(stderr, "mcp-bpftrace: otlp: %s export given up after %.0fs of retries\n",
				signal_name[sig], (clock_mono_ns() - t0) / 1e9);
			return false;
		}
		if (!backoff_sleep(x, until))
			return false;
	}
}

static void send_spans(struct otlp_http *x, struct span **batch, size_t n)
{
	struct otlp_buf raw;
	bool ok = !otlp_proto_traces(batch, n, x->rt, &raw) && send_with_retry(x, OTLP_TRACES, &raw, n);

	free(raw.data);
	pthread_mutex_lock(&x->lock);
	if (ok) {
		x->st.spans_sent += n;
	} else {
		x->st.errors[OTLP_TRACES]++;
		x->st.spans_dropped += n;
	}
	pthread_mutex_unlock(&x->lock);
}

static void send_metrics(struct otlp_http *x, struct otlp_buf *m)
{
	bool ok = send_with_retry(x, OTLP_METRICS, m, 0);

	free(m->data);
	pthread_mutex_lock(&x->lock);
	if (ok)
		x->st.metric_exports++;
	else
		x->st.errors[OTLP_METRICS]++;
	pthread_mutex_unlock(&x->lock);
}

static void *exporter_main(void *arg)
{
	struct otlp_http *x = arg;
	struct span **batch = x->batch;
	uint64_t next_flush = clock_mono_ns() + (uint64_t)(OTLP_BATCH_DELAY_S * 1e9);
	struct timespec ts;

	pthread_mutex_lock(&x->lock);
	for (;;) {
		uint64_t now = clock_mono_ns();

		if (x->stopping && now >= x->deadline_ns)
			break;
		bool due = x->qlen >= OTLP_BATCH_SPANS || (x->qlen && (now >= next_flush || x->stopping));

		if (!due && !x->metrics.data) {
			if (x->stopping)
				break; /* nothing left */
			abs_time(&ts, x->qlen ? next_flush : now + 1000000000ULL);
			pthread_cond_timedwait(&x->cond, &x->lock, &ts);
			continue;
		}
		size_t n = 0;
		struct otlp_buf m = x->metrics;

		while (due && n < OTLP_BATCH_SPANS && x->qlen) {
			batch[n++] = x->q[x->qhead];
			x->qhead = (x->qhead + 1) % x->cfg.queue_spans;
			x->qlen--;
		}
		x->metrics.data = NULL;
		pthread_mutex_unlock(&x->lock);
		if (n) {
			send_spans(x, batch, n);
			for (size_t i = 0; i < n; i++)
				span_unref(batch[i]);
		}
		if (m.data)
			send_metrics(x, &m);
		next_flush = clock_mono_ns() + (uint64_t)(OTLP_BATCH_DELAY_S * 1e9);
		pthread_mutex_lock(&x->lock);
	}
	/* Past the shutdown bound: whatever is left is lost, and counted. */
	x->st.spans_dropped += x->qlen;
	if (x->qlen)
		x->st.errors[OTLP_TRACES]++;
	while (x->qlen) {
		span_unref(x->q[x->qhead]);
		x->qhead = (x->qhead + 1) % x->cfg.queue_spans;
		x->qlen--;
	}
	if (x->metrics.data) {
		x->st.errors[OTLP_METRICS]++;
		free(x->metrics.data);
		x->metrics.data = NULL;
	}
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

struct otlp_http *otlp_http_start(struct otlp_http_config *c, const struct resource_table *rt,
				  char *err, size_t errlen)
{
	struct otlp_http *x = calloc(1, sizeof(*x));
	pthread_condattr_t ca;
	sigset_t all, old;

	if (!x) {
		otlp_http_config_free(c);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->cfg = *c;
	memset(c, 0, sizeof(*c));
	x->rt = rt;
	x->seed = (unsigned int)clock_mono_ns();
	pthread_mutex_init(&x->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&x->cond, &ca);
	pthread_condattr_destroy(&ca);
	x->q = calloc(x->cfg.queue_spans, sizeof(*x->q));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) || !(x->curl = curl_easy_init()) || !x->q) {
		snprintf(err, errlen, "otlp: cannot initialise libcurl");
		otlp_http_free(x);
		return NULL;
	}
	for (int sig = 0; sig < 2; sig++) {
		for (int i = 0; i < x->cfg.nheaders[sig]; i++) {
			struct curl_slist *l = curl_slist_append(x->hdrs[sig], x->cfg.headers[sig][i]);

			if (l)
				x->hdrs[sig] = l;
		}
		if (x->cfg.gzip[sig]) {
			struct curl_slist *l = curl_slist_append(x->hdrs[sig], "Content-Encoding: gzip");

			if (l)
				x->hdrs[sig] = l;
		}
	}
	curl_easy_setopt(x->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(x->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(x->curl, CURLOPT_USERAGENT, "mcp-bpftrace OTLP/HTTP exporter");
	curl_easy_setopt(x->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->curl, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x->curl, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(x->curl, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(x->curl, CURLOPT_NOPROGRESS, 0L);
	/* Signals go to the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&x->thread, NULL, exporter_main, x);

	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		snprintf(err, errlen, "otlp: cannot start the exporter thread: %s", strerror(rc));
		otlp_http_free(x);
		return NULL;
	}
	x->started = true;
	return x;
}

bool otlp_http_has(const struct otlp_http *x, enum otlp_signal sig)
{
	return x && x->cfg.url[sig];
}

void otlp_http_span(void *ctx, struct span *s)
{
	struct otlp_http *x = ctx;
	struct span *old = NULL;

	if (!x->cfg.url[OTLP_TRACES])
		return;
	span_ref(s);
	pthread_mutex_lock(&x->lock);
	if (x->stopping) { /* too late: count it */
		x->st.spans_dropped++;
		pthread_mutex_unlock(&x->lock);
		span_unref(s);
		return;
	}
	if (x->qlen == x->cfg.queue_spans) { /* full: the oldest goes */
		old = x->q[x->qhead];
		x->qhead = (x->qhead + 1) % x->cfg.queue_spans;
		x->qlen--;
		x->st.spans_dropped++;
	}
	x->q[(x->qhead + x->qlen) % x->cfg.queue_spans] = s;
	x->qlen++;
	x->st.spans_queued++;
	if (x->qlen == OTLP_BATCH_SPANS)
		pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	span_unref(old);
}

void otlp_http_metrics(struct otlp_http *x, struct metric_store *ms, const struct export_opts *eo)
{
	struct otlp_buf m;

	if (!x || !x->cfg.url[OTLP_METRICS])
		return;
	if (otlp_proto_metrics(ms, x->rt, eo, &m)) {
		pthread_mutex_lock(&x->lock);
		x->st.errors[OTLP_METRICS]++;
		pthread_mutex_unlock(&x->lock);
		return;
	}
	pthread_mutex_lock(&x->lock);
	if (x->stopping) {
		free(m.data);
	} else {
		free(x->metrics.data); /* cumulative: the newer snapshot supersedes it */
		x->metrics = m;
		pthread_cond_broadcast(&x->cond);
	}
	pthread_mutex_unlock(&x->lock);
}

void otlp_http_get_stats(struct otlp_http *x, struct otlp_http_stats *st)
{
	pthread_mutex_lock(&x->lock);
	*st = x->st;
	pthread_mutex_unlock(&x->lock);
}

void otlp_http_shutdown(struct otlp_http *x)
{
	if (!x || !x->started)
		return;
	pthread_mutex_lock(&x->lock);
	__atomic_store_n(&x->deadline_ns, clock_mono_ns() + (uint64_t)(x->cfg.shutdown_s * 1e9), __ATOMIC_RELEASE);
	__atomic_store_n(&x->stopping, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	pthread_join(x->thread, NULL);
	x->started = false;
}

void otlp_http_free(struct otlp_http *x)
{
	if (!x)
		return;
	otlp_http_shutdown(x);
	while (x->q && x->qlen) {
		span_unref(x->q[x->qhead]);
		x->qhead = (x->qhead + 1) % x->cfg.queue_spans;
		x->qlen--;
	}
	free(x->q);
	free(x->metrics.data);
	for (int sig = 0; sig < 2; sig++)
		curl_slist_free_all(x->hdrs[sig]);
	if (x->curl) {
		curl_easy_cleanup(x->curl);
		curl_global_cleanup();
	}
	if (x->z_ready)
		deflateEnd(&x->z);
	free(x->gz.data);
	pthread_cond_destroy(&x->cond);
	pthread_mutex_destroy(&x->lock);
	otlp_http_config_free(&x->cfg);
	free(x);
}
