/* The connection table: see tls_conn.h. A chained hash for lookup and a
 * doubly linked list in use order for eviction. */
#include "source/tls/tls_conn.h"

#include <stdlib.h>
#include <string.h>

static size_t bucket(const struct tls_conn_table *t, uint32_t pid, uint64_t ssl)
{
	uint64_t h = (ssl ^ ((uint64_t)pid << 32 | pid)) * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 32) & (t->nbuckets - 1);
}

int tls_conn_table_init(struct tls_conn_table *t, struct http1_ctx *http, size_t max_conns)
{
	memset(t, 0, sizeof(*t));
	t->http = http;
	t->max_conns = max_conns ? max_conns : TLS_CONN_DEFAULT_MAX;
	t->nbuckets = 64;
	while (t->nbuckets < t->max_conns)
		t->nbuckets *= 2;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	return t->buckets ? 0 : -1;
}

static void lru_unlink(struct tls_conn_table *t, struct tls_conn *c)
{
	if (c->lprev)
		c->lprev->lnext = c->lnext;
	else
		t->lru_head = c->lnext;
	if (c->lnext)
		c->lnext->lprev = c->lprev;
	else
		t->lru_tail = c->lprev;
	c->lprev = c->lnext = NULL;
}

static void lru_push(struct tls_conn_table *t, struct tls_conn *c)
{
	c->lnext = t->lru_head;
	c->lprev = NULL;
	if (t->lru_head)
		t->lru_head->lprev = c;
	t->lru_head = c;
	if (!t->lru_tail)
		t->lru_tail = c;
}

static struct tls_conn *find(struct tls_conn_table *t, uint32_t pid, uint64_t ssl)
{
	for (struct tls_conn *c = t->buckets[bucket(t, pid, ssl)]; c; c = c->hnext)
		if (c->pid == pid && c->ssl == ssl)
			return c;
	return NULL;
}

/* Unlinks c from the table and ends it: closed (its end was seen) or
 * abandoned (evicted, tracer stopping). */
static void remove_conn(struct tls_conn_table *t, struct tls_conn *c, bool closed, uint64_t ts_ns)
{
	struct tls_conn **pp = &t->buckets[bucket(t, c->pid, c->ssl)];
	while (*pp && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = c->hnext;
	lru_unlink(t, c);
	t->n--;
	if (closed)
		http1_close(c->http, ts_ns);
	else
		http1_abandon(c->http);
	free(c);
}

struct tls_conn *tls_conn_get(struct tls_conn_table *t, uint32_t pid, uint64_t ssl, uint64_t now_ns)
{
	struct tls_conn *c = find(t, pid, ssl);
	if (c) {
		lru_unlink(t, c);
		lru_push(t, c);
		c->last_ns = now_ns;
		return c;
	}
	if (t->n >= t->max_conns && t->lru_tail) {
		t->st.evicted++;
		remove_conn(t, t->lru_tail, false, now_ns);
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->http = http1_conn_new(t->http);
	if (!c->http) {
		free(c);
		return NULL;
	}
	c->pid = pid;
	c->ssl = ssl;
	c->last_ns = now_ns;
	size_t b = bucket(t, pid, ssl);
	c->hnext = t->buckets[b];
	t->buckets[b] = c;
	lru_push(t, c);
	t->n++;
	t->st.opened++;
	return c;
}

void tls_conn_data(struct tls_conn_table *t, uint32_t pid, uint64_t ssl, enum tls_dir dir, const char *p,
		   size_t n, uint64_t ts_ns)
{
	struct tls_conn *c = tls_conn_get(t, pid, ssl, ts_ns);
	if (!c || dir > TLS_DIR_READ)
		return;
	c->bytes[dir] += n;
	http1_feed(c->http, dir, p, n, ts_ns);
}

void tls_conn_close(struct tls_conn_table *t, uint32_t pid, uint64_t ssl, uint64_t ts_ns)
{
	struct tls_conn *c = find(t, pid, ssl);
	if (!c)
		return;
	t->st.closed++;
	remove_conn(t, c, true, ts_ns);
}

void tls_conn_close_pid(struct tls_conn_table *t, uint32_t pid, uint64_t ts_ns)
{
	struct tls_conn *c = t->lru_head;
	while (c) {
		struct tls_conn *next = c->lnext;
		if (c->pid == pid) {
			t->st.exited++;
			remove_conn(t, c, true, ts_ns);
		}
		c = next;
	}
}

void tls_conn_table_free(struct tls_conn_table *t)
{
	while (t->lru_head)
		remove_conn(t, t->lru_head, false, 0);
	free(t->buckets);
	t->buckets = NULL;
}
