/* Agent collaboration: a session of rounds; each round every agent iterates, then consensus. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "ledger.h"
#include "ops.h"
#include "sim.h"

#define MAX_AGENTS 8
#define MAX_ROUNDS 3

static const struct sim_error collab_errors[] = {
	{"TimeoutError", ETIMEDOUT},
	{"RateLimitError", EBUSY},
};
static const struct sim_error iteration_errors[] = {
	{"TimeoutError", ETIMEDOUT},
	{"AgentCrashError", EIO},
};
static const struct sim_error consensus_errors[] = {
	{"TimeoutError", ETIMEDOUT},
	{"QuorumLostError", EPIPE},
};

/* Contribution scores are multiples of 1/256: histogram sums stay exact. */
static double draw_contribution(void)
{
	return sim_range(32, 256) / 256.0;
}

MCP_OP long mcp_agent_iteration(const char *collab_id, const char *collab_type,
				const char *agent_name, int iteration_number,
				struct mcp_iteration_result *out)
{
	uint64_t t0 = clock_ns();
	char span[64];
	long rc = 0;

	memset(out, 0, sizeof(*out));
	sim_work(agent_name, 40, 160);
	if (sim_inject())
		rc = sim_fail(out->error_type, SIM_ERRORS(iteration_errors));
	else
		out->agent_contribution = draw_contribution() *
					  (iteration_number > 1 ? 1.0 : 0.5);
	(void)collab_id;

	uint64_t inner = clock_ns() - t0;
	snprintf(span, sizeof(span), "agent_iteration_%s", agent_name);
	ledger_span(span, rc >= 0, inner);
	ledger_count("mcp_agent_participation_total", 1,
		     LEDGER_ATTRS({"mcp.agent_name", agent_name},
				  {"mcp.collaboration_type", collab_type}));
	if (rc >= 0)
		ledger_observe("mcp_agent_contribution_score", out->agent_contribution,
			       LEDGER_ATTRS({"mcp.agent_name", agent_name},
					    {"mcp.collaboration_type", collab_type}));
	return rc;
}

MCP_OP long mcp_consensus_building(const char *collab_id, int agent_count,
				   struct mcp_consensus_result *out)
{
	uint64_t t0 = clock_ns();
	long rc = 0;

	memset(out, 0, sizeof(*out));
	sim_work(collab_id, 30, 60 + 20 * (unsigned)agent_count);
	if (sim_inject()) {
		rc = sim_fail(out->error_type, SIM_ERRORS(consensus_errors));
	} else {
		out->consensus_iterations = sim_range(1, 4);
		out->consensus_reached = sim_chance(0.65);
		out->final_agreement_score = out->consensus_reached
						     ? sim_range(640, 1024) / 1024.0
						     : sim_range(256, 639) / 1024.0;
	}

	uint64_t inner = clock_ns() - t0;
	ledger_span("consensus_building", rc >= 0, inner);
	return rc;
}

/*
 * Milliseconds, as a whole number of 2^-20 s ticks times 1000: then ms/1000
 * (what the tracer records) is exactly that dyadic number, and sums of it
 * come out identical in any order.
 */
static double quantize_ms(uint64_t ns)
{
	double ticks = nearbyint((double)ns * 0x1p20 / 1e9);

	return ticks * 1000.0 * 0x1p-20;
}

/* Splits a comma list into buf; returns how many names landed in names[]. */
static int split_agents(const char *csv, char *buf, size_t cap,
			const char *names[MAX_AGENTS])
{
	int n = 0;

	snprintf(buf, cap, "%s", csv);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save);
	     tok && n < MAX_AGENTS; tok = strtok_r(NULL, ",", &save))
		names[n++] = tok;
	return n;
}

