/* What http1.c (parser callbacks, bodies, exchanges) and http1_feed.c
 * (feeding, resynchronising, ending) share; not for use outside them. */
#ifndef TLS_HTTP1_INT_H
#define TLS_HTTP1_INT_H

#include <http_parser.h>

#include "source/tls/http1.h"
#include "source/tls/http1_sync.h"

enum { ROLE_UNKNOWN, ROLE_CLIENT, ROLE_SERVER };
enum { D_FRESH, D_SYNC, D_RESYNC };

struct dirstate {
	http_parser p;
	struct http1_conn *conn;
	int state;
	bool is_request;     /* once the role is known */
	bool in_msg;
	struct http1_sync sync; /* D_RESYNC: looking for a message start */
	bool skipped_any;    /* bytes given up since the last message start */
	/* the header being parsed */
	char field[32];
	size_t field_len;
	bool in_value;
	char *vtarget;
	size_t vcap, vlen;
	bool url_done;       /* '?' or '#' seen: the rest of the URL is not kept */
	bool interim;        /* a 1xx response: the real one follows */
	bool in_body;        /* between headers complete and message complete */
	bool gapped;         /* bytes of this body were lost: the rest is not kept */
	/* the message being parsed */
	struct http1_exchange *x;
	struct http1_body *body; /* NULL: body not kept */
	bool dec_on, sse_on;
	struct body_decoder dec;
	struct sse_parser sse;
	uint64_t ts;         /* timestamp of the chunk being parsed */
};

struct http1_conn {
	struct http1_ctx *ctx;
	int role;
	bool unparsed;
	struct dirstate d[2];
	struct http1_exchange *qhead, *qtail;
	size_t nq;
};

extern const http_parser_settings http1_settings;
/* The body being parsed in d is over (complete: its framing says so). */
void http1_body_end(struct dirstate *d, bool complete);
/* Tells the handler x is over (if it wanted it) and frees it. */
void http1_exchange_finish(struct http1_conn *c, struct http1_exchange *x, enum http1_outcome how);

#endif
