/* The demo's fixed vocabulary: agents, models, workflows, types. */
#ifndef MCP_DEMO_DATA_H
#define MCP_DEMO_DATA_H

#include <stddef.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

extern const char *const collab_types[3];
extern const char *const agent_names[5];
extern const char *const collab_tasks[4];

/* Routing model types: "" means auto (the router picks among all models). */
extern const char *const routing_model_types[5];
extern const char model_type_auto[];

struct model_info {
	const char *name;     /* what inference runs: its mcp.model_type */
	const char *family;   /* the routing model_type it serves */
	const char *provider;
	int price_units;      /* USD per token, in units of 2^-24 */
};
extern const struct model_info models[6];
const struct model_info *model_find(const char *name);

extern const char *const prompts[8];

struct step_def {
	const char *name;
	const char *type;
	/* Optional branch: when taken, alt_name/alt_type run instead. */
	const char *branch_name;
	const char *condition;
	const char *alt_name;
	const char *alt_type;
};

struct workflow_def {
	const char *type;
	struct step_def steps[4];
};
extern const struct workflow_def workflows[3];
const struct workflow_def *workflow_find(const char *type);

extern const char rollback_step_failed[];
extern const char rollback_deadline[];

extern const char *const plan_types[3];
extern const char *const verification_types[4];

#endif
