/* What the MCP tracker knows about the channels it has seen: which two
 * pipes form one stdio conversation (requests go down one, responses come
 * back up the other), and the MCP sessions open on them, from `initialize`
 * to the end of the channel. Both tables are bounded. */
#ifndef MCP_CHANNELS_H
#define MCP_CHANNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mcp_pending.h"

struct mcp_session_rec {
	uint32_t pid;
	enum mcp_role role;      /* CLIENT: this pid sent `initialize` */
	uint64_t chan;           /* mcp_channels_chan() of its requests */
	int transport;           /* enum mcp_transport */
	uint64_t start_ns;       /* the initialize request */
	char protocol_version[JSONRPC_VERSION_MAX];
	char session_id[64];
};

struct mcp_channels;

struct mcp_channels *mcp_channels_new(size_t max_pairs, size_t max_sessions);
void mcp_channels_free(struct mcp_channels *c);

/* The stream paired with conn, 0 when none is known. */
uint64_t mcp_channels_peer(const struct mcp_channels *c, uint64_t conn);
/* Learns that a and b form one conversation. False when the table is full
 * or either is already paired with another stream. */
bool mcp_channels_pair(struct mcp_channels *c, uint64_t a, uint64_t b);
void mcp_channels_unpair(struct mcp_channels *c, uint64_t conn);
/* Forgets every pair (sessions stay). */
void mcp_channels_clear_pairs(struct mcp_channels *c);
/* One id for a conversation: the HTTP session when there is one, else the
 * smaller of a pipe pair, else the stream itself. Never 0 for conn != 0. */
uint64_t mcp_channels_chan(const struct mcp_channels *c, uint64_t conn, uint64_t session_hash);

/* The session of pid on chan; created (zeroed but for pid and chan) when
 * create is set and there is room. NULL otherwise. */
struct mcp_session_rec *mcp_channels_session(struct mcp_channels *c, uint32_t pid, uint64_t chan,
					     bool create);
void mcp_channels_session_remove(struct mcp_channels *c, struct mcp_session_rec *s);
/* Calls fn for every session of pid (fn may remove it). */
void mcp_channels_sessions_of(struct mcp_channels *c, uint32_t pid,
			      void (*fn)(void *ctx, struct mcp_session_rec *s), void *ctx);
size_t mcp_channels_session_count(const struct mcp_channels *c);

uint64_t mcp_hash_str(const char *s);

#endif
