/* Finding where an HTTP/1.x message starts in a byte stream joined in the
 * middle: a request line ("POST /v1/... HTTP/1.1") or a status line
 * ("HTTP/1.1 200 ") at the start of a line or of a chunk (one SSL_write or
 * SSL_read), or the HTTP/2 client preface.
 * A start cut by the end of a chunk is carried to the next one. */
#ifndef TLS_HTTP1_SYNC_H
#define TLS_HTTP1_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum http1_start {
	START_NONE = 0,
	START_REQUEST = 1,
	START_RESPONSE = 2,
	START_H2 = 4, /* "PRI * HTTP/2.0": the HTTP/2 client preface */
	START_NEED_MORE = 8,
};

#define HTTP1_SYNC_CARRY 16

struct http1_sync {
	char carry[HTTP1_SYNC_CARRY]; /* a possible start cut at a chunk's end */
	size_t carry_len;
};

/* Which start (of the kinds asked, a mask) p begins with; START_NEED_MORE
 * when p is too short to tell but could begin one. */
int http1_start_kind(const char *p, size_t n, unsigned kinds);

/* Scans a chunk for a message start of the kinds asked. Found: returns the
 * kind; the message is s->carry[0..*carry_len) (copied to `carried`, then
 * cleared) followed by p[*off..n). Not found: returns START_NONE and the
 * chunk is skipped except a tail that could begin a start, kept in the
 * carry. *skipped gets the bytes given up either way. */
int http1_sync_scan(struct http1_sync *s, unsigned kinds, const char *p, size_t n,
		    size_t *off, char carried[HTTP1_SYNC_CARRY], size_t *carry_len, uint64_t *skipped);

#endif
