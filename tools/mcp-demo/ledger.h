/*
 * The ledger: what the demo really did, in the tracer's own terms (span
 * names, metric names, attribute sets). Each thread records into its own
 * ledger without locks; main merges them at exit and writes JSON.
 */
#ifndef MCP_DEMO_LEDGER_H
#define MCP_DEMO_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ledger;

struct ledger_attr {
	const char *key;
	const char *value;
};

/* LEDGER_ATTRS({"mcp.a", a}, {"mcp.b", b}) expands to "count, array". */
#define LEDGER_ATTRS(...)                                                   \
	(sizeof((const struct ledger_attr[]){__VA_ARGS__}) /                \
	 sizeof(struct ledger_attr)),                                       \
		((const struct ledger_attr[]){__VA_ARGS__})

struct ledger *ledger_new(void);
void ledger_free(struct ledger *l);

/* The calling thread records into l from now on. */
void ledger_bind(struct ledger *l);

/* One finished span: ok/error, and its duration timed inside the callee. */
void ledger_span(const char *span, bool ok, uint64_t inner_ns);
/* The same span's duration timed by its caller around the call. */
void ledger_outer(const char *span, uint64_t outer_ns);

/* Counters (and up-down counters: delta +1 / -1). */
void ledger_count(const char *metric, long delta, size_t n,
		  const struct ledger_attr *attrs);
void ledger_count_double(const char *metric, double delta, size_t n,
			 const struct ledger_attr *attrs);

/* Histograms: a value, or a duration in nanoseconds (printed as seconds). */
void ledger_observe(const char *metric, double value, size_t n,
		    const struct ledger_attr *attrs);
void ledger_observe_ns(const char *metric, uint64_t ns, size_t n,
		       const struct ledger_attr *attrs);

/* Adds everything in src into dst. */
int ledger_merge(struct ledger *dst, const struct ledger *src);
void ledger_totals(const struct ledger *l, uint64_t *spans, uint64_t *errors);
/* Returns 0, or -1 with errno set. */
int ledger_write_json(const struct ledger *l, FILE *f);

#endif
