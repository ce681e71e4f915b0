#define _GNU_SOURCE
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "clock.h"
#include "data.h"
#include "ledger.h"
#include "ops.h"
#include "sim.h"

static __thread struct worker *current;

struct worker *worker_current(void)
{
	return current;
}

static void op_collaboration(struct worker *w)
{
	struct mcp_collab_result out;
	int pool[ARRAY_LEN(agent_names)];
	char id[48], csv[128];
	size_t len = 0;
	int count;

	snprintf(id, sizeof(id), "collab-%d-%ld", w->index, ++w->seq);
	const char *type = collab_types[sim_range(0, ARRAY_LEN(collab_types) - 1)];
	count = sim_range(2, 4);
	/* count distinct agents: a partial Fisher-Yates shuffle. */
	for (int i = 0; i < (int)ARRAY_LEN(pool); i++)
		pool[i] = i;
	for (int i = 0; i < count; i++) {
		int j = sim_range(i, ARRAY_LEN(pool) - 1), t = pool[i];

		pool[i] = pool[j];
		pool[j] = t;
		len += (size_t)snprintf(csv + len, sizeof(csv) - len, "%s%s",
					i ? "," : "", agent_names[pool[i]]);
	}
	const char *task = collab_tasks[sim_range(0, ARRAY_LEN(collab_tasks) - 1)];

	MCP_CALL("agent_collaboration_session",
		 mcp_agent_collaboration(id, type, csv, count, task, &out));
}

static void op_routing(struct worker *w)
{
	struct mcp_routing_result out;
	char id[48];

	snprintf(id, sizeof(id), "req-%d-%ld", w->index, ++w->seq);
	const char *model_type =
		routing_model_types[sim_range(0, ARRAY_LEN(routing_model_types) - 1)];
	const char *prompt = prompts[sim_range(0, ARRAY_LEN(prompts) - 1)];

	MCP_CALL("model_routing", mcp_model_routing(id, model_type, prompt,
						    (int)strlen(prompt), &out));
}

static void op_workflow(struct worker *w)
{
	struct mcp_workflow_result out;
	char id[48];

	snprintf(id, sizeof(id), "wf-%d-%ld", w->index, ++w->seq);
	const char *type = workflows[sim_range(0, ARRAY_LEN(workflows) - 1)].type;
	int steps = sim_range(2, 6);

	MCP_CALL("workflow_execution", mcp_workflow_execution(id, type, steps, &out));
}

static void op_plan(struct worker *w)
{
	struct mcp_plan_result created, executed;
	char id[48];

	snprintf(id, sizeof(id), "plan-%d-%ld", w->index, ++w->seq);
	const char *type = plan_types[sim_range(0, ARRAY_LEN(plan_types) - 1)];

	if (MCP_CALL("plan_creation", mcp_plan_creation(id, type, &created)) < 0)
		return;
	MCP_CALL("plan_execution", mcp_plan_execution(id, type, &executed));
}

static void op_feedback(struct worker *w)
{
	struct mcp_feedback_result out;
	const char *type =
		verification_types[sim_range(0, ARRAY_LEN(verification_types) - 1)];
	int max_iterations = sim_range(2, 5);

	(void)w;
	MCP_CALL("feedback_loop", mcp_feedback_loop(type, max_iterations, &out));
}

static void (*const top_level_ops[])(struct worker *) = {
	op_collaboration, op_routing, op_workflow, op_plan, op_feedback,
};

static void run_one(struct worker *w)
{
	top_level_ops[sim_range(0, ARRAY_LEN(top_level_ops) - 1)](w);
	w->ops_done++;
}

static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t_ns / 1000000000ull),
		.tv_nsec = (long)(t_ns % 1000000000ull),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void *worker_run(void *arg)
{
	struct worker *w = arg;
	const struct demo_config *cfg = w->cfg;
	char name[16];

	current = w;
	ledger_bind(w->ledger);
	rng_seed(&w->rng, cfg->seed, (uint64_t)w->index);
	sim_bind_rng(&w->rng);
	/* The default 50 us timer slack would swamp sleeps of tens of us. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	snprintf(name, sizeof(name), "mcp-worker-%d", w->index);
	pthread_setname_np(pthread_self(), name);

	if (cfg->duration_s <= 0) {
		for (long k = 0; k < w->ops_target && !atomic_load(w->stop); k++)
			run_one(w);
		return NULL;
	}

	uint64_t end = w->start_ns + (uint64_t)(cfg->duration_s * 1e9);
	double interval = cfg->rate > 0 ? cfg->threads * 1e9 / cfg->rate : 0;
	/* Threads start staggered so their ops interleave evenly. */
	double offset = interval * w->index / cfg->threads;

	for (long k = 0; !atomic_load(w->stop); k++) {
		if (interval > 0) {
			uint64_t next = w->start_ns + (uint64_t)(offset + k * interval);

			if (next >= end)
				break;
			sleep_until(next);
		}
		if (clock_ns() >= end)
			break;
		run_one(w);
	}
	return NULL;
}
