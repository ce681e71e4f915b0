/* Per-thread store of created plans, so execution can find a plan by id. */
#ifndef MCP_DEMO_PLAN_STORE_H
#define MCP_DEMO_PLAN_STORE_H

#define PLAN_STORE_SLOTS 8

struct plan_store {
	struct {
		char id[48];
		int steps;
	} slot[PLAN_STORE_SLOTS];
	unsigned next;
};

void plan_store_put(struct plan_store *s, const char *id, int steps);
/* Returns the plan's step count, or -1 when no such plan was created. */
int plan_store_steps(const struct plan_store *s, const char *id);

#endif
