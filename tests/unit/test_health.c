/* Unit tests of the tracer's own health counters (user/aggregate/health.c). */
#include <stdio.h>
#include <string.h>
#include "aggregate/health.h"
#include "unit_test.h"

/* Every BPF counter is named once, for the metrics, the summary and the
 * views: a counter added to enum mcp_stat without its row would export a
 * series with no reason (it crashed the tracer once). */
static void test_every_stat_named(void)
{
	for (int i = 0; i < MCP_STAT_MAX; i++) {
		const struct bpf_stat_def *d = &health_bpf_stats[i];

		CHECK(d->text != NULL);
		CHECK(d->dropped || (d->reason && d->reason[0]));
	}
}

static void test_split(void)
{
	uint64_t bpf[MCP_STAT_MAX] = {0}, dropped, lost;

	bpf[MCP_STAT_DROPPED] = 7;
	bpf[MCP_STAT_ABANDONED] = 3;
	bpf[MCP_STAT_DEPTH_OVERFLOW] = 2;
	health_split(bpf, &dropped, &lost);
	CHECK_EQ_INT(dropped, 7);
	CHECK_EQ_INT(lost, 5);
}

static void test_print_lost(void)
{
	struct health_counts h = {0};
	char buf[512] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	health_print_lost(f, &h); /* nothing lost: nothing said */
	fflush(f);
	CHECK_STR_EQ(buf, "");
	h.bpf[MCP_STAT_ABANDONED] = 4;
	health_print_lost(f, &h);
	fclose(f);
	CHECK(strstr(buf, "; not traced: ") == buf);
	CHECK(strstr(buf, "4 abandoned") != NULL);
}

int main(void)
{
	test_every_stat_named();
	test_split();
	test_print_lost();
	UNIT_DONE();
}
