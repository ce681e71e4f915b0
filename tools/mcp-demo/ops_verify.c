/* Verification feedback: verify until the result passes or the loop gives up. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "ledger.h"
#include "ops.h"
#include "sim.h"
#include "worker.h"

#define PASS_THRESHOLD 0.7

static const struct sim_error verification_errors[] = {
	{"TimeoutError", ETIMEDOUT},
	{"VerifierUnavailableError", ENOENT},
};
static const struct sim_error feedback_errors[] = {
	{"TimeoutError", ETIMEDOUT},
};

MCP_OP long mcp_verification(const char *verification_id,
			     const char *verification_type,
			     struct mcp_verification_result *out)
{
	uint64_t t0 = clock_ns();
	const char *result;
	long rc = 0;

	memset(out, 0, sizeof(*out));
	sim_work(verification_id, 40, 150);
	if (sim_inject()) {
		rc = sim_fail(out->error_type, SIM_ERRORS(verification_errors));
	} else {
		/* Multiples of 1/1024: histogram sums stay exact. */
		out->quality_score = sim_range(512, 1024) / 1024.0;
		out->verification_passed = out->quality_score >= PASS_THRESHOLD;
	}

	uint64_t inner = clock_ns() - t0;
	result = rc < 0 ? "error" : out->verification_passed ? "passed" : "failed";
	ledger_span("verification", rc >= 0, inner);
	ledger_count("mcp_verification_total", 1,
		     LEDGER_ATTRS({"mcp.verification_type", verification_type},
				  {"mcp.verification_result", result}));
	ledger_observe_ns("mcp_verification_duration_seconds", inner,
			  LEDGER_ATTRS({"mcp.verification_type", verification_type}));
	if (rc >= 0)
		ledger_observe("mcp_verification_quality_score", out->quality_score,
			       LEDGER_ATTRS({"mcp.verification_type", verification_type}));
	else
		ledger_count("mcp_verification_errors_total", 1,
			     LEDGER_ATTRS({"mcp.verification_type", verification_type},
					  {"mcp.error_type", out->error_type}));
	return rc;
}

MCP_OP long mcp_feedback_loop(const char *verification_type, int max_iterations,
			      struct mcp_feedback_result *out)
{
	uint64_t t0 = clock_ns();
	struct worker *w = worker_current();
	long seq = ++w->seq;
	int abort_after;
	long rc = 0;

	memset(out, 0, sizeof(*out));
	/* An injected failure: the loop times out after abort_after rounds. */
	abort_after = sim_inject() ? sim_range(1, max_iterations) : -1;
	for (int i = 1; i <= max_iterations && !out->passed; i++) {
		struct mcp_verification_result vr;
		char id[64];
		long r;

		snprintf(id, sizeof(id), "verify-%d-%ld-%d", w->index, seq, i);
		r = MCP_CALL("verification", mcp_verification(id, verification_type, &vr));
		out->feedback_iterations = i;
		if (r >= 0) {
			out->final_quality_score = vr.quality_score;
			out->passed = vr.verification_passed;
		}
		if (!out->passed && i == abort_after) {
			rc = sim_fail(out->error_type, SIM_ERRORS(feedback_errors));
			break;
		}
		if (!out->passed)
			sim_work(verification_type, 10, 40); /* revise before re-checking */
	}
	if (rc == 0 && !out->passed)
		rc = sim_fail_as(out->error_type, "QualityThresholdError", EAGAIN);

	uint64_t inner = clock_ns() - t0;
	ledger_span("feedback_loop", rc >= 0, inner);
	if (rc >= 0)
		ledger_observe("mcp_feedback_loop_iterations", out->feedback_iterations,
			       LEDGER_ATTRS({"mcp.verification_type", verification_type}));
	return rc;
}
