/* The plain-text table printed at exit. */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stdio.h>
#include <stdint.h>
#include "mcp_trace.h"
#include "op_stats.h"

struct health_counts {
	uint64_t records, bad_records, orphan_points;
	uint64_t bpf[MCP_STAT_MAX];
	uint64_t export_errors, dropped_spans;
	int attach_errors;
};

void summary_print(FILE *f, const struct op_stats *os, const struct health_counts *h,
		   double elapsed_s);
/* "812µs", "1.25ms", "3.4s" */
const char *fmt_duration(double s, char *buf, size_t len);

#endif
