/* OTLP/HTTP transport: one export as a POST over the exporter's keep-alive
 * libcurl handle, gzip'd with zlib, retried with backoff on 429/502/503/504
 * and connection errors (otlp_http_int.h). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "clock.h"
#include "export_status.h"
#include "otlp_http_int.h"

#define RETRY_INITIAL_S 0.5
#define RETRY_MAX_S 5.0
#define RETRY_MAX_ELAPSED_S 30.0 /* per request, outside shutdown */
#define RETRY_AFTER_MAX_S 60.0
#define PARTIAL_LOG_MAX 10

static const char *const signal_name[2] = {"traces", "metrics"};

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
			fprintf(stderr, "mcp-bpftrace: otlp: POST %s: %s%s\n", x->cfg.shown[sig],
				curl_easy_strerror(cc), retrying ? " (retrying with backoff)" : "");
		return;
	}
	if (retrying) {
		if (!x->outage && x->retry_after_s >= 0)
			fprintf(stderr, "mcp-bpftrace: otlp: POST %s: HTTP %ld (retrying after Retry-After: %gs)\n",
				x->cfg.shown[sig], status, x->retry_after_s);
		else if (!x->outage)
			fprintf(stderr, "mcp-bpftrace: otlp: POST %s: HTTP %ld (retrying with backoff)\n",
				x->cfg.shown[sig], status);
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
		x->cfg.shown[sig], status, msg[0] ? ": " : "", msg, signal_name[sig], status);
}

/* Every request on the board: a success, or the reason it failed. */
static void board_report(enum outcome oc, long status, CURLcode cc)
{
	if (oc == SENT)
		export_status_ok(EXP_OTLP_HTTP);
	else if (status)
		export_status_error(EXP_OTLP_HTTP, "HTTP %ld", status);
	else if (cc == CURLE_ABORTED_BY_CALLBACK || cc == CURLE_OK)
		export_status_error(EXP_OTLP_HTTP, "not sent within the shutdown timeout");
	else
		export_status_error(EXP_OTLP_HTTP, "%s", curl_easy_strerror(cc));
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

bool otlp_send(struct otlp_http *x, int sig, const struct otlp_buf *raw, uint64_t items)
{
	const struct otlp_buf *body = raw;
	uint64_t t0 = clock_mono_ns();
	double backoff = RETRY_INITIAL_S;
	long status;
	CURLcode cc;

	if (x->cfg.gzip[sig]) {
		if (gzip_into(x, raw)) {
			export_status_error(EXP_OTLP_HTTP, "gzip failed");
			return false;
		}
		body = &x->gz;
	}
	for (int attempt = 0;; attempt++) {
		enum outcome oc = post_once(x, sig, body, &status, &cc);

		board_report(oc, status, cc);

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

int otlp_send_init(struct otlp_http *x)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) || !(x->curl = curl_easy_init()))
		return -1;
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
	return 0;
}

void otlp_send_free(struct otlp_http *x)
{
	for (int sig = 0; sig < 2; sig++)
		curl_slist_free_all(x->hdrs[sig]);
	if (x->curl) {
		curl_easy_cleanup(x->curl);
		curl_global_cleanup();
	}
	if (x->z_ready)
		deflateEnd(&x->z);
	free(x->gz.data);
}
