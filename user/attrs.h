/* Typed attribute values, as spans, events and metric series carry them. */
#ifndef ATTRS_H
#define ATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum attr_type { AT_STR = 1, AT_INT, AT_DOUBLE, AT_BOOL };

struct attr {
	const char *key; /* static (catalog, probe map) for the life of the run */
	enum attr_type type;
	union {
		const char *s; /* points into the owner of the attribute list */
		int64_t i;
		double d;
		bool b;
	};
};

/* The value as text, as metric series and the summary show it. */
const char *attr_text(const struct attr *a, char *buf, size_t len);
/* The value as a number (strings: 0); for value histograms and counters. */
double attr_number(const struct attr *a);
/* Linear search by key; attribute lists are short. */
const struct attr *attr_find(const struct attr *v, int n, const char *key);

#endif
