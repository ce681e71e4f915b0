/* libFuzzer: the newline-delimited JSON framer, fed the input in pieces
 * whose sizes (and lost-byte gaps) the input's first bytes choose; every
 * frame goes on to the JSON-RPC reader or the salvage scan, as in the
 * tracer. Checks the framer's promises: frames NUL-terminated, never
 * longer than the cap, tails no longer than JSONRPC_TAIL, counts adding up. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "source/mcp/jsonrpc_framer.h"
#include "source/mcp/jsonrpc_msg.h"

struct seen {
	size_t max_msg;
	uint64_t frames;
};

static void ignore(void *ctx, const struct jsonrpc_msg *m)
{
	(void)ctx;
	(void)m;
}

static void on_frame(void *ctx, const struct jsonrpc_frame *f)
{
	struct seen *s = ctx;
	struct jsonrpc_msg m;

	if (f->data[f->len] != '\0' || f->len > s->max_msg || f->tail_len > JSONRPC_TAIL ||
	    (f->tail_len && !f->truncated) || f->full_len < f->len)
		abort();
	s->frames++;
	if (f->truncated)
		jsonrpc_msg_salvage(f->data, f->len, f->tail, f->tail_len, &m);
	else
		jsonrpc_msg_parse(f->data, f->len, true, ignore, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonrpc_framer f;
	struct seen s;

	if (size < 2)
		return 0;
	/* byte 0: the cap (small caps reach the truncation paths); byte 1:
	 * attach mid-stream or not, and the piece-size seed */
	s.max_msg = JSONRPC_MIN_MAX_MSG + (size_t)data[0] * 4;
	s.frames = 0;
	jsonrpc_framer_init(&f, s.max_msg, data[1] & 1);
	unsigned seed = data[1];
	data += 2;
	size -= 2;
	size_t off = 0;
	uint64_t ns = 0;
	while (off < size) {
		seed = seed * 1103515245u + 12345u;
		size_t piece = 1 + (seed >> 16) % 97;
		if (piece > size - off)
			piece = size - off;
		if (((seed >> 8) & 31) == 0)
			jsonrpc_framer_lost(&f, piece); /* a record cut short */
		else
			jsonrpc_framer_feed(&f, data + off, piece, ns++, on_frame, &s);
		off += piece;
	}
	if (f.stats.messages != s.frames || f.stats.truncated > f.stats.messages)
		abort();
	/* the same bytes as one whole message (HTTP body) */
	jsonrpc_feed_message(&f, data, size, 0, 1, on_frame, &s);
	jsonrpc_framer_free(&f);
	return 0;
}
