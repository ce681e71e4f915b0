/* Shared by the tests/unit/test_tls_*.c tests: an LLM call recorder
 * behind the whole user-space TLS pipeline (http1 -> llm_tracker), and
 * feeding helpers. */
#ifndef TEST_TLS_UTIL_H
#define TEST_TLS_UTIL_H

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "source/tls/http1.h"
#include "source/tls/llm_tracker.h"

#define REC_MAX 64

/* A copy of what an emitted call said (the struct itself dies after emit). */
struct rec_call {
	struct llm_call c;
	char input[8192], output[8192];
	bool has_input, has_output;
};

struct rec {
	struct llm_tracker t;
	struct http1_ctx http;
	struct rec_call calls[REC_MAX];
	int n;
	char unpriced[256];
};

static __attribute__((unused)) void rec_emit(void *ctx, const struct llm_call *c)
{
	struct rec *r = ctx;
	if (r->n >= REC_MAX)
		return;
	struct rec_call *rc = &r->calls[r->n++];
	rc->c = *c;
	rc->c.input_messages = rc->c.output_text = NULL;
	if (c->input_messages) {
		snprintf(rc->input, sizeof(rc->input), "%s", c->input_messages);
		rc->has_input = true;
	}
	if (c->output_text) {
		snprintf(rc->output, sizeof(rc->output), "%s", c->output_text);
		rc->has_output = true;
	}
}

static __attribute__((unused)) void rec_unpriced(void *ctx, const char *provider, const char *model)
{
	struct rec *r = ctx;
	size_t len = strlen(r->unpriced);
	snprintf(r->unpriced + len, sizeof(r->unpriced) - len, "%s/%s;", provider, model);
}

static __attribute__((unused)) void rec_init(struct rec *r, bool capture, struct price_table *prices)
{
	memset(r, 0, sizeof(*r));
	struct llm_opts o = { .capture_content = capture, .content_max = 64 };
	llm_tracker_init(&r->t, &o, prices, rec_emit, r);
	r->t.note_unpriced = rec_unpriced;
	struct http1_handler h = llm_tracker_handler(&r->t);
	http1_ctx_init(&r->http, &h);
}

static __attribute__((unused)) void feed_str(struct http1_conn *c, enum tls_dir d, const char *s, uint64_t ts)
{
	http1_feed(c, d, s, strlen(s), ts);
}

/* Feeds s in pieces of `step` bytes (the last one shorter). */
static __attribute__((unused)) void feed_steps(struct http1_conn *c, enum tls_dir d, const char *s, size_t n, size_t step, uint64_t ts)
{
	for (size_t i = 0; i < n; i += step)
		http1_feed(c, d, s + i, n - i < step ? n - i : step, ts);
}

/* gzip (wbits 31) or zlib (15) or raw deflate (-15) of s; caller frees. */
static __attribute__((unused)) char *zcompress(const char *s, size_t n, int wbits, size_t *outn)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&z, n) + 64;
	char *out = malloc(cap);
	z.next_in = (Bytef *)s;
	z.avail_in = n;
	z.next_out = (Bytef *)out;
	z.avail_out = cap;
	deflate(&z, Z_FINISH);
	*outn = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

#endif
