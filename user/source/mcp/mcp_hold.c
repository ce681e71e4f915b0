/* Finished SERVER operations held back: see mcp_hold.h. */
#include "mcp_hold.h"

struct mcp_pending *mcp_hold_put(struct mcp_hold *h, struct mcp_pending *p, uint64_t round)
{
	struct mcp_pending *out = NULL;

	if (h->n >= MCP_HOLD_MAX)
		out = mcp_hold_take_before(h, UINT64_MAX, 0);
	p->held_round = round;
	p->held_next = NULL;
	if (h->tail)
		h->tail->held_next = p;
	else
		h->head = p;
	h->tail = p;
	h->n++;
	return out;
}

/* Takes the first entry for which want() holds. */
static struct mcp_pending *take(struct mcp_hold *h, int (*want)(const struct mcp_pending *p, const void *k),
				const void *k)
{
	struct mcp_pending *prev = NULL;

	for (struct mcp_pending *p = h->head; p; prev = p, p = p->held_next) {
		if (!want(p, k))
			continue;
		if (prev)
			prev->held_next = p->held_next;
		else
			h->head = p->held_next;
		if (h->tail == p)
			h->tail = prev;
		p->held_next = NULL;
		h->n--;
		return p;
	}
	return NULL;
}

struct match_key {
	uint64_t conn;
	const struct jsonrpc_id *id;
	uint32_t not_pid;
};

static int same_request(const struct mcp_pending *p, const void *k)
{
	const struct match_key *m = k;

	return p->conn == m->conn && p->pid != m->not_pid && jsonrpc_id_equal(&p->id, m->id);
}

struct mcp_pending *mcp_hold_take_match(struct mcp_hold *h, uint64_t conn, const struct jsonrpc_id *id,
					uint32_t not_pid)
{
	struct match_key m = {conn, id, not_pid};

	return take(h, same_request, &m);
}

struct due_key {
	uint64_t round;
	uint32_t pid;
};

static int due(const struct mcp_pending *p, const void *k)
{
	const struct due_key *d = k;

	return (d->round == UINT64_MAX || p->held_round < d->round) && (!d->pid || p->pid == d->pid);
}

struct mcp_pending *mcp_hold_take_before(struct mcp_hold *h, uint64_t round, uint32_t pid)
{
	struct due_key d = {round, pid};

	return take(h, due, &d);
}
