/* The OTLP/HTTP exporter's insides, shared by its two halves: the queue
 * and thread (otlp_http.c) and the transport that sends one export with
 * retries (otlp_http_send.c). Not for anyone else. */
#ifndef OTLP_HTTP_INT_H
#define OTLP_HTTP_INT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <zlib.h>
#include "otlp_http.h"
#include "otlp_proto.h"

#define RESPONSE_MAX (64 * 1024)
#define MAX_REPORTED 32

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

/* The shutdown bound, or UINT64_MAX while not stopping. */
static inline uint64_t deadline_of(struct otlp_http *x)
{
	return __atomic_load_n(&x->stopping, __ATOMIC_ACQUIRE) ? __atomic_load_n(&x->deadline_ns, __ATOMIC_ACQUIRE)
							       : UINT64_MAX;
}

static inline void abs_time(struct timespec *ts, uint64_t mono_ns)
{
	ts->tv_sec = (time_t)(mono_ns / 1000000000ULL);
	ts->tv_nsec = (long)(mono_ns % 1000000000ULL);
}

/* The CURL handle and its per-signal headers; -1 when libcurl fails. */
int otlp_send_init(struct otlp_http *x);
void otlp_send_free(struct otlp_http *x);
/* Sends one export of `sig` (`items` spans, for messages), gzip'd if so
 * configured, retrying as the OTLP spec says, every attempt on the status
 * board. Returns true when it was delivered. Exporter thread only. */
bool otlp_send(struct otlp_http *x, int sig, const struct otlp_buf *raw, uint64_t items);

#endif
