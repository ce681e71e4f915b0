/* libFuzzer: HTTP/1.1 reassembly and everything behind it (bodies decoded,
 * SSE framed, LLM calls read, priced), as the tracer runs it. The input is
 * a sequence of records: one control byte (bit 0: direction; bit 1: end of
 * connection after this piece; bits 2-7: the piece's length / 4, so up to
 * 252 bytes) then the piece; a length of 0 with bit 1 set is instead a
 * hole (http1_gap) of 16 times the next byte. Small caps make truncation paths run.
 * Checks: every call emitted has its strings terminated within their
 * buffers and counts that are -1 or more. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "source/tls/http1.h"
#include "source/tls/llm_tracker.h"

static void check_str(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

static void on_call(void *ctx, const struct llm_call *c)
{
	(void)ctx;
	check_str(c->request_model, sizeof(c->request_model));
	check_str(c->response_model, sizeof(c->response_model));
	check_str(c->response_id, sizeof(c->response_id));
	check_str(c->error_type, sizeof(c->error_type));
	check_str(c->server_address, sizeof(c->server_address));
	check_str(c->traceparent, sizeof(c->traceparent));
	if (c->input_tokens < -1 || c->output_tokens < -1 || c->n_finish > LLM_FINISH_MAX)
		abort();
	if (c->output_text && strlen(c->output_text) > 100)
		abort();
	if (c->input_messages && strlen(c->input_messages) > 100)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct price_table prices;
	static int loaded;
	if (!loaded) {
		char err[256];
		prices_parse(&prices, "openai\tgpt-4o-mini\t0.15\t0.6\nanthropic\tclaude-3-5-haiku\t0.8\t4\n", "fuzz", err,
			     sizeof(err));
		loaded = 1;
	}
	struct llm_tracker t;
	struct llm_opts o = { .capture_content = true, .content_max = 100 };
	llm_tracker_init(&t, &o, &prices, on_call, NULL);
	struct http1_handler h = llm_tracker_handler(&t);
	struct http1_ctx ctx;
	http1_ctx_init(&ctx, &h);
	ctx.max_body = 512;
	ctx.max_event = 256;
	ctx.max_pending = 4;
	struct http1_conn *c = http1_conn_new(&ctx);
	uint64_t ts = 1;
	size_t i = 0;
	while (i < size && c) {
		uint8_t ctl = data[i++];
		size_t n = (size_t)(ctl >> 2) * 4;
		if (n == 0 && (ctl & 2)) {
			if (i < size)
				http1_gap(c, (ctl & 1) ? TLS_DIR_READ : TLS_DIR_WRITE, (uint64_t)data[i++] * 16, ts++);
			continue;
		}
		if (n > size - i)
			n = size - i;
		http1_feed(c, (ctl & 1) ? TLS_DIR_READ : TLS_DIR_WRITE, (const char *)data + i, n, ts++);
		i += n;
		if (ctl & 2) {
			http1_close(c, ts++);
			c = http1_conn_new(&ctx);
		}
	}
	if (size & 1)
		http1_close(c, ts);
	else
		http1_abandon(c);
	return 0;
}
