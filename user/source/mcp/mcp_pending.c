#include <stdlib.h>
#include <string.h>
#include "mcp_pending.h"

#define RECENT_SLOTS 4096

struct mcp_pending_table {
	struct mcp_pending **by_proc, **by_conn;
	struct mcp_recent recent[RECENT_SLOTS];
	size_t mask; /* buckets - 1 */
	size_t count, max;
	uint64_t seq;
	struct mcp_pending *oldest, *newest;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 29);
}

static uint64_t id_hash(const struct jsonrpc_id *id)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)id->type;

	for (const char *c = id->text; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	return h;
}

static size_t proc_bucket(const struct mcp_pending_table *t, uint32_t pid, enum mcp_role role,
			  const struct jsonrpc_id *id)
{
	return mix(mix(id_hash(id), pid), (uint64_t)role) & t->mask;
}

static size_t conn_bucket(const struct mcp_pending_table *t, uint64_t conn,
			  const struct jsonrpc_id *id)
{
	return mix(id_hash(id), conn) & t->mask;
}

struct mcp_pending_table *mcp_pending_new(size_t max)
{
	struct mcp_pending_table *t = calloc(1, sizeof(*t));
	size_t buckets = 1024;

	if (!t)
		return NULL;
	if (max < 1)
		max = 1;
	while (buckets < max * 2 && buckets < ((size_t)1 << 24))
		buckets *= 2;
	t->by_proc = calloc(buckets, sizeof(*t->by_proc));
	t->by_conn = calloc(buckets, sizeof(*t->by_conn));
	if (!t->by_proc || !t->by_conn) {
		mcp_pending_free(t);
		return NULL;
	}
	t->mask = buckets - 1;
	t->max = max;
	return t;
}

void mcp_pending_destroy(struct mcp_pending *p)
{
	if (!p)
		return;
	free(p->arguments);
	free(p->error_message);
	free(p->result);
	free(p);
}

void mcp_pending_free(struct mcp_pending_table *t)
{
	if (!t)
		return;
	while (t->oldest) {
		struct mcp_pending *p = t->oldest;
		mcp_pending_remove(t, p);
		mcp_pending_destroy(p);
	}
	free(t->by_proc);
	free(t->by_conn);
	free(t);
}

size_t mcp_pending_count(const struct mcp_pending_table *t)
{
	return t->count;
}

static void link_proc(struct mcp_pending **head, struct mcp_pending *p)
{
	p->by_proc_next = *head;
	if (*head)
		(*head)->by_proc_pprev = &p->by_proc_next;
	*head = p;
	p->by_proc_pprev = head;
}

static void link_conn(struct mcp_pending **head, struct mcp_pending *p)
{
	p->by_conn_next = *head;
	if (*head)
		(*head)->by_conn_pprev = &p->by_conn_next;
	*head = p;
	p->by_conn_pprev = head;
}

struct mcp_pending *mcp_pending_add(struct mcp_pending_table *t, struct mcp_pending *p)
{
	struct mcp_pending *evicted = NULL;

	if (t->count >= t->max) {
		evicted = t->oldest;
		mcp_pending_remove(t, evicted);
	}
	p->seq = ++t->seq;
	link_proc(&t->by_proc[proc_bucket(t, p->pid, p->role, &p->id)], p);
	if (p->role == MCP_ROLE_CLIENT)
		link_conn(&t->by_conn[conn_bucket(t, p->conn, &p->id)], p);
	else
		p->by_conn_pprev = NULL;
	p->older = t->newest;
	p->newer = NULL;
	if (t->newest)
		t->newest->newer = p;
	else
		t->oldest = p;
	t->newest = p;
	t->count++;
	return evicted;
}

void mcp_pending_remove(struct mcp_pending_table *t, struct mcp_pending *p)
{
	*p->by_proc_pprev = p->by_proc_next;
	if (p->by_proc_next)
		p->by_proc_next->by_proc_pprev = p->by_proc_pprev;
	if (p->by_conn_pprev) {
		*p->by_conn_pprev = p->by_conn_next;
		if (p->by_conn_next)
			p->by_conn_next->by_conn_pprev = p->by_conn_pprev;
	}
	if (p->older)
		p->older->newer = p->newer;
	else
		t->oldest = p->newer;
	if (p->newer)
		p->newer->older = p->older;
	else
		t->newest = p->older;
	p->by_proc_next = p->by_conn_next = p->older = p->newer = NULL;
	p->by_proc_pprev = p->by_conn_pprev = NULL;
	t->count--;
}

struct mcp_pending *mcp_pending_best(struct mcp_pending_table *t, uint32_t pid, enum mcp_role role,
				     const struct jsonrpc_id *id, mcp_pending_score_fn score,
				     void *ctx, int *candidates)
{
	struct mcp_pending *best = NULL;
	int best_score = 0, n = 0;

	for (struct mcp_pending *p = t->by_proc[proc_bucket(t, pid, role, id)]; p; p = p->by_proc_next) {
		if (p->pid != pid || p->role != role || !jsonrpc_id_equal(&p->id, id))
			continue;
		int s = score(ctx, p);
		if (s <= 0)
			continue;
		n++;
		if (s > best_score || (s == best_score && p->seq < best->seq)) {
			best = p;
			best_score = s;
		}
	}
	if (candidates)
		*candidates = n;
	return best;
}

struct mcp_pending *mcp_pending_find_client(struct mcp_pending_table *t, uint64_t conn,
					    const struct jsonrpc_id *id, uint32_t not_pid)
{
	struct mcp_pending *best = NULL;

	for (struct mcp_pending *p = t->by_conn[conn_bucket(t, conn, id)]; p; p = p->by_conn_next)
		if (p->conn == conn && p->pid != not_pid && jsonrpc_id_equal(&p->id, id) &&
		    (!best || p->seq < best->seq))
			best = p;
	return best;
}

void mcp_pending_remember(struct mcp_pending_table *t, const struct mcp_pending *client)
{
	struct mcp_recent *r = &t->recent[conn_bucket(t, client->conn, &client->id) % RECENT_SLOTS];

	r->conn = client->conn;
	r->pid = client->pid;
	r->id = client->id;
	r->trace_hi = client->trace_hi;
	r->trace_lo = client->trace_lo;
	r->span_id = client->span_id;
}

const struct mcp_recent *mcp_pending_recall(const struct mcp_pending_table *t, uint64_t conn,
					    const struct jsonrpc_id *id, uint32_t not_pid)
{
	const struct mcp_recent *r = &t->recent[conn_bucket(t, conn, id) % RECENT_SLOTS];

	if (!r->span_id || r->conn != conn || r->pid == not_pid || !jsonrpc_id_equal(&r->id, id))
		return NULL;
	return r;
}

struct mcp_pending *mcp_pending_oldest(struct mcp_pending_table *t)
{
	return t->oldest;
}

struct mcp_pending *mcp_pending_newer(struct mcp_pending *p)
{
	return p->newer;
}

struct mcp_pending *mcp_pending_newest(struct mcp_pending_table *t)
{
	return t->newest;
}

struct mcp_pending *mcp_pending_older(struct mcp_pending *p)
{
	return p->older;
}
