/* Workflow execution: steps with branches, retries and rollback. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "data.h"
#include "ledger.h"
#include "ops.h"
#include "sim.h"

#define MAX_RETRIES 2
#define BRANCH_CHANCE 0.3

static const struct sim_error workflow_errors[] = {
	{"TimeoutError", ETIMEDOUT},
};
static const struct sim_error step_errors[] = {
	{"TimeoutError", ETIMEDOUT},
	{"ValidationError", EINVAL},
	{"ToolError", EIO},
};

MCP_OP long mcp_workflow_step(const char *step_name, const char *step_type,
			      int step_index, struct mcp_step_result *out)
{
	uint64_t t0 = clock_ns();
	char span[64];
	long rc = 0;

	memset(out, 0, sizeof(*out));
	sim_work(step_name, 40, 160);
	if (sim_inject())
		rc = sim_fail(out->error_type, SIM_ERRORS(step_errors));
	else
		out->output_bytes = 256L * (step_index + 1) + sim_range(0, 4096);

	uint64_t inner = clock_ns() - t0;
	snprintf(span, sizeof(span), "workflow_step_%s", step_name);
	ledger_span(span, rc >= 0, inner);
	ledger_count("mcp_workflow_step_total", 1,
		     LEDGER_ATTRS({"mcp.step_type", step_type},
				  {"mcp.success", mcp_success(rc)}));
	ledger_observe_ns("mcp_workflow_step_duration_seconds", inner,
			  LEDGER_ATTRS({"mcp.step_type", step_type}));
	if (rc >= 0)
		ledger_count("mcp_workflow_step_success_total", 1,
			     LEDGER_ATTRS({"mcp.step_type", step_type}));
	else
		ledger_count("mcp_workflow_step_errors_total", 1,
			     LEDGER_ATTRS({"mcp.step_type", step_type},
					  {"mcp.error_type", out->error_type}));
	return rc;
}

/* Runs one step, retrying a failure up to MAX_RETRIES times. */
static long run_step(const char *name, const char *type, int index,
		     struct mcp_workflow_result *out, struct mcp_step_result *sr)
{
	char span[64];
	long r;

	snprintf(span, sizeof(span), "workflow_step_%s", name);
	for (int attempt = 0;; attempt++) {
		r = MCP_CALL(span, mcp_workflow_step(name, type, index, sr));
		if (r >= 0 || attempt == MAX_RETRIES)
			return r;
		mcp_workflow_retry(name, attempt + 1);
		out->retries++;
	}
}

static void record_workflow(const char *workflow_type, long rc,
			    const struct mcp_workflow_result *out, uint64_t inner)
{
	ledger_span("workflow_execution", rc >= 0, inner);
	ledger_count("mcp_workflow_execution_total", 1,
		     LEDGER_ATTRS({"mcp.workflow_type", workflow_type},
				  {"mcp.success", mcp_success(rc)}));
	ledger_observe_ns("mcp_workflow_execution_duration_seconds", inner,
			  LEDGER_ATTRS({"mcp.workflow_type", workflow_type}));
	if (rc >= 0)
		ledger_count("mcp_workflow_success_total", 1,
			     LEDGER_ATTRS({"mcp.workflow_type", workflow_type}));
	else
		ledger_count("mcp_workflow_errors_total", 1,
			     LEDGER_ATTRS({"mcp.workflow_type", workflow_type},
					  {"mcp.error_type", out->error_type}));
	ledger_count("mcp_active_workflows", -1,
		     LEDGER_ATTRS({"mcp.workflow_type", workflow_type}));
}

MCP_OP long mcp_workflow_execution(const char *workflow_id, const char *workflow_type,
				   int steps, struct mcp_workflow_result *out)
{
	uint64_t t0 = clock_ns();
	const struct workflow_def *wf = workflow_find(workflow_type);
	int deadline_at;
	long rc = 0;

	ledger_count("mcp_active_workflows", 1,
		     LEDGER_ATTRS({"mcp.workflow_type", workflow_type}));
	memset(out, 0, sizeof(*out));
	out->total_steps = steps;
	/* An injected failure: the deadline passes before step deadline_at. */
	deadline_at = sim_inject() ? sim_range(0, steps > 0 ? steps - 1 : 0) : -1;
	sim_work(workflow_id, 10, 40);
	if (!wf)
		rc = sim_fail_as(out->error_type, "ValidationError", EINVAL);

	for (int i = 0; rc == 0 && i < steps; i++) {
		const struct step_def *s = &wf->steps[i % (int)ARRAY_LEN(wf->steps)];
		const char *name = s->name, *type = s->type;
		struct mcp_step_result sr;
		long r;

		if (i == deadline_at) {
			mcp_workflow_rollback(rollback_deadline);
			out->rollback = true;
			rc = sim_fail(out->error_type, SIM_ERRORS(workflow_errors));
			break;
		}
		if (s->branch_name && sim_chance(BRANCH_CHANCE)) {
			mcp_workflow_branch(s->branch_name, s->condition);
			out->branches_taken++;
			name = s->alt_name;
			type = s->alt_type;
		}
		r = run_step(name, type, i, out, &sr);
		if (r < 0) {
			mcp_workflow_rollback(rollback_step_failed);
			out->rollback = true;
			rc = sim_fail_as(out->error_type, sr.error_type, (int)-r);
			break;
		}
		out->completed_steps++;
	}

	uint64_t inner = clock_ns() - t0;
	record_workflow(workflow_type, rc, out, inner);
	return rc;
}
