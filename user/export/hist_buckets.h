/* Which histograms go out with explicit buckets, and their counts: a
 * metric whose semantic conventions give bucket boundaries (catalog
 * metric_def.bounds: the GenAI client metrics) always, with its own bounds
 * and the exact counts the store kept; the others when --histogram
 * explicit asked, with the run's bounds and counts taken from the
 * exponential histogram (exph_explicit_counts). */
#ifndef HIST_BUCKETS_H
#define HIST_BUCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "aggregate/metrics.h"
#include "export_opts.h"

/* Whether metric d is exported as an explicit-bucket histogram. */
bool hist_is_explicit(const struct metric_def *d, const struct export_opts *o);
/* Series s's bounds (into *bounds) and bucket counts (into counts, room
 * for EXPORT_MAX_BOUNDS + 1, non-cumulative); returns the number of
 * bounds. Only for a metric hist_is_explicit says yes to. */
size_t hist_buckets(const struct series *s, const struct export_opts *o, const double **bounds, uint64_t *counts);

#endif
