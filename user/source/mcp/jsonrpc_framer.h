/* Newline-delimited JSON framing, one framer per byte stream and direction
 * (the stdio transport of the Model Context Protocol: one JSON-RPC message
 * per line). Bytes arrive as the traced process read or wrote them: a
 * message split over many reads, several in one read, a line larger than
 * any record, lines that are not JSON at all, and a first read that starts
 * in the middle of a message because the tracer attached late.
 *
 * A framer hands each complete line that looks like JSON (first non-blank
 * byte '{' or '[') to a callback; everything else is counted, never kept.
 * A line longer than max_msg is not kept whole: its first max_msg bytes and
 * its last JSONRPC_TAIL bytes are handed over marked truncated, so that the
 * id (which the TypeScript SDK writes last) can still be salvaged. */
#ifndef JSONRPC_FRAMER_H
#define JSONRPC_FRAMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default cap on one reassembled message. The MCP SDKs set no limit of
 * their own; 1 MiB keeps every tool call we have seen whole while bounding
 * what one misbehaving stream can make the tracer hold. */
#define JSONRPC_DEFAULT_MAX_MSG (1u << 20)
#define JSONRPC_MIN_MAX_MSG 64u
#define JSONRPC_TAIL 256u

struct jsonrpc_frame {
	const char *data;  /* the message, NUL-terminated at data[len] */
	size_t len;        /* bytes in data (at most max_msg) */
	const char *tail;  /* truncated only: the last bytes of the line */
	size_t tail_len;
	size_t full_len;   /* the line's real length, newline excluded */
	bool truncated;    /* longer than max_msg, or bytes were lost inside it */
	uint64_t first_ns; /* when its first byte was read or written */
	uint64_t last_ns;  /* when its last byte was */
};

typedef void (*jsonrpc_frame_fn)(void *ctx, const struct jsonrpc_frame *f);

struct jsonrpc_framer_stats {
	uint64_t messages;    /* frames handed to the callback, truncated included */
	uint64_t bytes;       /* bytes fed */
	uint64_t truncated;   /* frames marked truncated */
	uint64_t noise_lines; /* lines skipped: not JSON, or blank */
	uint64_t noise_bytes;
	uint64_t resyncs;     /* times the framer skipped to the next newline:
			       * attach mid-stream, bytes lost */
	uint64_t lost_bytes;  /* reported lost by the caller (record cut short) */
};

enum jsonrpc_line_state {
	JL_START,   /* at the start of a line, nothing seen */
	JL_JSON,    /* inside a line that started like JSON: buffering */
	JL_SKIP,    /* inside a line to skip (noise, or before the first newline) */
};

struct jsonrpc_framer {
	char *buf;          /* the line so far (head: at most max_msg bytes) */
	size_t len, cap;
	size_t max_msg;
	size_t line_len;    /* bytes of the current line, kept or not */
	char tail[JSONRPC_TAIL]; /* ring of the last bytes, once over max_msg */
	size_t tail_pos;
	bool damaged;       /* bytes of the current line were lost */
	bool noise_counted; /* the current skipped line is already counted */
	enum jsonrpc_line_state state;
	uint64_t first_ns;
	struct jsonrpc_framer_stats stats;
};

/* mid_stream: the first bytes may be the middle of a line (attached late,
 * or after a gap); they are skipped up to the first newline. max_msg 0
 * means JSONRPC_DEFAULT_MAX_MSG. */
void jsonrpc_framer_init(struct jsonrpc_framer *f, size_t max_msg, bool mid_stream);
void jsonrpc_framer_free(struct jsonrpc_framer *f);

/* Bytes as read or written at time ns. Calls fn for every line completed. */
void jsonrpc_framer_feed(struct jsonrpc_framer *f, const void *data, size_t n, uint64_t ns,
			 jsonrpc_frame_fn fn, void *ctx);

/* n bytes of the stream were never seen (a record cut short, a ring-buffer
 * drop): the line they fall in is damaged. If the line had started, it is
 * still handed over, marked truncated, when its newline comes; a newline
 * may itself have been lost, so the next line may be damaged too: the
 * JSON reader rejects what does not parse. */
void jsonrpc_framer_lost(struct jsonrpc_framer *f, size_t n);

/* A whole message from a framing that is not newline-delimited (an HTTP
 * body, an SSE event's data): handed to fn as one frame when it looks like
 * JSON, counted as noise otherwise. Truncated when over max_msg (then also
 * with its tail). Uses the framer only for its cap and statistics. */
void jsonrpc_feed_message(struct jsonrpc_framer *f, const void *data, size_t n,
			  uint64_t first_ns, uint64_t last_ns, jsonrpc_frame_fn fn, void *ctx);

#endif
