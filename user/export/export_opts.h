/* What every exporter needs to know about how to encode. */
#ifndef EXPORT_OPTS_H
#define EXPORT_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXPORT_MAX_BOUNDS 64

struct export_opts {
	uint64_t start_mono_ns; /* cumulative metrics count from here */
	bool explicit_histograms;
	double bounds[EXPORT_MAX_BOUNDS];
	size_t nbounds;
	const char *scope_name;
	const char *scope_version;
};

#endif
