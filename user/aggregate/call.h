/* A call: one ring-buffer record read through its binding — typed
 * attributes, failed or not, the error name. The aggregator and the span
 * builder both start from this. */
#ifndef CALL_H
#define CALL_H

#include "attrs.h"
#include "catalog.h"
#include "mcp_trace.h"
#include "probe_map.h"

#define CALL_MAX_ATTRS (PM_MAX_CAPTURES + 4)

struct call {
	struct mcp_record rec; /* own copy: string attributes point into it */
	const struct pm_binding *b;
	const struct op_def *op;
	bool failed;
	const char *error_type; /* failed calls: the bound name or "_OTHER" */
	long long ret_value;    /* the return value as its `fail if` type reads it */
	struct attr attrs[CALL_MAX_ATTRS]; /* bound attributes, defaults applied */
	int nattrs;
	char scratch[4][24]; /* text of out-of-range enum values */
};

/* `entry_only`: a start record, whose return-time captures are not there yet. */
void call_decode(struct call *c, const struct mcp_record *r, const struct pm_binding *b,
		 bool entry_only);

/* Copies a call; string attributes that pointed into src's record point
 * into dst's. */
void call_copy(struct call *dst, const struct call *src);

/* The text of attribute `key` for a metric series: a bound attribute, or one
 * of the computed keys (mcp.success, mcp.error_type, mcp.verification_result,
 * "key=value" constants). "" when the call has none. */
const char *call_metric_attr(const struct call *c, const char *key, char *buf, size_t len);

static inline double call_duration_s(const struct call *c)
{
	return (double)(c->rec.end_ns - c->rec.start_ns) / 1e9;
}

#endif
