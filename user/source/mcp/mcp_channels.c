#include <stdlib.h>
#include <string.h>
#include "mcp_channels.h"

#define BUCKETS 4096 /* both tables; chains stay short up to their caps */

struct pair_node {
	uint64_t conn, peer;
	struct pair_node *next;
};

struct sess_node {
	struct mcp_session_rec rec;
	struct sess_node *next;
};

struct mcp_channels {
	struct pair_node *pairs[BUCKETS];
	struct sess_node *sessions[BUCKETS];
	size_t npairs, max_pairs;
	size_t nsessions, max_sessions;
};

static size_t bucket(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL);
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return (size_t)(h >> 40) % BUCKETS;
}

uint64_t mcp_hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h | 1; /* never 0: 0 means "no session" */
}

struct mcp_channels *mcp_channels_new(size_t max_pairs, size_t max_sessions)
{
	struct mcp_channels *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->max_pairs = max_pairs;
	c->max_sessions = max_sessions;
	return c;
}

void mcp_channels_free(struct mcp_channels *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < BUCKETS; i++) {
		for (struct pair_node *n = c->pairs[i], *next; n; n = next) {
			next = n->next;
			free(n);
		}
		for (struct sess_node *n = c->sessions[i], *next; n; n = next) {
			next = n->next;
			free(n);
		}
	}
	free(c);
}

uint64_t mcp_channels_peer(const struct mcp_channels *c, uint64_t conn)
{
	for (struct pair_node *n = c->pairs[bucket(conn, 0)]; n; n = n->next)
		if (n->conn == conn)
			return n->peer;
	return 0;
}

static bool add_half(struct mcp_channels *c, uint64_t conn, uint64_t peer)
{
	struct pair_node *n = malloc(sizeof(*n));

	if (!n)
		return false;
	n->conn = conn;
	n->peer = peer;
	n->next = c->pairs[bucket(conn, 0)];
	c->pairs[bucket(conn, 0)] = n;
	c->npairs++;
	return true;
}

static void remove_half(struct mcp_channels *c, uint64_t conn)
{
	for (struct pair_node **pp = &c->pairs[bucket(conn, 0)]; *pp; pp = &(*pp)->next) {
		if ((*pp)->conn == conn) {
			struct pair_node *n = *pp;
			*pp = n->next;
			free(n);
			c->npairs--;
			return;
		}
	}
}

bool mcp_channels_pair(struct mcp_channels *c, uint64_t a, uint64_t b)
{
	uint64_t pa = mcp_channels_peer(c, a), pb = mcp_channels_peer(c, b);

	if (!a || !b || a == b)
		return false;
	if (pa == b && pb == a)
		return true;
	if (pa || pb || c->npairs + 2 > c->max_pairs)
		return false;
	if (!add_half(c, a, b))
		return false;
	if (!add_half(c, b, a)) {
		remove_half(c, a);
		return false;
	}
	return true;
}

void mcp_channels_unpair(struct mcp_channels *c, uint64_t conn)
{
	uint64_t peer = mcp_channels_peer(c, conn);

	if (!peer)
		return;
	remove_half(c, conn);
	remove_half(c, peer);
}

void mcp_channels_clear_pairs(struct mcp_channels *c)
{
	for (size_t i = 0; i < BUCKETS; i++) {
		for (struct pair_node *n = c->pairs[i], *next; n; n = next) {
			next = n->next;
			free(n);
		}
		c->pairs[i] = NULL;
	}
	c->npairs = 0;
}

uint64_t mcp_channels_chan(const struct mcp_channels *c, uint64_t conn, uint64_t session_hash)
{
	if (session_hash)
		return session_hash;
	uint64_t peer = mcp_channels_peer(c, conn);
	return peer && peer < conn ? peer : conn;
}

struct mcp_session_rec *mcp_channels_session(struct mcp_channels *c, uint32_t pid, uint64_t chan,
					     bool create)
{
	size_t b = bucket(chan, pid);

	for (struct sess_node *n = c->sessions[b]; n; n = n->next)
		if (n->rec.pid == pid && n->rec.chan == chan)
			return &n->rec;
	if (!create || c->nsessions >= c->max_sessions)
		return NULL;
	struct sess_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->rec.pid = pid;
	n->rec.chan = chan;
	n->next = c->sessions[b];
	c->sessions[b] = n;
	c->nsessions++;
	return &n->rec;
}

void mcp_channels_session_remove(struct mcp_channels *c, struct mcp_session_rec *s)
{
	for (struct sess_node **pp = &c->sessions[bucket(s->chan, s->pid)]; *pp; pp = &(*pp)->next) {
		if (&(*pp)->rec == s) {
			struct sess_node *n = *pp;
			*pp = n->next;
			free(n);
			c->nsessions--;
			return;
		}
	}
}

void mcp_channels_sessions_of(struct mcp_channels *c, uint32_t pid,
			      void (*fn)(void *ctx, struct mcp_session_rec *s), void *ctx)
{
	for (size_t i = 0; i < BUCKETS && c->nsessions; i++) {
		for (struct sess_node *n = c->sessions[i], *next; n; n = next) {
			next = n->next;
			if (n->rec.pid == pid)
				fn(ctx, &n->rec);
		}
	}
}

size_t mcp_channels_session_count(const struct mcp_channels *c)
{
	return c->nsessions;
}
