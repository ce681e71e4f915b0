/* http_get_body, ws_handshake: one request, one response, a deadline. */
#include <errno.h>
#include <http_parser.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include "node_http.h"

#define HTTP_MAX_RESPONSE (1 << 20) /* /json/list of one process: a few hundred bytes */

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ms_left(long long deadline_ms)
{
	long long l = deadline_ms - now_ms();

	return l > 0 ? (int)l : 0;
}

static int send_all(int fd, const char *p, size_t n, char *err, size_t errlen)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "sending to the inspector: %s", strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* What the parser callbacks collect. */
struct resp {
	char *body;
	size_t body_len;
	char accept[64];
	int last_was_accept; /* the header field just read was Sec-WebSocket-Accept */
	int done;            /* message (or, for an upgrade, headers) complete */
};

static int on_field(http_parser *p, const char *at, size_t len)
{
	struct resp *r = p->data;

	r->last_was_accept = len == 20 && !strncasecmp(at, "Sec-WebSocket-Accept", 20);
	return 0;
}

static int on_value(http_parser *p, const char *at, size_t len)
{
	struct resp *r = p->data;

	if (r->last_was_accept && len < sizeof(r->accept)) {
		memcpy(r->accept, at, len);
		r->accept[len] = 0;
	}
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct resp *r = p->data;

	if (r->body_len + len > HTTP_MAX_RESPONSE)
		return -1;
	char *nb = realloc(r->body, r->body_len + len + 1);

	if (!nb)
		return -1;
	memcpy(nb + r->body_len, at, len);
	r->body = nb;
	r->body_len += len;
	r->body[r->body_len] = 0;
	return 0;
}

static int on_complete(http_parser *p)
{
	((struct resp *)p->data)->done = 1;
	return 0;
}

static int on_headers(http_parser *p)
{
	/* A 101 has no body: the websocket starts right after the headers. */
	if (p->status_code == 101)
		((struct resp *)p->data)->done = 1;
	return 0;
}

/* Sends req and parses the response until complete; status code or -1. */
static int exchange(int fd, const char *req, int timeout_ms, struct resp *r, char *err,
		    size_t errlen)
{
	http_parser_settings s = {.on_header_field = on_field,
				  .on_header_value = on_value,
				  .on_body = on_body,
				  .on_headers_complete = on_headers,
				  .on_message_complete = on_complete};
	http_parser p;
	long long deadline = now_ms() + timeout_ms;

	memset(r, 0, sizeof(*r));
	http_parser_init(&p, HTTP_RESPONSE);
	p.data = r;
	if (send_all(fd, req, strlen(req), err, errlen) < 0)
		return -1;
	while (!r->done) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		char buf[4096];
		int pr = poll(&pfd, 1, ms_left(deadline));

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			snprintf(err, errlen, "the inspector did not answer in %d ms", timeout_ms);
			return -1;
		}
		/* Byte by byte would be slow; MSG_PEEK then consume only what the
		 * parser took, so websocket frames after a 101 stay in the socket. */
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK);

		if (n < 0 && errno == EINTR)
			continue;
		size_t used = n > 0 ? http_parser_execute(&p, &s, buf, (size_t)n)
				    : http_parser_execute(&p, &s, NULL, 0); /* EOF ends a body */
		if (n > 0 && recv(fd, buf, used, 0) != (ssize_t)used)
			n = -1;
		if (n <= 0 && !r->done) {
			snprintf(err, errlen, "the inspector closed the connection mid-response");
			return -1;
		}
		if (!r->done && HTTP_PARSER_ERRNO(&p) != HPE_OK) {
			snprintf(err, errlen, "the inspector's HTTP response is malformed (%s)",
				 http_errno_name(HTTP_PARSER_ERRNO(&p)));
			return -1;
		}
	}
	return (int)p.status_code;
}

int http_get_body(int fd, const char *host, const char *path, int timeout_ms, char **body,
		  char *err, size_t errlen)
{
	char req[512];
	struct resp r;

	*body = NULL;
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
		 path, host);
	int st = exchange(fd, req, timeout_ms, &r, err, errlen);

	if (st == 200 && r.body) {
		*body = r.body;
		return 0;
	}
	if (st >= 0)
		snprintf(err, errlen, "GET %s: HTTP status %d", path, st);
	free(r.body);
	return -1;
}

void ws_accept_key(const char *key, char *out, size_t outlen)
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char in[128], md[SHA_DIGEST_LENGTH];
	size_t kl = strlen(key) < sizeof(in) - sizeof(guid) ? strlen(key) : 0;

	memcpy(in, key, kl);
	memcpy(in + kl, guid, sizeof(guid) - 1);
	SHA1(in, kl + sizeof(guid) - 1, md);
	if (outlen >= 29)
		EVP_EncodeBlock((unsigned char *)out, md, sizeof(md));
	else if (outlen)
		out[0] = 0;
}

int ws_handshake(int fd, const char *host, const char *path, int timeout_ms, char *err,
		 size_t errlen)
{
	unsigned char nonce[16];
	char key[32], want[32], req[1024];
	struct resp r;

	if (getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	EVP_EncodeBlock((unsigned char *)key, nonce, sizeof(nonce));
	ws_accept_key(key, want, sizeof(want));
	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		 path, host, key);
	int st = exchange(fd, req, timeout_ms, &r, err, errlen);

	free(r.body);
	if (st < 0)
		return -1;
	if (st != 101) {
		snprintf(err, errlen, "websocket upgrade refused: HTTP status %d", st);
		return -1;
	}
	if (strcmp(r.accept, want)) {
		snprintf(err, errlen, "websocket upgrade: wrong Sec-WebSocket-Accept \"%s\"",
			 r.accept);
		return -1;
	}
	return 0;
}
