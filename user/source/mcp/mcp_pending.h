/* The bounded table of MCP requests still waiting for their response, as
 * each traced side saw them. Two indexes: by (pid, role, id), to match a
 * response with its request; by (conn, id) for requesters, so that the
 * responder's side of the same request (the traced server that read it)
 * can find the client span to become its child. When full, the oldest
 * request is evicted (and counted by the caller). */
#ifndef MCP_PENDING_H
#define MCP_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "jsonrpc_msg.h"

enum mcp_role { MCP_ROLE_CLIENT = 1, MCP_ROLE_SERVER = 2 }; /* sent it / received it */

struct mcp_pending {
	/* index links (owned by the table) */
	struct mcp_pending *by_proc_next, **by_proc_pprev;
	struct mcp_pending *by_conn_next, **by_conn_pprev;
	struct mcp_pending *older, *newer;
	uint64_t seq; /* insertion order: the oldest candidate wins a tie */

	/* the request */
	enum mcp_role role;
	uint32_t pid, tid;
	uint64_t conn;           /* the stream it travelled on */
	uint64_t session_hash;   /* of Mcp-Session-Id, 0 for none */
	int transport;           /* enum mcp_transport */
	struct jsonrpc_id id;
	char method[JSONRPC_METHOD_MAX];
	char name[JSONRPC_NAME_MAX];
	char uri[JSONRPC_URI_MAX];
	char protocol_version[JSONRPC_VERSION_MAX];
	char session_id[64];
	uint64_t start_ns;
	bool truncated;
	char *arguments;         /* content (capture_content only), owned */

	/* trace context, decided when it was seen (re-checked at the end) */
	uint64_t trace_hi, trace_lo, span_id, parent_span_id;
	bool parent_remote;      /* from params._meta.traceparent */
	bool parent_stitched;    /* the traced peer's CLIENT span */
	bool parent_llm;         /* the LLM call whose answer asked for it (tool_calls.h) */

	/* its end, set by the tracker's finish(): a SERVER operation whose
	 * client is not known yet is held a while (mcp_hold.h) with it */
	int outcome;             /* enum mcp_outcome */
	uint64_t end_ns;
	char error_type[24];
	char *error_message;     /* owned, NULL: none */
	char *result;            /* content (capture_content only), owned */
	struct mcp_pending *held_next;
	uint64_t held_round;     /* the poll round it was held in */
};

struct mcp_pending_table;

struct mcp_pending_table *mcp_pending_new(size_t max);
void mcp_pending_free(struct mcp_pending_table *t); /* frees what is left */
size_t mcp_pending_count(const struct mcp_pending_table *t);

/* Takes p (malloc'd, fields filled) into the table. When the table is full
 * the oldest entry is unlinked and returned for the caller to count and
 * free; NULL otherwise. */
struct mcp_pending *mcp_pending_add(struct mcp_pending_table *t, struct mcp_pending *p);
/* Unlinks p; the caller frees it (mcp_pending_destroy). */
void mcp_pending_remove(struct mcp_pending_table *t, struct mcp_pending *p);
void mcp_pending_destroy(struct mcp_pending *p);

/* The entry of (pid, role, id) that score rates highest (0: not a
 * candidate); on a tie, the oldest. *candidates counts those rated above 0. */
typedef int (*mcp_pending_score_fn)(void *ctx, const struct mcp_pending *p);
struct mcp_pending *mcp_pending_best(struct mcp_pending_table *t, uint32_t pid, enum mcp_role role,
				     const struct jsonrpc_id *id, mcp_pending_score_fn score,
				     void *ctx, int *candidates);
/* The requester's entry of the request (conn, id) seen from another pid. */
struct mcp_pending *mcp_pending_find_client(struct mcp_pending_table *t, uint64_t conn,
					    const struct jsonrpc_id *id, uint32_t not_pid);
/* Requests whose CLIENT side is over, remembered for the SERVER side that
 * has not read them yet: a client that cancels a request right after
 * sending it ends its operation before the server even reads the two
 * together. A fixed table: a newer request takes an older one's slot. */
struct mcp_recent {
	uint64_t conn, trace_hi, trace_lo, span_id;
	uint32_t pid;
	struct jsonrpc_id id;
};
void mcp_pending_remember(struct mcp_pending_table *t, const struct mcp_pending *client);
/* The remembered CLIENT side of (conn, id) seen from another pid, NULL if none. */
const struct mcp_recent *mcp_pending_recall(const struct mcp_pending_table *t, uint64_t conn,
					    const struct jsonrpc_id *id, uint32_t not_pid);

/* The oldest entry, for timeouts and exits. */
struct mcp_pending *mcp_pending_oldest(struct mcp_pending_table *t);
struct mcp_pending *mcp_pending_newer(struct mcp_pending *p);
struct mcp_pending *mcp_pending_newest(struct mcp_pending_table *t);
struct mcp_pending *mcp_pending_older(struct mcp_pending *p);

#endif
