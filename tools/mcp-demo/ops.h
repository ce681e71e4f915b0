/*
 * The operation functions: one exported function per catalog operation.
 *
 * The tracer attaches uprobes to these symbols from outside and reads their
 * arguments and out-parameter structs at fixed offsets (mcp-demo.probes).
 * The offsets are therefore a contract: the _Static_asserts below keep them
 * from drifting. noipa keeps every function a real, separately called
 * symbol (no inlining, cloning or identical-code folding).
 *
 * Span operations return 0 on success or a negative errno-like code, and on
 * failure fill out->error_type. They return long, not int: a uretprobe that
 * reads the whole of %rax then sees the same negative number as one that
 * reads %eax (an int return leaves the upper half of %rax zero).
 */
#ifndef MCP_DEMO_OPS_H
#define MCP_DEMO_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "ledger.h"

#if defined(__clang__) /* no noipa; externally visible + noinline is enough */
#define MCP_OP __attribute__((noinline, used, visibility("default")))
#else
#define MCP_OP __attribute__((noipa, used, visibility("default")))
#endif

#define MCP_NAME_MAX 32 /* inline strings in out structs, NUL included */

/* ---- agent collaboration ---- */
struct mcp_collab_result {
	double consensus_time_ms;          /*  0 */
	double final_result_quality;       /*  8 */
	int collaboration_iterations;      /* 16 */
	bool consensus_reached;            /* 20 */
	_Alignas(8) char error_type[32];   /* 24 */
};                                         /* size 56 */

struct mcp_iteration_result {
	double agent_contribution;         /*  0 */
	char error_type[32];               /*  8 */
};                                         /* size 40 */

struct mcp_consensus_result {
	double final_agreement_score;      /*  0 */
	int consensus_iterations;          /*  8 */
	bool consensus_reached;            /* 12 */
	_Alignas(8) char error_type[32];   /* 16 */
};                                         /* size 48 */

/* ---- model routing ---- */
struct mcp_routing_result {
	long response_length;              /*  0 */
	long tokens_used;                  /*  8 */
	double cost;                       /* 16 */
	bool cache_hit;                    /* 24 */
	_Alignas(8) char selected_model[32]; /* 32 */
	char error_type[32];               /* 64 */
	const char *provider;              /* 96: points at a static string */
};                                         /* size 104 */

struct mcp_selection_result {
	char selected_model[32];           /*  0 */
	char error_type[32];               /* 32 */
};                                         /* size 64 */

struct mcp_inference_result {
	long response_length;              /*  0 */
	long tokens_used;                  /*  8 */
	double cost;                       /* 16 */
	char error_type[32];               /* 24 */
};                                         /* size 56 */

/* ---- workflow ---- */
struct mcp_workflow_result {
	int completed_steps;               /*  0 */
	int total_steps;                   /*  4 */
	int branches_taken;                /*  8 */
	int retries;                       /* 12 */
	bool rollback;                     /* 16 */
	_Alignas(8) char error_type[32];   /* 24 */
};                                         /* size 56 */

struct mcp_step_result {
	long output_bytes;                 /*  0 (not bound) */
	char error_type[32];               /*  8 */
};                                         /* size 40 */

/* ---- plans (one layout for creation, validation and execution) ---- */
struct mcp_plan_result {
	int plan_steps;                    /*  0 creation */
	int completed_steps;               /*  4 execution */
	int validation_result;             /*  8 validation: 0 invalid, 1 valid */
	int validation_issues;             /* 12 validation */
	char error_type[32];               /* 16 */
};                                         /* size 48 */

/* ---- verification ---- */
struct mcp_verification_result {
	double quality_score;              /*  0 */
	bool verification_passed;          /*  8 */
	_Alignas(8) char error_type[32];   /* 16 */
};                                         /* size 48 */

struct mcp_feedback_result {
	double final_quality_score;        /*  0 */
	int feedback_iterations;           /*  8 */
	bool passed;                       /* 12 (not bound) */
	_Alignas(8) char error_type[32];   /* 16 */
};                                         /* size 48 */

