/* One JSON-RPC 2.0 message of the Model Context Protocol, classified: what
 * kind it is, its method and id, and the few parameters that name what the
 * call is about (the tool, the prompt, the resource URI). Tool arguments
 * and results are content: they are copied out only when the caller asks
 * (--capture-content), never otherwise.
 *
 * A message too long to keep whole (see jsonrpc_framer.h) is not parsed;
 * its head and tail are scanned instead for the top-level "id", "method",
 * "error" and params "name", so that a 5 MB tool result still ends its
 * span. */
#ifndef JSONRPC_MSG_H
#define JSONRPC_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jsonrpc_kind {
	JR_INVALID = 0,   /* not JSON-RPC (or not JSON) */
	JR_REQUEST,       /* method and id */
	JR_NOTIFICATION,  /* method, no id */
	JR_RESULT,        /* id and result */
	JR_ERROR,         /* id (maybe null) and error */
};

enum jsonrpc_id_type { JID_NONE = 0, JID_NUM, JID_STR, JID_NULL };

/* Ids compare by type and text: 5 and "5" are different requests. */
#define JSONRPC_ID_MAX 64
struct jsonrpc_id {
	enum jsonrpc_id_type type;
	char text[JSONRPC_ID_MAX]; /* a number as its shortest exact text */
};

#define JSONRPC_METHOD_MAX 64
#define JSONRPC_NAME_MAX 128
#define JSONRPC_URI_MAX 256
#define JSONRPC_VERSION_MAX 32
#define JSONRPC_TRACEPARENT_MAX 56
#define JSONRPC_ERRMSG_MAX 128
/* Captured content is cut to this many bytes. */
#define JSONRPC_CONTENT_MAX (64u << 10)

struct jsonrpc_msg {
	enum jsonrpc_kind kind;
	char method[JSONRPC_METHOD_MAX];
	struct jsonrpc_id id;
	char name[JSONRPC_NAME_MAX];  /* params.name: tools/call, prompts/get */
	char uri[JSONRPC_URI_MAX];    /* params.uri: resources/read, (un)subscribe, updated */
	char protocol_version[JSONRPC_VERSION_MAX]; /* initialize: params or result */
	char traceparent[JSONRPC_TRACEPARENT_MAX];  /* params._meta.traceparent */
	bool is_error;                /* result.isError == true (a failed tool) */
	bool has_error_code;
	int64_t error_code;           /* error.code */
	char error_message[JSONRPC_ERRMSG_MAX];
	struct jsonrpc_id ref_id;     /* notifications/cancelled: params.requestId */
	bool salvaged;                /* read from a truncated message's head and tail */
	bool methods_truncated;       /* a field was longer than its slot (cut) */
	char *content;                /* capture_content only: params.arguments
				       * (requests) or result / error.data
				       * (responses), compact JSON; malloc'd */
};

/* Parses data[0..len) (need not be NUL-terminated). Messages of a batch
 * (a JSON array, MCP 2025-03-26) are handed to fn one by one; a single
 * message is handed once. Returns the number of messages handed over;
 * 0 when the input is not JSON-RPC (fn is then not called). msg passed to
 * fn is valid during the call only. */
typedef void (*jsonrpc_msg_fn)(void *ctx, const struct jsonrpc_msg *m);
int jsonrpc_msg_parse(const char *data, size_t len, bool capture_content,
		      jsonrpc_msg_fn fn, void *ctx);

/* A message cut short: head is its first bytes, tail (may be NULL) its last
 * ones. Fills what a scan can find with certainty; kind JR_INVALID when
 * neither a method nor an id was found. Never captures content. */
void jsonrpc_msg_salvage(const char *head, size_t head_len, const char *tail,
			 size_t tail_len, struct jsonrpc_msg *out);

bool jsonrpc_id_equal(const struct jsonrpc_id *a, const struct jsonrpc_id *b);
const char *jsonrpc_kind_name(enum jsonrpc_kind k);

#endif
