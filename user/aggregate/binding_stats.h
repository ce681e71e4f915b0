/* Per-binding call statistics for the summary table and the live view:
 * calls, errors, latency histogram. Independent of the catalog's metrics so
 * that every operation (consensus_building too) has latency percentiles. */
#ifndef OP_STATS_H
#define OP_STATS_H

#include <stdint.h>
#include "call.h"
#include "exp_histogram.h"

struct op_stat {
	const struct pm_binding *b;
	uint64_t calls, errors, active;
	uint64_t capture_errors; /* attributes left out: memory not readable */
	struct exp_histogram *lat; /* seconds */
};

struct binding_stats {
	struct op_stat *v;
	int n;
};

int binding_stats_init(struct binding_stats *os, const struct probe_map *pm);
void binding_stats_free(struct binding_stats *os);
void binding_stats_record(struct binding_stats *os, const struct call *c);

#endif
