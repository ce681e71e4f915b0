/* The TLS connections the tracer follows, keyed by (pid, SSL *), each
 * owning its HTTP/1.1 reassembly state. Bounded: at max_conns the least
 * recently used connection is dropped (its open exchanges abandoned) and
 * counted, so that a process opening connections without end cannot grow
 * the tracer without bound. A connection is freed when it ends
 * (SSL_free/SSL_shutdown) or its process exits. */
#ifndef TLS_CONN_H
#define TLS_CONN_H

#include <stdint.h>

#include "source/tls/http1.h"

struct tls_conn {
	uint32_t pid;
	uint64_t ssl;
	struct http1_conn *http;
	uint64_t last_ns;
	uint64_t bytes[2];            /* by enum tls_dir */
	/* per direction: where the current SSL call's bytes are (the BPF side
	 * sends them in chunks; a missing chunk is a gap, see http1_gap) */
	uint32_t next_off[2], total[2];
	/* the thread that wrote the last request, and the native span open on
	 * it then: an LLM call's parent */
	uint32_t req_tid;
	unsigned long long req_parent_trace[2], req_parent_span;
	struct tls_conn *hnext;       /* hash chain */
	struct tls_conn *lprev, *lnext; /* LRU list, most recent first */
};

struct tls_conn_stats {
	uint64_t opened, closed, evicted, exited;
};

struct tls_conn_table {
	struct http1_ctx *http;
	size_t max_conns, n;
	struct tls_conn **buckets;
	size_t nbuckets; /* power of two */
	struct tls_conn *lru_head, *lru_tail;
	struct tls_conn_stats st;
};

#define TLS_CONN_DEFAULT_MAX 4096

int tls_conn_table_init(struct tls_conn_table *t, struct http1_ctx *http, size_t max_conns);
/* The connection (pid, ssl), made if new (evicting the oldest when full);
 * NULL only when out of memory. Marks it most recently used. */
struct tls_conn *tls_conn_get(struct tls_conn_table *t, uint32_t pid, uint64_t ssl, uint64_t now_ns);
/* Plaintext of one SSL_read/SSL_write on (pid, ssl). */
void tls_conn_data(struct tls_conn_table *t, uint32_t pid, uint64_t ssl, enum tls_dir dir, const char *p,
		   size_t n, uint64_t ts_ns);
/* The connection ended: its last exchanges end (see http1_close). */
void tls_conn_close(struct tls_conn_table *t, uint32_t pid, uint64_t ssl, uint64_t ts_ns);
/* The process exited: every connection of it ends. */
void tls_conn_close_pid(struct tls_conn_table *t, uint32_t pid, uint64_t ts_ns);
/* Drops everything (tracer stopping): open exchanges are abandoned. */
void tls_conn_table_free(struct tls_conn_table *t);

#endif