static void record_collaboration(const char *collab_type, long rc,
				 const struct mcp_collab_result *out,
				 uint64_t inner)
{
	ledger_span("agent_collaboration_session", rc >= 0, inner);
	ledger_count("mcp_agent_collaboration_total", 1,
		     LEDGER_ATTRS({"mcp.collaboration_type", collab_type},
				  {"mcp.success", mcp_success(rc)}));
	ledger_observe_ns("mcp_agent_collaboration_duration_seconds", inner,
			  LEDGER_ATTRS({"mcp.collaboration_type", collab_type}));
	if (rc >= 0) {
		ledger_count("mcp_agent_collaboration_success_total", 1,
			     LEDGER_ATTRS({"mcp.collaboration_type", collab_type}));
		ledger_observe("mcp_agent_collaboration_iterations",
			       out->collaboration_iterations,
			       LEDGER_ATTRS({"mcp.collaboration_type", collab_type}));
		ledger_observe("mcp_agent_consensus_time_seconds",
			       out->consensus_time_ms / 1000.0,
			       LEDGER_ATTRS({"mcp.collaboration_type", collab_type}));
	} else {
		ledger_count("mcp_agent_collaboration_errors_total", 1,
			     LEDGER_ATTRS({"mcp.collaboration_type", collab_type},
					  {"mcp.error_type", out->error_type}));
	}
	ledger_count("mcp_active_agent_collaborations", -1,
		     LEDGER_ATTRS({"mcp.collaboration_type", collab_type}));
}

MCP_OP long mcp_agent_collaboration(const char *collab_id, const char *collab_type,
				    const char *agents_csv, int agent_count,
				    const char *task, struct mcp_collab_result *out)
{
	uint64_t t0 = clock_ns();
	const char *agents[MAX_AGENTS];
	char names_buf[256];
	uint64_t consensus_ns = 0;
	double quality_sum = 0;
	int contributions = 0, n;
	long rc = 0;
	bool inject;

	ledger_count("mcp_active_agent_collaborations", 1,
		     LEDGER_ATTRS({"mcp.collaboration_type", collab_type}));
	memset(out, 0, sizeof(*out));
	inject = sim_inject();
	n = split_agents(agents_csv, names_buf, sizeof(names_buf), agents);
	if (n > agent_count)
		n = agent_count;
	sim_work(task, 20, 60);

	for (int round = 1; round <= MAX_ROUNDS && rc == 0 && !out->consensus_reached;
	     round++) {
		struct mcp_iteration_result ir;
		struct mcp_consensus_result cr;
		char last_error[32] = "";
		long last_rc = 0;
		int responded = 0;

		for (int i = 0; i < n; i++) {
			char span[64];
			long r;

			snprintf(span, sizeof(span), "agent_iteration_%s", agents[i]);
			r = MCP_CALL(span, mcp_agent_iteration(collab_id, collab_type,
							       agents[i], round, &ir));
			if (r >= 0) {
				responded++;
				quality_sum += ir.agent_contribution;
				contributions++;
			} else {
				last_rc = r;
				memcpy(last_error, ir.error_type, sizeof(last_error));
			}
		}
		out->collaboration_iterations = round;
		if (responded == 0) {
			/* No agent answered: the session fails as its agents did. */
			rc = sim_fail_as(out->error_type, last_error, (int)-last_rc);
			break;
		}

		uint64_t c0 = clock_ns();
		long r = mcp_consensus_building(collab_id, responded, &cr);
		uint64_t cdt = clock_ns() - c0;

		ledger_outer("consensus_building", cdt);
		consensus_ns += cdt;
		if (r < 0) {
			rc = sim_fail_as(out->error_type, cr.error_type, (int)-r);
			break;
		}
		out->consensus_reached = cr.consensus_reached;
	}
	if (rc == 0 && !out->consensus_reached)
		rc = sim_fail_as(out->error_type, "ConsensusNotReachedError", EAGAIN);
	if (rc == 0 && inject)
		rc = sim_fail(out->error_type, SIM_ERRORS(collab_errors));
	out->consensus_time_ms = quantize_ms(consensus_ns);
	out->final_result_quality = contributions ? quality_sum / contributions : 0.0;

	uint64_t inner = clock_ns() - t0;
	record_collaboration(collab_type, rc, out, inner);
	return rc;
}
