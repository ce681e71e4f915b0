/* OTLP/HTTP exporter: the bounded span queue, the pending metrics snapshot
 * and the thread that drains them through the transport (otlp_http_send.c).
 * See otlp_http.h. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "export_status.h"
#include "otlp_http_int.h"

static void send_spans(struct otlp_http *x, struct span **batch, size_t n)
{
	struct otlp_buf raw = {0};
	bool encoded = !otlp_proto_traces(batch, n, x->rt, &raw);
	bool ok = encoded && otlp_send(x, OTLP_TRACES, &raw, n);

	free(raw.data);
	if (!encoded)
		export_status_error(EXP_OTLP_HTTP, "cannot encode %zu spans: out of memory", n);
	if (!ok) {
		export_status_failed(EXP_OTLP_HTTP, EXP_TRACES);
		export_status_dropped(EXP_OTLP_HTTP, n);
	}
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
	bool ok = otlp_send(x, OTLP_METRICS, m, 0);

	free(m->data);
	if (!ok)
		export_status_failed(EXP_OTLP_HTTP, EXP_METRICS);
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
	if (x->qlen) {
		x->st.errors[OTLP_TRACES]++;
		export_status_error(EXP_OTLP_HTTP, "shutdown timeout: %zu spans not sent", x->qlen);
		export_status_failed(EXP_OTLP_HTTP, EXP_TRACES);
		export_status_dropped(EXP_OTLP_HTTP, x->qlen);
	}
	while (x->qlen) {
		span_unref(x->q[x->qhead]);
		x->qhead = (x->qhead + 1) % x->cfg.queue_spans;
		x->qlen--;
	}
	if (x->metrics.data) {
		x->st.errors[OTLP_METRICS]++;
		export_status_failed(EXP_OTLP_HTTP, EXP_METRICS);
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
	if (!x->q || otlp_send_init(x)) {
		snprintf(err, errlen, "otlp: cannot initialise libcurl");
		otlp_http_free(x);
		return NULL;
	}
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
	export_status_configure(EXP_OTLP_HTTP, x->cfg.shown[OTLP_TRACES] ? x->cfg.shown[OTLP_TRACES]
									   : x->cfg.shown[OTLP_METRICS]);
	export_status_signals(EXP_OTLP_HTTP, x->cfg.url[OTLP_TRACES], x->cfg.url[OTLP_METRICS]);
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
		export_status_dropped(EXP_OTLP_HTTP, 1);
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
	if (old) /* outside our lock: the board has its own */
		export_status_dropped(EXP_OTLP_HTTP, 1);
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
		export_status_error(EXP_OTLP_HTTP, "cannot encode the metrics: out of memory");
		export_status_failed(EXP_OTLP_HTTP, EXP_METRICS);
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
	otlp_send_free(x);
	pthread_cond_destroy(&x->cond);
	pthread_mutex_destroy(&x->lock);
	otlp_http_config_free(&x->cfg);
	free(x);
}
