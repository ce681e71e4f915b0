/* user/source/mcp/jsonrpc_framer.c: newline-delimited JSON framing. */
#include <stdlib.h>
#include <string.h>
#include "source/mcp/jsonrpc_framer.h"
#include "unit_test.h"

#define MAX_FRAMES 64

struct got {
	int n;
	char *data[MAX_FRAMES];
	char *tail[MAX_FRAMES];
	size_t full_len[MAX_FRAMES];
	bool truncated[MAX_FRAMES];
	uint64_t first[MAX_FRAMES], last[MAX_FRAMES];
};

static void collect(void *ctx, const struct jsonrpc_frame *f)
{
	struct got *g = ctx;

	if (g->n >= MAX_FRAMES)
		return;
	if (f->data[f->len] != '\0')
		UNIT_FAIL("frame %d not NUL-terminated", g->n);
	g->data[g->n] = strndup(f->data, f->len);
	g->tail[g->n] = f->tail ? strndup(f->tail, f->tail_len) : NULL;
	g->full_len[g->n] = f->full_len;
	g->truncated[g->n] = f->truncated;
	g->first[g->n] = f->first_ns;
	g->last[g->n] = f->last_ns;
	g->n++;
}

static void got_free(struct got *g)
{
	for (int i = 0; i < g->n; i++) {
		free(g->data[i]);
		free(g->tail[i]);
	}
	memset(g, 0, sizeof(*g));
}

static void feed_str(struct jsonrpc_framer *f, const char *s, uint64_t ns, struct got *g)
{
	jsonrpc_framer_feed(f, s, strlen(s), ns, collect, g);
}

static const char STREAM[] =
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\n"
	"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
	"[{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"result\":{}}]\n";

