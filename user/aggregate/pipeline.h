/* Record -> call -> (aggregator, span builder, per-op stats): the forward
 * path every ring-buffer record takes. */
#ifndef PIPELINE_H
#define PIPELINE_H

#include "aggregator.h"
#include "metrics.h"
#include "binding_stats.h"
#include "probe_map.h"
#include "target/resources.h"
#include "spans.h"

struct pipeline {
	const struct probe_map *pm;
	struct resource_table *rt;
	struct metric_store ms;
	struct aggregator agg;
	struct span_builder *sb;
	struct binding_stats stats;
	pthread_mutex_t stats_lock; /* binding_stats are read by the live view */
	struct call scratch;
	uint64_t records, bad_records;
	const char *service_hint;
	/* Every finished call and point event, after the statistics, on the
	 * consumer thread (the live view's feed); NULL: none. */
	void (*on_call)(void *ctx, const struct call *c, int resource);
	void *on_call_ctx;
};

int pipeline_init(struct pipeline *p, const struct probe_map *pm, struct resource_table *rt);
void pipeline_destroy(struct pipeline *p);
/* ring_buffer_sample_fn */
int pipeline_on_record(void *ctx, void *data, size_t len);

#endif
