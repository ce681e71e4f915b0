/* Server-Sent Events framing (the WHATWG "event stream" format), fed a
 * response body in pieces of any size, one event out at a time.
 *
 * Why a byte-at-a-time state machine and not a line buffer: an LLM stream
 * can run to megabytes and its last event carries the token usage; the
 * parser keeps only the event being built (bounded by max_event), so no
 * stream is too long to reach its end. */
#ifndef TLS_SSE_H
#define TLS_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sse_event {
	const char *event; /* "message" when the stream gave no event: field */
	const char *data;  /* data: lines joined with '\n', NUL-terminated */
	size_t data_len;
	bool truncated;    /* data longer than max_event: the rest was dropped */
};

typedef void (*sse_event_cb)(void *ud, const struct sse_event *ev);

#define SSE_EVENT_NAME_MAX 64
#define SSE_FIELD_MAX 8 /* "event", "data", "id", "retry": longer ones are ignored */

struct sse_parser {
	size_t max_event;    /* cap on one event's data (bytes) */
	char *data;          /* the event's data so far (grows to max_event) */
	size_t data_len, data_cap;
	bool data_seen;      /* a data: line in this event (even an empty one) */
	bool truncated;
	char event[SSE_EVENT_NAME_MAX];
	size_t event_len;
	char field[SSE_FIELD_MAX];
	size_t field_len;
	int state;           /* where in a line we are (sse.c) */
	int target;          /* what the value of this line feeds */
	bool after_cr;       /* a CR ended the last line: a following LF is part of it */
	bool started;        /* past a possible byte-order mark */
	uint64_t events;     /* events dispatched */
	uint64_t truncated_events;
};

void sse_init(struct sse_parser *s, size_t max_event);
/* Feeds body bytes; calls cb once per complete event. */
void sse_feed(struct sse_parser *s, const char *p, size_t n, sse_event_cb cb, void *ud);
/* End of stream: an event without its blank line is dropped (as the
 * standard says); frees the buffers. The parser may be fed again after
 * sse_init. */
void sse_free(struct sse_parser *s);

#endif
