/* Call -> (aggregator, span builder, per-binding stats): the forward path
 * every call takes, whichever source decoded it from its records. */
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
	uint64_t records, bad_records; /* calls taken; calls naming no binding */
	const char *service_hint;
	/* Every finished call and point event, after the statistics, on the
	 * consumer thread (the live view's feed); NULL: none. */
	void (*on_call)(void *ctx, const struct call *c, int resource);
	void *on_call_ctx;
};

int pipeline_init(struct pipeline *p, const struct probe_map *pm, struct resource_table *rt);
void pipeline_destroy(struct pipeline *p);
/* A call from any source (a call_sink: source/source.h). */
void pipeline_call(void *ctx, const struct call *c);

#endif
