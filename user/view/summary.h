/* The plain-text table printed at exit. */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stdio.h>
#include <stdint.h>
#include "aggregate/health.h"
#include "aggregate/binding_stats.h"
#include "aggregate/metrics.h"
#include "cost/induced.h"

void summary_print(FILE *f, const struct binding_stats *os, const struct health_counts *h,
		   double elapsed_s);
/* "cost to the target: pid P: X ms CPU over the run, Y % of its CPU time"
 * per process, the cost per call of each binding, what --max-overhead
 * detached (cost/induced.h). */
void summary_print_cost(FILE *f, const struct cost_report *r, const struct probe_map *pm);
/* LLM calls seen by the tls source, per model: calls, errors, input and
 * output tokens, tokens/s, cost, cost/s, time to first chunk p50/p95, read
 * from the metric store (summary_llm.c). Nothing when there were none. */
void summary_print_llm(FILE *f, struct metric_store *ms, double elapsed_s);
/* "812µs", "1.25ms", "3.4s" */
const char *fmt_duration(double s, char *buf, size_t len);

#endif
