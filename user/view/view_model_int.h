/* The view model's insides, shared by view_model.c (calls, snapshots)
 * and view_trees.c (error spans, span trees). */
#ifndef VIEW_MODEL_INT_H
#define VIEW_MODEL_INT_H

#include <string.h>
#include "view_model.h"

#define PENDING_BUCKETS 16384
#define PENDING_NODES_PER_TRACE (4 * VM_TREE_NODES)
#define PENDING_MAX_AGE_NS (30 * VM_SLOT_NS)

struct vm_slot {
	int64_t id; /* slot number + 1; 0: empty */
	uint64_t calls, errors;
	double tokens, cost;
	struct exp_histogram *lat;
	struct exp_histogram *ttft; /* time to first chunk; NULL until one */
};

/* Totals since start plus the ring of recent slots. */
struct vm_stat {
	uint64_t calls, errors;
	double tokens, cost;
	struct vm_slot slot[VM_RING];
};

struct vm_value {
	char text[48];
	struct vm_stat st;
};

struct vm_key {
	const char *key;
	bool errors_only; /* error.type: failed calls only */
	struct vm_value **values;
	int nvalues;
};

struct vm_op {
	bool seen;
	struct vm_stat st;
	struct vm_key keys[VM_MAX_KEYS + 1];
	int nkeys;
	const struct metric_action *tok, *cost; /* how the catalog counts them */
	const struct metric_action *ttft;       /* time to first chunk (LLM calls) */
};

struct vm_pending {
	struct vm_pending *next;
	unsigned long long trace_id[2];
	uint64_t first_ns;
	int n, cap, more;
	struct vm_node *nodes;
};

struct view_model {
	pthread_mutex_t lock;
	int window;
	uint64_t start_ns;
	int64_t latest_slot;
	struct vm_op ops[VM_MAX_OPS];
	int nops;
	struct exp_histogram *scratch;
	struct exp_histogram *scratch_ttft;
	struct vm_error errors[VM_ERR_RING];
	uint64_t nerrors;
	struct vm_tree *trees; /* ring of VM_TREE_RING */
	uint64_t ntrees;
	struct vm_pending *pending[PENDING_BUCKETS];
	uint64_t npending, incomplete, last_sweep_ns;
};

/* Copies with truncation (names are cut, never overflow). */
static inline void set_str(char *dst, size_t n, const char *src)
{
	size_t l = strnlen(src, n - 1);

	memcpy(dst, src, l);
	dst[l] = 0;
}

/* An attribute key as rows show it: without the "mcp." prefix. */
static inline const char *short_key(const char *k)
{
	return strncmp(k, "mcp.", 4) ? k : k + 4;
}

/* The model's index of a call's operation, -1 when it has none. */
int vm_op_index(const struct view_model *vm, const struct call *c);

#endif
