/* libFuzzer: the MCP tracker (matching, stitching, sessions, timeouts)
 * driven by a script the input spells: each line is one message, its first
 * byte says which process saw it on which stream and in which direction,
 * and a few bytes stand for time passing, EOF and exits. The tracker's
 * promises: nothing leaks, the in-flight count never passes its bound,
 * every operation ends no earlier than it started. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "source/mcp/mcp_session.h"

#define MAX_INFLIGHT 64

static void on_op(void *ctx, const struct mcp_op *op)
{
	(void)ctx;
	if (op->end_ns < op->start_ns || !op->span_id || !op->method ||
	    (op->outcome != MCP_OK && !op->error_type[0]))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcp_tracker_config cfg = {.max_inflight = MAX_INFLIGHT, .timeout_ns = 1000,
					 .max_sessions = 8, .capture_content = size & 1, .seed = 1};
	struct mcp_sink sink = {.op = on_op};
	struct mcp_tracker *t = mcp_tracker_new(&cfg, &sink);
	uint64_t now = 1;

	if (!t)
		return 0;
	size_t off = 0;
	while (off < size) {
		uint8_t op = data[off++];
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (data + off)) + 1 : size - off;
		/* op: bit 0 pid (2), bits 1-2 stream (4), bit 3 direction,
		 * bits 4-5 transport, bits 6-7: 0 message, 1 sweep, 2 EOF, 3 exit */
		uint32_t pid = 100 + (op & 1);
		int stream = (op >> 1) & 3;
		struct mcp_io io = {.pid = pid, .tid = pid, .conn = 7000 + (uint64_t)stream,
				    .outbound = (op >> 3) & 1,
				    .transport = (enum mcp_transport)(1 + ((op >> 4) & 3) % 3),
				    .session_id = ((op >> 4) & 3) == 3 ? "s" : NULL};
		now += 1 + (op & 7);
		switch (op >> 6) {
		case 0:
			break;
		case 1:
			mcp_tracker_sweep(t, now);
			break;
		case 2:
			mcp_tracker_close(t, pid, io.conn, now);
			break;
		case 3:
			mcp_tracker_exit(t, pid, now);
			break;
		}
		if ((op >> 6) == 0 && len) {
			struct jsonrpc_frame f = {.data = NULL};
			char *line = malloc(len + 1);
			memcpy(line, data + off, len);
			line[len] = '\0';
			f.data = line;
			f.len = len;
			f.full_len = len;
			f.first_ns = f.last_ns = now;
			f.truncated = (op & 0x30) == 0x30 && len > 8;
			if (f.truncated) {
				f.len = len / 2;
				f.tail = line + len / 2;
				f.tail_len = len - len / 2;
				if (f.tail_len > JSONRPC_TAIL)
					f.tail_len = JSONRPC_TAIL;
			}
			mcp_tracker_frame(t, &io, &f);
			free(line);
		}
		if (mcp_tracker_stats(t)->inflight > MAX_INFLIGHT)
			abort();
		off += len;
	}
	mcp_tracker_free(t);
	return 0;
}
