/* A call: what every source hands the pipeline — one operation's ids,
 * times, typed attributes, failed or not, the error name — whatever record
 * it was decoded from (a uprobe's, an HTTP exchange over TLS, a JSON-RPC
 * request and its response). The aggregator and the span builder start
 * from this. */
#ifndef CALL_H
#define CALL_H

#include "attrs.h"
#include "catalog.h"
#include <stdint.h>
#include "mcp_trace.h"
#include "probe_map.h"

#define CALL_MAX_ATTRS (PM_MAX_CAPTURES + 4)

enum call_kind {
	CALL_END = 1,   /* a finished call (entry and return) */
	CALL_START = 2, /* a call has begun (for "active" up-down counters) */
	CALL_POINT = 3, /* a point event (no duration) */
};

/* Identity and timing, the same for every source. */
struct call_ids {
	uint8_t kind;     /* enum call_kind */
	uint8_t depth;    /* nesting depth on its thread, 0 = root */
	uint16_t binding; /* index into the binding table (per-binding stats) */
	uint32_t pid, tid;
	uint64_t start_ns, end_ns; /* CLOCK_MONOTONIC */
	unsigned long long trace_id[2]; /* W3C sizes: 16 bytes, 8 bytes */
	unsigned long long span_id;
	unsigned long long parent_id; /* 0 = root span / point outside any span */
	int64_t ret;
	/* Captures the kernel could not read (a bad address): left out of
	 * attrs, counted per binding (mcp_bpftrace_capture_errors_total). */
	uint16_t capture_errors;
};

#define CALL_TEXT_LEN 1024

struct call {
	struct call_ids rec;
	char strs[MCP_MAX_STRS][MCP_STR_LEN]; /* uprobe string captures; attributes point here */
	char text[CALL_TEXT_LEN]; /* text of attributes built-in sources add (call_add_str) */
	size_t text_used;
	const struct pm_binding *b;
	const struct op_def *op;
	bool failed;
	const char *error_type; /* failed calls: the bound name or "_OTHER" */
	long long ret_value;    /* the return value as its `fail if` type reads it */
	struct attr attrs[CALL_MAX_ATTRS]; /* bound attributes, defaults applied */
	int nattrs;
	char scratch[4][24]; /* text of out-of-range enum values */
};

/* For built-in sources, which build calls from what they decoded: a call of
 * binding `binding` (probe_map_add_builtin) with no attributes yet. */
void call_reset(struct call *c, const struct probe_map *pm, int binding);
/* Adds an attribute; `key` must live for the run (a literal). Strings are
 * copied into the call (cut to what is left of its text; false when cut). */
bool call_add_str(struct call *c, const char *key, const char *val);
bool call_add_int(struct call *c, const char *key, int64_t v);
bool call_add_double(struct call *c, const char *key, double v);
bool call_add_bool(struct call *c, const char *key, bool v);
/* Marks the call failed with `error_type` (copied; also the span's error.type). */
void call_fail(struct call *c, const char *error_type);

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
