/* The live view's data: per-operation rates, error ratios and latency
 * percentiles over a sliding window, totals, a breakdown by the operation's
 * metric attributes, recent error spans and recent span trees. No terminal
 * here: the curses view and the text mode both draw from a vm_snapshot, and
 * the unit tests drive it with hand-made calls.
 *
 * The window is a ring of 1-second slots, each holding counts and an
 * exponential latency histogram; a window is the merge of its slots, so
 * percentiles are real percentiles over the last N seconds, not averages.
 * A call lands in the slot of its own end time (kernel monotonic clock).
 *
 * Thread model: the consumer thread feeds it (vm_on_call, vm_on_span) and a
 * view thread copies a snapshot out; both take vm->lock internally, and only
 * the snapshot copy happens under it (formatting and terminal I/O do not). */
#ifndef VIEW_MODEL_H
#define VIEW_MODEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "call.h"
#include "aggregate/spans.h"

#define VM_SLOT_NS 1000000000ULL
#define VM_RING 32           /* slots kept: the window can be up to VM_RING - 1 s */
#define VM_WINDOW_S 10       /* default sliding window */
#define VM_MAX_OPS 64        /* >= catalog_nops */
#define VM_MAX_KEYS 4        /* breakdown attribute keys per operation */
#define VM_MAX_VALUES 32     /* values per key; more go to "(other)" */
#define VM_ERR_RING 128      /* recent error spans kept */
#define VM_TREE_RING 32      /* recent span trees kept */
#define VM_TREE_NODES 40     /* spans kept per tree */
#define VM_PENDING_MAX 65536 /* child spans waiting for their root */

/* Sortable columns, in display order. */
enum vm_col {
	VC_NAME, VC_RATE, VC_ERR_RATE, VC_ERR_PCT, VC_ACTIVE, VC_P50, VC_P95, VC_P99,
	VC_CALLS, VC_ERRORS, VC_TOKENS, VC_COST, VC_TTFT, VC_NCOLS
};

/* One line of the table: an operation, or one attribute value of it. */
struct vm_row {
	int op;              /* catalog operation */
	char name[72];       /* operation name, or "key=value" in a breakdown */
	bool point;          /* point event: no latency, no active count */
	bool has_active;     /* the operation keeps an up-down counter */
	bool has_tokens;     /* the catalog counts tokens / cost on it */
	bool has_ttft;       /* ... and time to first chunk (LLM calls) */
	uint64_t active;
	double calls_s, errors_s, err_pct; /* over the window */
	double p50, p95, p99;              /* seconds over the window; NaN: none */
	double tokens_s, cost_s;
	double ttft_p50;                   /* seconds over the window: streamed calls'
					    * time to first chunk; NaN: none */
	uint64_t win_calls, win_errors;    /* in the window */
	uint64_t calls, errors;            /* since the tracer started */
	double tokens, cost;
};

/* A breakdown line: row.name is "key=value", `key` the attribute. */
struct vm_brow {
	int op;
	const char *key; /* static (catalog) */
	struct vm_row row;
};

struct vm_error {
	uint64_t end_ns; /* CLOCK_MONOTONIC */
	int op;
	uint32_t pid;
	char span[64];
	char error_type[48];
	double duration_s;
	unsigned long long trace_id[2], span_id;
	char detail[96]; /* the operation's low-cardinality attributes */
};

struct vm_node {
	uint64_t span_id, parent_id;
	uint64_t start_ns, end_ns;
	int op;
	int depth;       /* 0 = root; set when the tree is complete */
	bool error;
	bool last;       /* last child of its parent (for drawing) */
	char name[56];
	char error_type[40];
};

/* A finished root span and its descendants, depth-first, children by start. */
struct vm_tree {
	unsigned long long trace_id[2];
	uint32_t pid;
	int nnodes;
	int more; /* descendants not kept (beyond VM_TREE_NODES) */
	struct vm_node nodes[VM_TREE_NODES];
};

struct vm_snapshot {
	uint64_t now_ns, start_ns;
	double window_s; /* seconds the window actually covers */
	struct vm_row rows[VM_MAX_OPS];
	int nrows;
	struct vm_row total; /* every operation together */
	struct vm_brow *brows; /* grouped by op, then key; values by calls */
	int nbrows, cap_brows;
	struct vm_error errors[VM_ERR_RING]; /* newest first */
	int nerrors;
	uint64_t errors_seen;
	struct vm_tree trees[VM_TREE_RING];  /* newest first */
	int ntrees;
	uint64_t traces_seen, traces_incomplete;
};

struct view_model;

struct view_model *vm_new(int window_s, uint64_t start_ns);
void vm_free(struct view_model *vm);
/* A finished span call or a point event (the pipeline's call hook). */
void vm_on_call(struct view_model *vm, const struct call *c);
/* A finished span (a span sink): error spans and span trees. */
void vm_on_span(struct view_model *vm, const struct span *s);
/* Fits span_sink_fn. */
void vm_span_sink(void *ctx, struct span *s);
/* Fits the pipeline's call hook. */
void vm_call_hook(void *ctx, const struct call *c, int resource);

struct vm_snapshot *vm_snapshot_new(void);
void vm_snapshot_free(struct vm_snapshot *snap);
/* Fills `snap` as of `now_ns`. `active`: per catalog operation, the calls in
 * progress (up-down counters), or NULL. Rows are in catalog order. */
void vm_snapshot_take(struct view_model *vm, struct vm_snapshot *snap, uint64_t now_ns,
		      const uint64_t *active);

/* Sorts rows by `col` (NaN and "-" cells last, ties by name). */
void vm_sort_rows(struct vm_row *rows, int n, enum vm_col col, bool desc);
/* Whether a column sorts high-to-low by default (numbers) or not (names). */
bool vm_col_default_desc(enum vm_col col);

#endif
