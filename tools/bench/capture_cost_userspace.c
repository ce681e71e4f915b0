/* What the mcp source's user-space half costs, without BPF: MCP messages
 * (a tools/call request and its result, both sides of a stdio pair: four
 * messages per call, as a traced client and server produce them) through
 * the framer (in reads of 4 KiB) and the tracker (JSON-RPC reading,
 * matching, stitching), as fast as one core goes; and the memory of 10,000
 * requests in flight.
 *   capture-cost-userspace [CALLS]
 * Prints "messages_per_s=... calls_per_s=... ns_per_message=...
 * inflight=10000 rss_kib=... bytes_per_request=...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "source/mcp/jsonrpc_framer.h"
#include "source/mcp/mcp_session.h"
#include "source/source.h"

static uint64_t ops;

/* The tracker's end-of-poll hook (source.c, not linked here): called after
 * each batch, as the tracer calls it after each round of ring reads, so that
 * held SERVER spans are released as in the product. */
static void (*poll_end_fn)(void *ctx, bool final);
static void *poll_end_ctx;

int sources_on_poll_end(void (*fn)(void *ctx, bool final), void *ctx)
{
	poll_end_fn = fn;
	poll_end_ctx = ctx;
	return 0;
}

void sources_off_poll_end(void (*fn)(void *ctx, bool final), void *ctx)
{
	if (poll_end_fn == fn && poll_end_ctx == ctx)
		poll_end_fn = NULL;
}

static void poll_end(bool final)
{
	if (poll_end_fn)
		poll_end_fn(poll_end_ctx, final);
}

static void on_op(void *ctx, const struct mcp_op *op)
{
	(void)ctx;
	(void)op;
	ops++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kib = atol(line + 6);
	if (f)
		fclose(f);
	return kib;
}

struct side {
	struct mcp_tracker *t;
	struct mcp_io io;
};

static void frame(void *ctx, const struct jsonrpc_frame *f)
{
	struct side *s = ctx;

	mcp_tracker_frame(s->t, &s->io, f);
}

/* text as the process saw it, in reads of up to 4 KiB */
static void feed(struct jsonrpc_framer *fr, struct side *s, const char *text, size_t n, uint64_t ns)
{
	for (size_t off = 0; off < n; off += 4096)
		jsonrpc_framer_feed(fr, text + off, n - off < 4096 ? n - off : 4096, ns, frame, s);
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 200000;
	struct mcp_sink sink = {.op = on_op};
	struct mcp_tracker_config cfg = {.seed = 1};
	struct mcp_tracker *t = mcp_tracker_new(&cfg, &sink);
	struct jsonrpc_framer fr[4]; /* client out, server in, server out, client in */
	char *batch = malloc(1 << 20), *answers = malloc(1 << 20);
	const int per_batch = 2000;

	for (int i = 0; i < 4; i++)
		jsonrpc_framer_init(&fr[i], 0, false);
	struct side client_out = {t, {.pid = 1, .conn = 10, .outbound = true, .transport = MCP_TR_PIPE}};
	struct side server_in = {t, {.pid = 2, .conn = 10, .outbound = false, .transport = MCP_TR_PIPE}};
	struct side server_out = {t, {.pid = 2, .conn = 11, .peer_conn = 10, .outbound = true, .transport = MCP_TR_PIPE}};
	struct side client_in = {t, {.pid = 1, .conn = 11, .outbound = false, .transport = MCP_TR_PIPE}};
	double t0 = now_s();
	uint64_t ns = 1;
	for (long done = 0; done < calls; done += per_batch) {
		size_t nb = 0, na = 0;
		for (int i = 0; i < per_batch; i++) {
			long id = done + i;
			nb += (size_t)sprintf(batch + nb,
					      "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\",\"params\":{\"name\":"
					      "\"get_weather\",\"arguments\":{\"city\":\"Paris\",\"units\":\"metric\"}}}\n",
					      id);
			na += (size_t)sprintf(answers + na,
					      "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"result\":{\"content\":[{\"type\":\"text\","
					      "\"text\":\"12 C, light rain, wind 20 km/h from the west\"}],\"isError\":false}}\n",
					      id);
		}
		feed(&fr[0], &client_out, batch, nb, ns++);
		feed(&fr[1], &server_in, batch, nb, ns++);
		feed(&fr[2], &server_out, answers, na, ns++);
		feed(&fr[3], &client_in, answers, na, ns++);
		poll_end(false);
	}
	poll_end(true);
	double secs = now_s() - t0;
	uint64_t messages = 0;
	for (int i = 0; i < 4; i++)
		messages += fr[i].stats.messages;
	if (ops != (uint64_t)calls * 2 || mcp_tracker_stats(t)->unmatched) {
		fprintf(stderr, "capture-cost-userspace: %llu operations for %ld calls, %llu unmatched\n",
			(unsigned long long)ops, calls, (unsigned long long)mcp_tracker_stats(t)->unmatched);
		return 1;
	}
	printf("messages_per_s=%.0f calls_per_s=%.0f ns_per_message=%.0f ", messages / secs, calls / secs,
	       secs * 1e9 / messages);
	mcp_tracker_free(t);

	/* 10,000 requests in flight (sent, never answered), both sides */
	t = mcp_tracker_new(&cfg, &sink);
	client_out.t = t;
	long before = rss_kib();
	for (int i = 0; i < 10000; i++) {
		int n = sprintf(batch, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":"
				       "\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}}\n", i);
		feed(&fr[0], &client_out, batch, (size_t)n, ns++);
	}
	long after = rss_kib();
	printf("inflight=%llu rss_kib=%ld bytes_per_request=%.0f\n",
	       (unsigned long long)mcp_tracker_stats(t)->inflight, after,
	       (after - before) * 1024.0 / 10000);
	mcp_tracker_free(t);
	for (int i = 0; i < 4; i++)
		jsonrpc_framer_free(&fr[i]);
	free(batch);
	free(answers);
	return 0;
}
