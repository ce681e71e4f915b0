/* The plain-text table printed at exit. */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stdio.h>
#include <stdint.h>
#include "aggregate/health.h"
#include "aggregate/binding_stats.h"

void summary_print(FILE *f, const struct binding_stats *os, const struct health_counts *h,
		   double elapsed_s);
/* "812µs", "1.25ms", "3.4s" */
const char *fmt_duration(double s, char *buf, size_t len);

#endif
