/* Server-Sent Events framing (user/source/tls/sse.c). */
#include <stdio.h>
#include <stdlib.h>

#include "source/tls/sse.h"
#include "unit_test.h"

struct got {
	int n;
	char log[4096]; /* "event|data\n" per event */
	int truncated;
};

static void on_event(void *ud, const struct sse_event *ev)
{
	struct got *g = ud;
	size_t len = strlen(g->log);
	snprintf(g->log + len, sizeof(g->log) - len, "%s|%.*s\n", ev->event, (int)ev->data_len, ev->data);
	CHECK_EQ_INT(strlen(ev->data), ev->data_len); /* NUL-terminated at data_len */
	g->n++;
	g->truncated += ev->truncated;
}

static void run(const char *in, size_t step, size_t max_event, struct got *g)
{
	struct sse_parser s;
	memset(g, 0, sizeof(*g));
	sse_init(&s, max_event);
	size_t n = strlen(in);
	if (!step)
		step = n ? n : 1;
	for (size_t i = 0; i < n; i += step)
		sse_feed(&s, in + i, n - i < step ? n - i : step, on_event, g);
	sse_free(&s);
}

static const char stream[] =
	"\xEF\xBB\xBF"                   /* byte-order mark */
	": a comment\r\n"
	"event: message_start\r\n"
	"data: {\"a\":1}\r\n"
	"\r\n"
	"data:first\n"
	"data: second\n"
	"id: 7\n"
	"retry: 100\n"
	"\n"
	"event: x\r"                      /* CR alone ends lines too */
	"data\r"                          /* a field with no colon: empty data line */
	"\r"
	"eventually: not an event field\n"
	"data: [DONE]\n"
	"\n"
	"event: orphan\n"                /* no data: not dispatched */
	"\n"
	"data: cut at the end, never dispatched\n";

static const char expect[] =
	"message_start|{\"a\":1}\n"
	"message|first\nsecond\n"
	"x|\n"
	"message|[DONE]\n";

static void test_whole(void)
{
	struct got g;
	run(stream, 0, 1 << 20, &g);
	CHECK_EQ_INT(g.n, 4);
	CHECK_STR_EQ(g.log, expect);
}

/* Every split of the stream into two reads, and one byte at a time, give
 * the same events: CRLF cut in two stays one line end. */
static void test_every_split(void)
{
	size_t n = strlen(stream);
	int bad = 0;
	for (size_t cut = 1; cut < n; cut++) {
		struct sse_parser s;
		struct got g;
		memset(&g, 0, sizeof(g));
		sse_init(&s, 1 << 20);
		sse_feed(&s, stream, cut, on_event, &g);
		sse_feed(&s, stream + cut, n - cut, on_event, &g);
		sse_free(&s);
		if (strcmp(g.log, expect)) {
			if (!bad)
				fprintf(stderr, "split at %zu: %s\n", cut, g.log);
			bad++;
		}
	}
	CHECK_EQ_INT(bad, 0);
	struct got g;
	run(stream, 1, 1 << 20, &g);
	CHECK_STR_EQ(g.log, expect);
}

static void test_truncation(void)
{
	struct got g;
	run("data: 0123456789abcdef\n\ndata: ok\n\n", 3, 8, &g);
	CHECK_EQ_INT(g.n, 2);
	CHECK_EQ_INT(g.truncated, 1);
	CHECK_STR_EQ(g.log, "message|01234567\nmessage|ok\n");
}

static void test_long_event_name(void)
{
	struct got g;
	char in[300];
	memset(in, 'e', sizeof(in));
	memcpy(in, "event: ", 7);
	memcpy(in + 250, "\ndata: d\n\n", 11);
	run(in, 0, 1024, &g);
	CHECK_EQ_INT(g.n, 1);
	CHECK_EQ_INT(strlen(g.log), SSE_EVENT_NAME_MAX - 1 + strlen("|d\n"));
}

int main(void)
{
	test_whole();
	test_every_split();
	test_truncation();
	test_long_event_name();
	UNIT_DONE();
}
