/* The price table: USD per million input and output tokens, per provider
 * and model, read from a tab-separated file (data/prices.tsv ships with
 * the tool; --prices FILE replaces it). A model not in the table gets no
 * cost, never a guessed one.
 *
 * A dated snapshot of a listed model costs what the model costs:
 * "gpt-4o-mini-2024-07-18" and "claude-3-5-haiku-20241022" match
 * "gpt-4o-mini" and "claude-3-5-haiku" unless listed themselves. No other
 * prefix matches ("gpt-4o" does not price "gpt-4o-mini"). */
#ifndef TLS_PRICES_H
#define TLS_PRICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct price_entry {
	char provider[32];
	char model[128];
	double input_per_m, output_per_m;
};

#define PRICES_WARNED_MAX 64

struct price_table {
	struct price_entry *e;
	size_t n;
	char source[256]; /* the file it came from */
	/* models already reported as unpriced (each is said once) */
	char warned[PRICES_WARNED_MAX][160];
	size_t nwarned;
};

/* Parses the table's text; on a bad line returns -1 with a message naming
 * `name`, the line and what is wrong. Replaces t's entries. */
int prices_parse(struct price_table *t, const char *text, const char *name, char *err, size_t errlen);
/* Reads a file: 0, or -1 with the reason in err. */
int prices_load(struct price_table *t, const char *path, char *err, size_t errlen);
/* Where the shipped table is: prices.tsv in data_dir() (beside the
 * executable: ../share/mcp-bpftrace installed, ../data from a build
 * directory; then the PREFIX's). NULL when none. */
const char *prices_default_path(char *buf, size_t cap);
const struct price_entry *prices_find(const struct price_table *t, const char *provider, const char *model);
/* Cost of a call priced by the first of the models given that the table
 * lists (response model first: it names the snapshot that ran). */
bool prices_cost(const struct price_table *t, const char *provider, const char *model1, const char *model2,
		 int64_t input_tokens, int64_t output_tokens, double *usd);
/* True the first time a (provider, model) is reported as unpriced. */
bool prices_warn_once(struct price_table *t, const char *provider, const char *model);
void prices_free(struct price_table *t);

#endif
