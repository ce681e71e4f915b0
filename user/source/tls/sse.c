/* Server-Sent Events: see sse.h. Lines end with CRLF, LF or CR (a CRLF
 * split between two reads is still one line end); "field: value" with one
 * optional space after the colon; lines starting with ':' are comments; a
 * blank line dispatches the event if it had a data: line. */
#include "source/tls/sse.h"

#include <stdlib.h>
#include <string.h>

enum { S_FIELD, S_VALUE_START, S_VALUE, S_IGNORE };
enum { T_IGNORE, T_DATA, T_EVENT };

void sse_init(struct sse_parser *s, size_t max_event)
{
	memset(s, 0, sizeof(*s));
	s->max_event = max_event ? max_event : 1;
}

void sse_free(struct sse_parser *s)
{
	free(s->data);
	s->data = NULL;
	s->data_len = s->data_cap = 0;
}

static void data_put(struct sse_parser *s, const char *p, size_t n)
{
	size_t room = s->max_event > s->data_len ? s->max_event - s->data_len : 0;
	if (n > room) {
		s->truncated = true;
		n = room;
	}
	if (!n)
		return;
	if (s->data_len + n + 1 > s->data_cap) {
		size_t cap = s->data_cap ? s->data_cap : 256;
		while (cap < s->data_len + n + 1)
			cap *= 2;
		if (cap > s->max_event + 1)
			cap = s->max_event + 1;
		char *d = realloc(s->data, cap);
		if (!d) {
			s->truncated = true;
			return;
		}
		s->data = d;
		s->data_cap = cap;
	}
	memcpy(s->data + s->data_len, p, n);
	s->data_len += n;
}

static void dispatch(struct sse_parser *s, sse_event_cb cb, void *ud)
{
	if (s->data_seen) {
		static char empty[1];
		if (s->data)
			s->data[s->data_len] = '\0';
		s->event[s->event_len] = '\0';
		struct sse_event ev = {
			.event = s->event_len ? s->event : "message",
			.data = s->data ? s->data : empty,
			.data_len = s->data_len,
			.truncated = s->truncated,
		};
		s->events++;
		if (s->truncated)
			s->truncated_events++;
		if (cb)
			cb(ud, &ev);
	}
	s->data_len = 0;
	s->data_seen = false;
	s->truncated = false;
	s->event_len = 0;
}

/* The field name is complete (a colon, or the end of a line without one). */
static void field_done(struct sse_parser *s)
{
	s->target = T_IGNORE;
	if (s->field_len == 4 && !memcmp(s->field, "data", 4)) {
		if (s->data_seen)
			data_put(s, "\n", 1);
		s->data_seen = true;
		s->target = T_DATA;
	} else if (s->field_len == 5 && !memcmp(s->field, "event", 5)) {
		s->event_len = 0;
		s->target = T_EVENT;
	}
}

static void line_end(struct sse_parser *s, sse_event_cb cb, void *ud)
{
	if (s->state == S_FIELD) {
		if (s->field_len == 0) {
			dispatch(s, cb, ud);
		} else {
			field_done(s); /* "data" alone: an empty data line */
		}
	}
	s->state = S_FIELD;
	s->field_len = 0;
	s->target = T_IGNORE;
}

/* Appends a run of value bytes [p, p+n) with no line end in it. */
static void value_put(struct sse_parser *s, const char *p, size_t n)
{
	if (s->target == T_DATA) {
		data_put(s, p, n);
	} else if (s->target == T_EVENT) {
		size_t room = SSE_EVENT_NAME_MAX - 1 - s->event_len;
		if (n > room)
			n = room;
		memcpy(s->event + s->event_len, p, n);
		s->event_len += n;
	}
}

void sse_feed(struct sse_parser *s, const char *p, size_t n, sse_event_cb cb, void *ud)
{
	size_t i = 0;
	/* A UTF-8 byte-order mark may open the stream. */
	while (!s->started && i < n) {
		static const unsigned char bom[3] = { 0xEF, 0xBB, 0xBF };
		if ((unsigned char)p[i] == bom[s->field_len]) {
			i++;
			if (++s->field_len == 3) {
				s->field_len = 0;
				s->started = true;
			}
		} else {
			s->field_len = 0;
			s->started = true;
		}
	}
	while (i < n) {
		char c = p[i];
		if (s->after_cr) {
			s->after_cr = false;
			if (c == '\n') {
				i++;
				continue;
			}
		}
		if (c == '\r' || c == '\n') {
			s->after_cr = c == '\r';
			line_end(s, cb, ud);
			i++;
			continue;
		}
		switch (s->state) {
		case S_FIELD:
			if (c == ':') {
				if (s->field_len == 0) {
					s->state = S_IGNORE; /* a comment line */
				} else {
					field_done(s);
					s->state = S_VALUE_START;
				}
			} else if (s->field_len < SSE_FIELD_MAX) {
				s->field[s->field_len++] = c;
			}
			/* else: a field name too long to be one we know; it stays
			 * unmatched (field_len == SSE_FIELD_MAX) */
			i++;
			break;
		case S_VALUE_START:
			s->state = S_VALUE;
			if (c == ' ') {
				i++;
				break;
			}
			/* fallthrough */
		case S_VALUE: {
			size_t j = i;
			while (j < n && p[j] != '\r' && p[j] != '\n')
				j++;
			value_put(s, p + i, j - i);
			i = j;
			break;
		}
		default: { /* S_IGNORE */
			size_t j = i;
			while (j < n && p[j] != '\r' && p[j] != '\n')
				j++;
			i = j;
			break;
		}
		}
	}
}
