/* The TLS connection table (user/source/tls/tls_conn.c): lookup by
 * (pid, SSL *), bounded with eviction of the least recently used, ends
 * by SSL_free and by process exit. */
#include <stdio.h>
#include <stdlib.h>

#include "source/tls/tls_conn.h"
#include "test_tls_util.h"
#include "unit_test.h"

static const char req[] = "POST /v1/chat/completions HTTP/1.1\r\nHost: h\r\nContent-Length: 22\r\n\r\n"
			  "{\"model\":\"gpt-4o-mini\"}";
static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 73\r\n\r\n"
			   "{\"model\":\"gpt-4o-mini\",\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}";

static void test_table(void)
{
	struct rec r;
	rec_init(&r, false, NULL);
	struct tls_conn_table t;
	CHECK_EQ_INT(tls_conn_table_init(&t, &r.http, 3), 0);
	/* the same SSL pointer in two processes: two connections */
	tls_conn_data(&t, 10, 0xabc, TLS_DIR_WRITE, req, strlen(req), 1);
	tls_conn_data(&t, 11, 0xabc, TLS_DIR_WRITE, req, strlen(req), 2);
	CHECK_EQ_INT(t.n, 2);
	tls_conn_data(&t, 11, 0xabc, TLS_DIR_READ, resp, strlen(resp), 3);
	CHECK_EQ_INT(r.n, 1);
	CHECK_EQ_INT(r.calls[0].c.output_tokens, 2);
	struct tls_conn *c = tls_conn_get(&t, 11, 0xabc, 4);
	CHECK(c && c->bytes[TLS_DIR_WRITE] == strlen(req) && c->bytes[TLS_DIR_READ] == strlen(resp));

	/* SSL_free with a request unanswered: the call ends as no_response */
	tls_conn_close(&t, 10, 0xabc, 5);
	CHECK_EQ_INT(t.n, 1);
	CHECK_EQ_INT(r.n, 2);
	CHECK_STR_EQ(r.calls[1].c.error_type, "no_response");
	tls_conn_close(&t, 10, 0xabc, 5); /* twice: nothing */
	CHECK_EQ_INT(t.st.closed, 1);

	/* fill past the bound: the least recently used goes, abandoned */
	tls_conn_data(&t, 20, 1, TLS_DIR_WRITE, req, strlen(req), 6);  /* oldest, request open */
	tls_conn_data(&t, 20, 2, TLS_DIR_WRITE, "x", 1, 7);
	tls_conn_get(&t, 11, 0xabc, 8);                                  /* touched: now newest */
	tls_conn_data(&t, 20, 3, TLS_DIR_WRITE, "y", 1, 9);             /* evicts (20, 1) */
	CHECK_EQ_INT(t.n, 3);
	CHECK_EQ_INT(t.st.evicted, 1);
	CHECK_EQ_INT(r.n, 2);          /* an abandoned exchange is no call */
	CHECK_EQ_INT(r.t.st.lost, 1);
	tls_conn_data(&t, 20, 4, TLS_DIR_WRITE, "z", 1, 10);            /* evicts (20, 2) */
	CHECK(tls_conn_get(&t, 11, 0xabc, 11) != NULL);                 /* still there: no eviction */
	CHECK_EQ_INT(t.st.evicted, 2);
	CHECK_EQ_INT(t.n, 3);

	/* process exit ends all of its connections */
	tls_conn_data(&t, 30, 1, TLS_DIR_WRITE, req, strlen(req), 12);
	tls_conn_close_pid(&t, 30, 13);
	CHECK_EQ_INT(t.st.exited, 1);
	CHECK_EQ_INT(r.n, 3);
	CHECK_STR_EQ(r.calls[2].c.error_type, "no_response");
	tls_conn_table_free(&t);
	CHECK_EQ_INT(t.n, 0);
}

/* Many connections: lookups stay right across hash collisions. */
static void test_many(void)
{
	struct rec r;
	rec_init(&r, false, NULL);
	struct tls_conn_table t;
	tls_conn_table_init(&t, &r.http, 1000);
	for (uint64_t i = 0; i < 1000; i++)
		tls_conn_get(&t, (uint32_t)(i % 7), 0x7f0000001000ull + i * 0x400, i);
	CHECK_EQ_INT(t.n, 1000);
	int found = 0;
	for (uint64_t i = 0; i < 1000; i++) {
		struct tls_conn *c = tls_conn_get(&t, (uint32_t)(i % 7), 0x7f0000001000ull + i * 0x400, 2000 + i);
		found += c && c->last_ns == 2000 + i && c->pid == i % 7;
	}
	CHECK_EQ_INT(found, 1000);
	CHECK_EQ_INT(t.st.opened, 1000);
	CHECK_EQ_INT(t.st.evicted, 0);
	tls_conn_table_free(&t);
}

int main(void)
{
	test_table();
	test_many();
	UNIT_DONE();
}
