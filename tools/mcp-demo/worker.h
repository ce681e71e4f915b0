/* A worker thread: its own RNG, ids, caches and ledger; runs top-level ops. */
#ifndef MCP_DEMO_WORKER_H
#define MCP_DEMO_WORKER_H

#include <stdatomic.h>
#include <stdint.h>

#include "cli.h"
#include "model_cache.h"
#include "plan_store.h"
#include "rng.h"

struct ledger;

struct worker {
	int index;
	const struct demo_config *cfg;
	long ops_target;          /* --ops mode: this thread's share */
	uint64_t start_ns;        /* --duration mode: common start */
	const atomic_bool *stop;  /* set on SIGINT/SIGTERM */

	struct rng rng;
	long seq;                 /* numbers the ids this thread makes */
	struct model_cache cache;
	struct plan_store plans;
	struct ledger *ledger;
	long ops_done;
};

/* The worker running on the calling thread. */
struct worker *worker_current(void);
void *worker_run(void *arg);

#endif
