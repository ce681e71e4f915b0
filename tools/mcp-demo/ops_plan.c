/* Plan management: create a plan, then execute it (execution validates first). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "ledger.h"
#include "ops.h"
#include "sim.h"
#include "worker.h"

static const struct sim_error creation_errors[] = {
	{"PlanningError", EINVAL},
	{"TimeoutError", ETIMEDOUT},
};
static const struct sim_error validation_errors[] = {
	{"SchemaError", EPROTO},
	{"TimeoutError", ETIMEDOUT},
};
static const struct sim_error execution_errors[] = {
	{"ExecutionError", EIO},
	{"TimeoutError", ETIMEDOUT},
};

/* The metrics every plan operation shares; plan_operation is the binding's constant. */
static void record_plan_op(const char *span, const char *plan_operation,
			   const char *plan_type, long rc,
			   const struct mcp_plan_result *out, uint64_t inner)
{
	ledger_span(span, rc >= 0, inner);
	ledger_count("mcp_plan_operations_total", 1,
		     LEDGER_ATTRS({"mcp.plan_operation", plan_operation},
				  {"mcp.plan_type", plan_type},
				  {"mcp.success", mcp_success(rc)}));
	ledger_observe_ns("mcp_plan_operation_duration_seconds", inner,
			  LEDGER_ATTRS({"mcp.plan_operation", plan_operation}));
	if (rc < 0)
		ledger_count("mcp_plan_errors_total", 1,
			     LEDGER_ATTRS({"mcp.plan_operation", plan_operation},
					  {"mcp.error_type", out->error_type}));
}

MCP_OP long mcp_plan_creation(const char *plan_id, const char *plan_type,
			      struct mcp_plan_result *out)
{
	uint64_t t0 = clock_ns();
	long rc = 0;

	memset(out, 0, sizeof(*out));
	sim_work(plan_type, 50, 200);
	if (sim_inject()) {
		rc = sim_fail(out->error_type, SIM_ERRORS(creation_errors));
	} else {
		out->plan_steps = sim_range(2, 8);
		plan_store_put(&worker_current()->plans, plan_id, out->plan_steps);
	}

	uint64_t inner = clock_ns() - t0;
	record_plan_op("plan_creation", "create", plan_type, rc, out, inner);
	if (rc >= 0)
		ledger_observe("mcp_plan_steps", out->plan_steps,
			       LEDGER_ATTRS({"mcp.plan_type", plan_type}));
	return rc;
}

/* "invalid" is a successful validation with a negative verdict, not a failure. */
MCP_OP long mcp_plan_validation(const char *plan_id, const char *plan_type,
				struct mcp_plan_result *out)
{
	uint64_t t0 = clock_ns();
	int steps = plan_store_steps(&worker_current()->plans, plan_id);
	long rc = 0;

	memset(out, 0, sizeof(*out));
	sim_work(plan_id, 30, 100);
	if (sim_inject()) {
		rc = sim_fail(out->error_type, SIM_ERRORS(validation_errors));
	} else if (steps < 0) {
		rc = sim_fail_as(out->error_type, "PlanNotFoundError", ENOENT);
	} else {
		out->plan_steps = steps;
		out->validation_issues = sim_chance(0.15) ? sim_range(1, 3) : 0;
		out->validation_result = out->validation_issues == 0;
	}

	uint64_t inner = clock_ns() - t0;
	record_plan_op("plan_validation", "validate", plan_type, rc, out, inner);
	if (rc >= 0)
		ledger_count("mcp_plan_validation_total", 1,
			     LEDGER_ATTRS({"mcp.validation_result",
					   out->validation_result ? "valid" : "invalid"}));
	return rc;
}

MCP_OP long mcp_plan_execution(const char *plan_id, const char *plan_type,
			       struct mcp_plan_result *out)
{
	uint64_t t0 = clock_ns();
	struct mcp_plan_result vr;
	int fail_at;
	long rc = 0, r;

	ledger_count("mcp_active_plans", 1, LEDGER_ATTRS({"mcp.plan_type", plan_type}));
	memset(out, 0, sizeof(*out));
	r = MCP_CALL("plan_validation", mcp_plan_validation(plan_id, plan_type, &vr));
	if (r < 0) {
		rc = sim_fail_as(out->error_type, vr.error_type, (int)-r);
	} else if (!vr.validation_result) {
		rc = sim_fail_as(out->error_type, "InvalidPlanError", EINVAL);
	} else {
		out->plan_steps = vr.plan_steps;
		fail_at = sim_inject() ? sim_range(0, vr.plan_steps - 1) : -1;
		for (int i = 0; i < vr.plan_steps; i++) {
			if (i == fail_at) {
				rc = sim_fail(out->error_type, SIM_ERRORS(execution_errors));
				break;
			}
			sim_work(plan_id, 15, 60);
			out->completed_steps++;
		}
	}

	uint64_t inner = clock_ns() - t0;
	record_plan_op("plan_execution", "execute", plan_type, rc, out, inner);
	ledger_count("mcp_active_plans", -1, LEDGER_ATTRS({"mcp.plan_type", plan_type}));
	return rc;
}
