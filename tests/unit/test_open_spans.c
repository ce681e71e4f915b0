/* The spans sources publish as open in a process (source.c): a history of
 * which span a process had open from when, looked up by the time something
 * happened there. The exec source reads a fork from its ring, the mcp
 * source the request the server read before forking and the answer it
 * wrote after, from another ring: in whichever order they are read, the
 * child must hang under the request open when it was forked. */
#include <stdlib.h>
#include "source/source.h"
#include "unit_test.h"

static const unsigned long long T1[2] = {0x11, 0x12}, T2[2] = {0x21, 0x22};

static bool at(struct source_set *S, pid_t pid, unsigned long long ns, unsigned long long *span)
{
	unsigned long long trace[2] = {0, 0};

	*span = 0;
	return sources_open_span(S, pid, ns, trace, span);
}

/* One request: open from 100 to 200. */
static void test_window(void)
{
	struct source_set *S = calloc(1, sizeof(*S));
	unsigned long long span, trace[2];

	sources_publish_span(S, 7, T1, 0xa, 100);
	sources_publish_span(S, 7, T1, 0, 200); /* answered: none from then on */
	CHECK(!at(S, 7, 99, &span));             /* before the request */
	CHECK(at(S, 7, 100, &span) && span == 0xa);
	CHECK(at(S, 7, 150, &span) && span == 0xa); /* a fork read after the answer */
	CHECK(!at(S, 7, 200, &span));
	CHECK(!at(S, 7, 250, &span));
	CHECK(!at(S, 8, 150, &span)); /* another process */
	CHECK(sources_open_span(S, 7, 150, trace, &span) && trace[0] == T1[0] && trace[1] == T1[1]);
	free(S);
}

/* Requests that overlap: the newest open one is the process's span; when
 * it ends, the one still open is again (what the mcp source publishes). */
static void test_overlap(void)
{
	struct source_set *S = calloc(1, sizeof(*S));
	unsigned long long span;

	sources_publish_span(S, 7, T1, 0xa, 100);
	sources_publish_span(S, 7, T2, 0xb, 120);
	sources_publish_span(S, 7, T1, 0xa, 130); /* b answered, a still open */
	sources_publish_span(S, 7, T1, 0, 140);
	CHECK(at(S, 7, 110, &span) && span == 0xa);
	CHECK(at(S, 7, 125, &span) && span == 0xb);
	CHECK(at(S, 7, 135, &span) && span == 0xa);
	CHECK(!at(S, 7, 145, &span));
	/* the same time twice: the later publication says what holds */
	sources_publish_span(S, 9, T1, 0xc, 300);
	sources_publish_span(S, 9, T1, 0xd, 300);
	CHECK(at(S, 9, 300, &span) && span == 0xd);
	free(S);
}

/* A process keeps its newest SOURCE_OPEN_SPANS_PER_PID entries; the table
 * as a whole its newest SOURCE_OPEN_SPANS; pid 0 is never published. */
static void test_bounds(void)
{
	struct source_set *S = calloc(1, sizeof(*S));
	unsigned long long span;
	int n = SOURCE_OPEN_SPANS_PER_PID * 3;

	for (int i = 0; i < n; i++)
		sources_publish_span(S, 5, T1, 1000 + i, 10 * (i + 1));
	int kept = 0;

	for (int i = 0; i < SOURCE_OPEN_SPANS; i++)
		kept += S->open[i].pid == 5;
	CHECK_EQ_INT(kept, SOURCE_OPEN_SPANS_PER_PID);
	CHECK(at(S, 5, 10 * n, &span) && span == 1000 + (unsigned long long)n - 1);
	CHECK(!at(S, 5, 10, &span)); /* the oldest are gone: no parent rather than a wrong one */
	for (int pid = 100; pid < 100 + SOURCE_OPEN_SPANS + 10; pid++)
		sources_publish_span(S, pid, T2, pid, 1000000 + pid);
	CHECK(at(S, 100 + SOURCE_OPEN_SPANS + 9, 1 << 30, &span) && span == 100 + SOURCE_OPEN_SPANS + 9);
	CHECK(!at(S, 100, 1 << 30, &span)); /* the oldest of all made room */
	sources_publish_span(S, 0, T1, 0xe, 5);
	CHECK(!at(S, 0, 5, &span));
	/* "none" for a process with nothing published takes no room */
	int entries = 0;

	sources_publish_span(S, 424242, T1, 0, 7);
	for (int i = 0; i < SOURCE_OPEN_SPANS; i++)
		entries += S->open[i].pid == 424242;
	CHECK_EQ_INT(entries, 0);
	free(S);
}

/* A span that learns its trace late (an MCP SERVER span stitched to its
 * CLIENT after its request was read) has it in every entry: a child forked
 * before is looked up in the trace the span ends in. Published again while
 * it is the process's last entry, it adds no transition. */
static void test_retrace(void)
{
	struct source_set *S = calloc(1, sizeof(*S));
	unsigned long long span, trace[2];
	int entries = 0;

	sources_publish_span(S, 7, T1, 0xa, 100);
	sources_publish_span(S, 7, T2, 0xa, 150);
	CHECK(sources_open_span(S, 7, 120, trace, &span) && span == 0xa && trace[0] == T2[0] && trace[1] == T2[1]);
	for (int i = 0; i < SOURCE_OPEN_SPANS; i++)
		entries += S->open[i].pid == 7;
	CHECK_EQ_INT(entries, 1);
	/* not the last one: the trace changes, and a transition is added */
	sources_publish_span(S, 7, T2, 0xb, 200);
	sources_publish_span(S, 7, T1, 0xa, 250);
	CHECK(sources_open_span(S, 7, 120, trace, &span) && span == 0xa && trace[0] == T1[0]);
	CHECK(at(S, 7, 220, &span) && span == 0xb);
	CHECK(at(S, 7, 260, &span) && span == 0xa);
	free(S);
}

int main(void)
{
	test_window();
	test_overlap();
	test_bounds();
	test_retrace();
	UNIT_DONE();
}