#define MCP_ASSERT_OFF(type, field, off)                                    \
	_Static_assert(offsetof(struct type, field) == (off),               \
		       #type "." #field " must stay at offset " #off)
MCP_ASSERT_OFF(mcp_collab_result, consensus_time_ms, 0);
MCP_ASSERT_OFF(mcp_collab_result, final_result_quality, 8);
MCP_ASSERT_OFF(mcp_collab_result, collaboration_iterations, 16);
MCP_ASSERT_OFF(mcp_collab_result, consensus_reached, 20);
MCP_ASSERT_OFF(mcp_collab_result, error_type, 24);
MCP_ASSERT_OFF(mcp_iteration_result, agent_contribution, 0);
MCP_ASSERT_OFF(mcp_iteration_result, error_type, 8);
MCP_ASSERT_OFF(mcp_consensus_result, final_agreement_score, 0);
MCP_ASSERT_OFF(mcp_consensus_result, consensus_iterations, 8);
MCP_ASSERT_OFF(mcp_consensus_result, consensus_reached, 12);
MCP_ASSERT_OFF(mcp_consensus_result, error_type, 16);
MCP_ASSERT_OFF(mcp_routing_result, response_length, 0);
MCP_ASSERT_OFF(mcp_routing_result, tokens_used, 8);
MCP_ASSERT_OFF(mcp_routing_result, cost, 16);
MCP_ASSERT_OFF(mcp_routing_result, cache_hit, 24);
MCP_ASSERT_OFF(mcp_routing_result, selected_model, 32);
MCP_ASSERT_OFF(mcp_routing_result, error_type, 64);
MCP_ASSERT_OFF(mcp_routing_result, provider, 96);
MCP_ASSERT_OFF(mcp_selection_result, selected_model, 0);
MCP_ASSERT_OFF(mcp_selection_result, error_type, 32);
MCP_ASSERT_OFF(mcp_inference_result, response_length, 0);
MCP_ASSERT_OFF(mcp_inference_result, tokens_used, 8);
MCP_ASSERT_OFF(mcp_inference_result, cost, 16);
MCP_ASSERT_OFF(mcp_inference_result, error_type, 24);
MCP_ASSERT_OFF(mcp_workflow_result, completed_steps, 0);
MCP_ASSERT_OFF(mcp_workflow_result, total_steps, 4);
MCP_ASSERT_OFF(mcp_workflow_result, branches_taken, 8);
MCP_ASSERT_OFF(mcp_workflow_result, retries, 12);
MCP_ASSERT_OFF(mcp_workflow_result, rollback, 16);
MCP_ASSERT_OFF(mcp_workflow_result, error_type, 24);
MCP_ASSERT_OFF(mcp_step_result, error_type, 8);
MCP_ASSERT_OFF(mcp_plan_result, plan_steps, 0);
MCP_ASSERT_OFF(mcp_plan_result, completed_steps, 4);
MCP_ASSERT_OFF(mcp_plan_result, validation_result, 8);
MCP_ASSERT_OFF(mcp_plan_result, validation_issues, 12);
MCP_ASSERT_OFF(mcp_plan_result, error_type, 16);
MCP_ASSERT_OFF(mcp_verification_result, quality_score, 0);
MCP_ASSERT_OFF(mcp_verification_result, verification_passed, 8);
MCP_ASSERT_OFF(mcp_verification_result, error_type, 16);
MCP_ASSERT_OFF(mcp_feedback_result, final_quality_score, 0);
MCP_ASSERT_OFF(mcp_feedback_result, feedback_iterations, 8);
MCP_ASSERT_OFF(mcp_feedback_result, error_type, 16);

/* ---- span operations ---- */
MCP_OP long mcp_agent_collaboration(const char *collab_id, const char *collab_type,
				    const char *agents_csv, int agent_count,
				    const char *task, struct mcp_collab_result *out);
MCP_OP long mcp_agent_iteration(const char *collab_id, const char *collab_type,
				const char *agent_name, int iteration_number,
				struct mcp_iteration_result *out);
MCP_OP long mcp_consensus_building(const char *collab_id, int agent_count,
				   struct mcp_consensus_result *out);

MCP_OP long mcp_model_routing(const char *request_id, const char *model_type,
			      const char *prompt, int prompt_length,
			      struct mcp_routing_result *out);
MCP_OP long mcp_model_selection(const char *available_models_csv, int count,
				struct mcp_selection_result *out);
MCP_OP long mcp_model_inference(const char *model_type, int prompt_length,
				struct mcp_inference_result *out);

MCP_OP long mcp_workflow_execution(const char *workflow_id, const char *workflow_type,
				   int steps, struct mcp_workflow_result *out);
MCP_OP long mcp_workflow_step(const char *step_name, const char *step_type,
			      int step_index, struct mcp_step_result *out);

MCP_OP long mcp_plan_creation(const char *plan_id, const char *plan_type,
			      struct mcp_plan_result *out);
MCP_OP long mcp_plan_validation(const char *plan_id, const char *plan_type,
				struct mcp_plan_result *out);
MCP_OP long mcp_plan_execution(const char *plan_id, const char *plan_type,
			       struct mcp_plan_result *out);

MCP_OP long mcp_verification(const char *verification_id,
			     const char *verification_type,
			     struct mcp_verification_result *out);
MCP_OP long mcp_feedback_loop(const char *verification_type, int max_iterations,
			      struct mcp_feedback_result *out);

/* ---- point operations (each also fires USDT mcp_demo:<name>) ---- */
MCP_OP void mcp_model_cache_hit(const char *model_type);
MCP_OP void mcp_model_cache_miss(const char *model_type);
MCP_OP void mcp_workflow_branch(const char *branch_name, const char *condition);
MCP_OP void mcp_workflow_retry(const char *step_name, int retry_count);
MCP_OP void mcp_workflow_rollback(const char *reason);

/*
 * Calls a span operation and records its duration as its caller sees it
 * ("outer"): the tracer's duration must lie between inner and outer.
 */
#define MCP_CALL(span, call)                                                \
	({                                                                  \
		uint64_t mcp_t0_ = clock_ns();                              \
		long mcp_rc_ = (call);                                      \
		ledger_outer((span), clock_ns() - mcp_t0_);                 \
		mcp_rc_;                                                    \
	})

static inline const char *mcp_success(long rc)
{
	return rc >= 0 ? "true" : "false";
}

#endif