static void test_one_read_many_messages(void)
{
	struct jsonrpc_framer f;
	struct got g = {0};

	jsonrpc_framer_init(&f, 0, false);
	feed_str(&f, STREAM, 7, &g);
	CHECK_EQ_INT(g.n, 3);
	CHECK_STR_EQ(g.data[0], "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
	CHECK_STR_PREFIX(g.data[2], "[{");
	CHECK(!g.truncated[0] && !g.truncated[2]);
	CHECK_EQ_INT(g.first[1], 7);
	CHECK_EQ_INT(f.stats.messages, 3);
	CHECK_EQ_INT(f.stats.noise_lines, 0);
	CHECK_EQ_INT(f.stats.bytes, strlen(STREAM));
	got_free(&g);
	jsonrpc_framer_free(&f);
}

/* Every split of the stream into two reads, and into three, gives the same
 * messages; the times say which read began and which ended each. */
static void test_split_at_every_byte(void)
{
	size_t n = strlen(STREAM);
	int bad2 = 0, bad3 = 0;

	for (size_t cut = 0; cut <= n; cut++) {
		struct jsonrpc_framer f;
		struct got g = {0};
		jsonrpc_framer_init(&f, 0, false);
		jsonrpc_framer_feed(&f, STREAM, cut, 1, collect, &g);
		jsonrpc_framer_feed(&f, STREAM + cut, n - cut, 2, collect, &g);
		/* message k is STREAM[start..newline] */
		size_t start = 0;
		bool ok = g.n == 3;
		for (int k = 0; ok && k < 3; k++) {
			size_t nl = (size_t)(strchr(STREAM + start, '\n') - STREAM);
			ok = strlen(g.data[k]) == nl - start && !strncmp(g.data[k], STREAM + start, nl - start) &&
			     g.first[k] == (start < cut ? 1u : 2u) && g.last[k] == (nl < cut ? 1u : 2u);
			start = nl + 1;
		}
		if (!ok)
			bad2++;
		got_free(&g);
		jsonrpc_framer_free(&f);
	}
	CHECK_EQ_INT(bad2, 0);
	for (size_t a = 0; a <= n; a += 3) {
		for (size_t b = a; b <= n; b += 5) {
			struct jsonrpc_framer f;
			struct got g = {0};
			jsonrpc_framer_init(&f, 0, false);
			jsonrpc_framer_feed(&f, STREAM, a, 1, collect, &g);
			jsonrpc_framer_feed(&f, STREAM + a, b - a, 2, collect, &g);
			jsonrpc_framer_feed(&f, STREAM + b, n - b, 3, collect, &g);
			if (g.n != 3 || strcmp(g.data[1], "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
				bad3++;
			got_free(&g);
			jsonrpc_framer_free(&f);
		}
	}
	CHECK_EQ_INT(bad3, 0);
}

/* One byte per read: the first byte's time starts the message, the
 * newline's ends it. */
static void test_byte_by_byte_times(void)
{
	struct jsonrpc_framer f;
	struct got g = {0};
	const char *msg = "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{}}\n";

	jsonrpc_framer_init(&f, 0, false);
	for (size_t i = 0; msg[i]; i++)
		jsonrpc_framer_feed(&f, msg + i, 1, 100 + i, collect, &g);
	CHECK_EQ_INT(g.n, 1);
	CHECK_EQ_INT(g.first[0], 100);
	CHECK_EQ_INT(g.last[0], 100 + strlen(msg) - 1);
	got_free(&g);
	jsonrpc_framer_free(&f);
}

static void test_noise_blank_and_crlf(void)
{
	struct jsonrpc_framer f;
	struct got g = {0};

	jsonrpc_framer_init(&f, 0, false);
	feed_str(&f, "Server starting on stdio...\n\n  \n", 1, &g);
	feed_str(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\r\n", 2, &g);
	feed_str(&f, "DEBUG: {not at the start}\n", 3, &g);
	feed_str(&f, "  {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\n", 4, &g);
	CHECK_EQ_INT(g.n, 2);
	CHECK_STR_EQ(g.data[0], "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
	CHECK_STR_EQ(g.data[1], "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}");
	CHECK_EQ_INT(f.stats.noise_lines, 2);
	CHECK_EQ_INT(f.stats.noise_bytes, strlen("Server starting on stdio...") +
						   strlen("DEBUG: {not at the start}"));
	got_free(&g);
	jsonrpc_framer_free(&f);
}

/* Attached in the middle of a message: its rest is skipped, not noise. */
static void test_attach_mid_stream(void)
{
	struct jsonrpc_framer f;
	struct got g = {0};

	jsonrpc_framer_init(&f, 0, true);
	feed_str(&f, "ol\":\"2.0\",\"id\":3}\n{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{}}\n", 1, &g);
	CHECK_EQ_INT(g.n, 1);
	CHECK_STR_EQ(g.data[0], "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{}}");
	CHECK_EQ_INT(f.stats.resyncs, 1);
	CHECK_EQ_INT(f.stats.noise_lines, 0);
	got_free(&g);
	jsonrpc_framer_free(&f);

	/* Attached exactly at a message boundary: the first whole message is
	 * still skipped (it cannot be told from a middle). */
	jsonrpc_framer_init(&f, 0, true);
	feed_str(&f, "{\"a\":1}\n{\"b\":2}\n", 1, &g);
	CHECK_EQ_INT(g.n, 1);
	CHECK_STR_EQ(g.data[0], "{\"b\":2}");
	got_free(&g);
	jsonrpc_framer_free(&f);
}

/* Longer than the cap: the head (cap bytes) and the last bytes are handed
 * over marked truncated; the next message is whole. */
static void test_oversize(void)
{
	struct jsonrpc_framer f;
	struct got g = {0};
	size_t big = 5000;
	char *line = malloc(big + 2);

	memset(line, 'x', big);
	memcpy(line, "{\"jsonrpc\":\"2.0\",\"result\":{\"t\":\"", 32);
	const char *end = "\"},\"jsonrpc\":\"2.0\",\"id\":7}";
	memcpy(line + big - strlen(end), end, strlen(end));
	line[big] = '\n';
	line[big + 1] = '\0';
	jsonrpc_framer_init(&f, 100, false);
	for (size_t i = 0; i < big + 1; i += 333) /* in reads of 333 bytes */
		jsonrpc_framer_feed(&f, line + i, (i + 333 > big + 1 ? big + 1 - i : 333), i, collect, &g);
	feed_str(&f, "{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{}}\n", 9999, &g);
	CHECK_EQ_INT(g.n, 2);
	CHECK(g.truncated[0]);
	CHECK_EQ_INT(strlen(g.data[0]), 100);
	CHECK_EQ_INT(g.full_len[0], big);
	CHECK(g.tail[0] && strlen(g.tail[0]) == JSONRPC_TAIL);
	CHECK_STR_HAS(g.tail[0], "\"id\":7}");
	CHECK_STR_EQ(g.tail[0] + JSONRPC_TAIL - strlen(end), end);
	CHECK(!g.truncated[1]);
	CHECK_STR_EQ(g.data[1], "{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{}}");
	CHECK_EQ_INT(f.stats.truncated, 1);
	/* The buffer did not grow past the cap. */
	CHECK(f.cap <= 101);
	got_free(&g);
	jsonrpc_framer_free(&f);
	free(line);
}

/* A big message under the cap is kept whole; the buffer is given back. */
static void test_big_message_whole_then_shrink(void)
{
	struct jsonrpc_framer f;
	struct got g = {0};
	size_t big = 300000;
	char *line = malloc(big + 2);

	memset(line, 'y', big);
	line[0] = '{';
	line[big - 1] = '}';
	line[big] = '\n';
	jsonrpc_framer_init(&f, 0, false);
	for (size_t i = 0; i < big + 1; i += 4096)
		jsonrpc_framer_feed(&f, line + i, (i + 4096 > big + 1 ? big + 1 - i : 4096), 1, collect, &g);
	CHECK_EQ_INT(g.n, 1);
	CHECK(!g.truncated[0]);
	CHECK_EQ_INT(strlen(g.data[0]), big);
	CHECK_EQ_INT(f.cap, 0); /* freed after the big one */
	got_free(&g);
	jsonrpc_framer_free(&f);
	free(line);
}

/* Bytes lost inside a message (a record cut short): the head and what
 * follows the gap arrive marked truncated; lost at a line start: skip to
 * the next newline. */
static void test_lost_bytes(void)
{
	struct jsonrpc_framer f;
	struct got g = {0};

	jsonrpc_framer_init(&f, 0, false);
	feed_str(&f, "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":\"big\",\"arguments\":\"", 1, &g);
	jsonrpc_framer_lost(&f, 100000);
	feed_str(&f, "zz\"},\"id\":5}\n{\"jsonrpc\":\"2.0\",\"id\":6,\"result\":{}}\n", 2, &g);
	CHECK_EQ_INT(g.n, 2);
	CHECK(g.truncated[0]);
	CHECK_STR_PREFIX(g.data[0], "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\"");
	CHECK_STR_EQ(g.tail[0], "zz\"},\"id\":5}");
	CHECK(!g.truncated[1]);
	CHECK_EQ_INT(f.stats.lost_bytes, 100000);
	got_free(&g);

	jsonrpc_framer_lost(&f, 10); /* at a line start */
	feed_str(&f, "\",\"id\":3}\n{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{}}\n", 3, &g);
	CHECK_EQ_INT(g.n, 1);
	CHECK_STR_HAS(g.data[0], "\"id\":4");
	CHECK_EQ_INT(f.stats.resyncs, 1);
	got_free(&g);
	jsonrpc_framer_free(&f);
}

static void test_feed_message(void)
{
	struct jsonrpc_framer f;
	struct got g = {0};
	const char *body = "\r\n {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}} \r\n";

	jsonrpc_framer_init(&f, 64, false);
	jsonrpc_feed_message(&f, body, strlen(body), 5, 6, collect, &g);
	jsonrpc_feed_message(&f, "event: ping", 11, 7, 7, collect, &g);
	jsonrpc_feed_message(&f, "", 0, 7, 7, collect, &g);
	char big[200];
	memset(big, 'q', sizeof(big));
	big[0] = '{';
	memcpy(big + sizeof(big) - 8, "\"id\":2}", 7);
	big[sizeof(big) - 1] = ' ';
	jsonrpc_feed_message(&f, big, sizeof(big), 8, 9, collect, &g);
	CHECK_EQ_INT(g.n, 2);
	CHECK_STR_EQ(g.data[0], "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
	CHECK_EQ_INT(g.first[0], 5);
	CHECK_EQ_INT(g.last[0], 6);
	CHECK(g.truncated[1]);
	CHECK_EQ_INT(strlen(g.data[1]), 64);
	CHECK_EQ_INT(g.full_len[1], sizeof(big) - 1);
	CHECK_EQ_INT(strlen(g.tail[1]), sizeof(big) - 1 - 64);
	CHECK_STR_HAS(g.tail[1], "\"id\":2}");
	CHECK_EQ_INT(f.stats.noise_lines, 2);
	got_free(&g);
	jsonrpc_framer_free(&f);
}

int main(void)
{
	test_one_read_many_messages();
	test_split_at_every_byte();
	test_byte_by_byte_times();
	test_noise_blank_and_crlf();
	test_attach_mid_stream();
	test_oversize();
	test_big_message_whole_then_shrink();
	test_lost_bytes();
	test_feed_message();
	UNIT_DONE();
}
