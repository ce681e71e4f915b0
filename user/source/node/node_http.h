/* The two HTTP exchanges with a Node.js inspector, on a connected socket:
 * GET /json/list (which debug targets it offers, with their websocket
 * URLs) and the websocket upgrade (RFC 6455 section 4.1, the accept key
 * checked). Responses are parsed with http_parser; each call has a
 * deadline, as the peer is a process we do not control. */
#ifndef NODE_HTTP_H
#define NODE_HTTP_H

#include <stddef.h>

/* GET path; the response body (malloc'd, NUL-terminated) in *body when the
 * status is 200. 0, or -1 with err set. host is "127.0.0.1:9229"-style:
 * node answers only requests whose Host is an IP address or localhost. */
int http_get_body(int fd, const char *host, const char *path, int timeout_ms, char **body,
		  char *err, size_t errlen);

/* The websocket opening handshake for path; 0 when the server switched
 * protocols with the right Sec-WebSocket-Accept, -1 with err set. */
int ws_handshake(int fd, const char *host, const char *path, int timeout_ms, char *err,
		 size_t errlen);

/* Sec-WebSocket-Accept for a key: base64(SHA-1(key GUID)); out >= 29 bytes. */
void ws_accept_key(const char *key, char *out, size_t outlen);

/* Milliseconds left until deadline_ms (CLOCK_MONOTONIC), at least 0. */
int ms_left(long long deadline_ms);
long long now_ms(void);

#endif
