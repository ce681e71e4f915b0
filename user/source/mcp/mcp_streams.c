/* The mcp source's stream table: see mcp_streams.h. */
#include "source/mcp/mcp_streams.h"

#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096
#define STD_SLOTS 1024 /* processes whose fd 0/1 pipes are remembered */

struct std_fds {
	uint32_t pid;
	uint64_t conn[2]; /* fd 0, fd 1 */
};

struct mcp_streams {
	struct mcp_stream *buckets[BUCKETS];
	struct mcp_stream *oldest, *newest;
	size_t n, max, max_msg;
	uint64_t evicted;
	mcp_stream_drop_fn drop;
	void *ctx;
	struct std_fds std[STD_SLOTS];
};

static size_t bucket(uint32_t pid, uint64_t stream)
{
	uint64_t h = (stream ^ ((uint64_t)pid << 32)) * 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 40) % BUCKETS;
}

struct mcp_streams *mcp_streams_new(size_t max, size_t max_msg, mcp_stream_drop_fn drop, void *ctx)
{
	struct mcp_streams *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->max = max ? max : 4096;
	t->max_msg = max_msg;
	t->drop = drop;
	t->ctx = ctx;
	return t;
}

static void unlink_lru(struct mcp_streams *t, struct mcp_stream *s)
{
	if (s->older)
		s->older->newer = s->newer;
	else
		t->oldest = s->newer;
	if (s->newer)
		s->newer->older = s->older;
	else
		t->newest = s->older;
	s->older = s->newer = NULL;
}

static void push_newest(struct mcp_streams *t, struct mcp_stream *s)
{
	s->older = t->newest;
	s->newer = NULL;
	if (t->newest)
		t->newest->newer = s;
	else
		t->oldest = s;
	t->newest = s;
}

static void destroy(struct mcp_streams *t, struct mcp_stream *s)
{
	for (struct mcp_stream **pp = &t->buckets[bucket(s->pid, s->stream)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == s) {
			*pp = s->hnext;
			break;
		}
	}
	unlink_lru(t, s);
	if (t->drop)
		t->drop(t->ctx, s);
	jsonrpc_framer_free(&s->fr[0]);
	jsonrpc_framer_free(&s->fr[1]);
	free(s);
	t->n--;
}

void mcp_streams_free(struct mcp_streams *t)
{
	if (!t)
		return;
	while (t->oldest)
		destroy(t, t->oldest);
	free(t);
}

struct mcp_stream *mcp_streams_get(struct mcp_streams *t, uint32_t pid, uint64_t stream, bool create)
{
	size_t b = bucket(pid, stream);

	for (struct mcp_stream *s = t->buckets[b]; s; s = s->hnext) {
		if (s->pid == pid && s->stream == stream) {
			unlink_lru(t, s);
			push_newest(t, s);
			return s;
		}
	}
	if (!create)
		return NULL;
	if (t->n >= t->max && t->oldest) {
		t->evicted++;
		destroy(t, t->oldest);
	}
	struct mcp_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->pid = pid;
	s->stream = stream;
	jsonrpc_framer_init(&s->fr[0], t->max_msg, false);
	jsonrpc_framer_init(&s->fr[1], t->max_msg, false);
	s->hnext = t->buckets[b];
	t->buckets[b] = s;
	push_newest(t, s);
	t->n++;
	return s;
}

void mcp_streams_drop_pid(struct mcp_streams *t, uint32_t pid)
{
	for (struct mcp_stream *s = t->oldest, *next; s; s = next) {
		next = s->newer;
		if (s->pid == pid)
			destroy(t, s);
	}
	struct std_fds *e = &t->std[pid % STD_SLOTS];
	if (e->pid == pid)
		memset(e, 0, sizeof(*e));
}

size_t mcp_streams_count(const struct mcp_streams *t)
{
	return t->n;
}

uint64_t mcp_streams_evicted(const struct mcp_streams *t)
{
	return t->evicted;
}

void mcp_streams_note_fd(struct mcp_streams *t, uint32_t pid, uint32_t fd, uint64_t conn)
{
	if (fd > 1)
		return;
	struct std_fds *e = &t->std[pid % STD_SLOTS];
	if (e->pid != pid) /* a slot shared with another process: the newest wins */
		memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->conn[fd] = conn;
}

uint64_t mcp_streams_std_peer(const struct mcp_streams *t, uint32_t pid, uint32_t fd)
{
	const struct std_fds *e = &t->std[pid % STD_SLOTS];

	if (fd > 1 || e->pid != pid)
		return 0;
	return e->conn[fd ^ 1];
}
