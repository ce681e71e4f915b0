/* The aggregator: applies the catalog's metric actions to calls. */
#ifndef AGGREGATOR_H
#define AGGREGATOR_H

#include "call.h"
#include "metrics.h"

struct active_span {
	uint64_t id;
	struct series *s;
};

struct aggregator {
	struct metric_store *ms;
	/* Spans whose start record was seen: only they may decrement an
	 * up-down counter, so a lost start record cannot drive it negative. */
	struct active_span *active;
	size_t active_cap, active_n;
};

int agg_init(struct aggregator *ag, struct metric_store *ms);
void agg_destroy(struct aggregator *ag);
void agg_start(struct aggregator *ag, const struct call *c, int resource);
/* Returns whether the call's start had been seen (it was "active"). */
bool agg_end(struct aggregator *ag, const struct call *c, int resource);
void agg_point(struct aggregator *ag, const struct call *c, int resource);

#endif
