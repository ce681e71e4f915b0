/* The catalog tables (../shared/spec/telemetry.md, families 1-5 and 8).
 * README.md "How each operation is counted" is this file in prose. */
#include <string.h>
#include "catalog.h"

enum {
	M_COLLAB_TOTAL, M_COLLAB_SUCCESS, M_COLLAB_ERRORS, M_COLLAB_DURATION,
	M_COLLAB_ITERATIONS, M_CONSENSUS_TIME, M_ACTIVE_COLLABS, M_PARTICIPATION,
	M_CONTRIBUTION,
	M_ROUTING_TOTAL, M_ROUTING_SUCCESS, M_ROUTING_ERRORS, M_ROUTING_DURATION,
	M_ACTIVE_ROUTINGS, M_SELECTION_TIME, M_INFERENCE_TIME, M_TOKENS, M_COST,
	M_MODEL_USAGE, M_MODEL_ERRORS, M_CACHE_HITS, M_CACHE_MISSES,
	M_WF_TOTAL, M_WF_SUCCESS, M_WF_ERRORS, M_WF_DURATION, M_ACTIVE_WF,
	M_STEP_TOTAL, M_STEP_SUCCESS, M_STEP_ERRORS, M_STEP_DURATION,
	M_BRANCH, M_RETRY, M_ROLLBACK,
	M_PLAN_OPS, M_PLAN_ERRORS, M_PLAN_DURATION, M_PLAN_VALIDATION, M_PLAN_STEPS,
	M_ACTIVE_PLANS,
	M_VERIFY_TOTAL, M_VERIFY_ERRORS, M_VERIFY_DURATION, M_VERIFY_QUALITY,
	M_FEEDBACK_ITERATIONS,
	M_EXEC_DURATION,
	M_GIT_OPS, M_GIT_ERRORS, M_GIT_DURATION, M_GIT_ACTIVE,
	M_GENAI_DURATION, M_GENAI_TOKENS, M_GENAI_TTFC,
	M_MCP_CLIENT_DURATION, M_MCP_SERVER_DURATION, M_MCP_CLIENT_SESSION, M_MCP_SERVER_SESSION,
	M_COUNT
};

/* The GenAI semantic conventions' ExplicitBucketBoundaries: seconds for
 * gen_ai.client.operation.duration and ...time_to_first_chunk, tokens for
 * gen_ai.client.token.usage (docs/gen-ai/gen-ai-metrics.md). */
static const double genai_seconds[] = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64,
				       1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
static const double genai_tokens[] = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536,
				      262144, 1048576, 4194304, 16777216, 67108864};
#define SEMCONV_BOUNDS(b) b, (int)(sizeof(b) / sizeof(b[0]))

const struct metric_def catalog_metrics[] = {
	[M_COLLAB_TOTAL] = {"mcp_agent_collaboration_total", MK_COUNTER, "1", "Agent collaboration sessions", false},
	[M_COLLAB_SUCCESS] = {"mcp_agent_collaboration_success_total", MK_COUNTER, "1", "Successful agent collaboration sessions", false},
	[M_COLLAB_ERRORS] = {"mcp_agent_collaboration_errors_total", MK_COUNTER, "1", "Failed agent collaboration sessions", false},
	[M_COLLAB_DURATION] = {"mcp_agent_collaboration_duration_seconds", MK_HISTOGRAM, "s", "Agent collaboration session duration", false},
	[M_COLLAB_ITERATIONS] = {"mcp_agent_collaboration_iterations", MK_HISTOGRAM, "1", "Iterations per agent collaboration session", false},
	[M_CONSENSUS_TIME] = {"mcp_agent_consensus_time_seconds", MK_HISTOGRAM, "s", "Time to reach consensus", false},
	[M_ACTIVE_COLLABS] = {"mcp_active_agent_collaborations", MK_UPDOWN, "1", "Agent collaboration sessions in progress", false},
	[M_PARTICIPATION] = {"mcp_agent_participation_total", MK_COUNTER, "1", "Agent participations (iterations) in collaborations", false},
	[M_CONTRIBUTION] = {"mcp_agent_contribution_score", MK_HISTOGRAM, "1", "Contribution score of agents", false},
	[M_ROUTING_TOTAL] = {"mcp_model_routing_total", MK_COUNTER, "1", "Model routing requests", false},
	[M_ROUTING_SUCCESS] = {"mcp_model_routing_success_total", MK_COUNTER, "1", "Successful model routing requests", false},
	[M_ROUTING_ERRORS] = {"mcp_model_routing_errors_total", MK_COUNTER, "1", "Failed model routing requests", false},
	[M_ROUTING_DURATION] = {"mcp_model_routing_duration_seconds", MK_HISTOGRAM, "s", "Model routing duration", false},
	[M_ACTIVE_ROUTINGS] = {"mcp_active_model_routings", MK_UPDOWN, "1", "Model routings in progress", false},
	[M_SELECTION_TIME] = {"mcp_model_selection_time_seconds", MK_HISTOGRAM, "s", "Model selection duration", false},
	[M_INFERENCE_TIME] = {"mcp_model_inference_time_seconds", MK_HISTOGRAM, "s", "Model inference duration", false},
	[M_TOKENS] = {"mcp_model_token_usage_total", MK_COUNTER, "{token}", "Tokens used by model calls", false},
	[M_COST] = {"mcp_model_cost_total", MK_COUNTER, "USD", "Cost of model calls", true},
	[M_MODEL_USAGE] = {"mcp_model_usage_total", MK_COUNTER, "1", "Model calls", false},
	[M_MODEL_ERRORS] = {"mcp_model_errors_total", MK_COUNTER, "1", "Failed model calls", false},
	[M_CACHE_HITS] = {"mcp_model_cache_hits_total", MK_COUNTER, "1", "Model response cache hits", false},
	[M_CACHE_MISSES] = {"mcp_model_cache_misses_total", MK_COUNTER, "1", "Model response cache misses", false},
	[M_WF_TOTAL] = {"mcp_workflow_execution_total", MK_COUNTER, "1", "Workflow executions", false},
	[M_WF_SUCCESS] = {"mcp_workflow_success_total", MK_COUNTER, "1", "Successful workflow executions", false},
	[M_WF_ERRORS] = {"mcp_workflow_errors_total", MK_COUNTER, "1", "Failed workflow executions", false},
	[M_WF_DURATION] = {"mcp_workflow_execution_duration_seconds", MK_HISTOGRAM, "s", "Workflow execution duration", false},
	[M_ACTIVE_WF] = {"mcp_active_workflows", MK_UPDOWN, "1", "Workflows in progress", false},
	[M_STEP_TOTAL] = {"mcp_workflow_step_total", MK_COUNTER, "1", "Workflow steps", false},
	[M_STEP_SUCCESS] = {"mcp_workflow_step_success_total", MK_COUNTER, "1", "Successful workflow steps", false},
	[M_STEP_ERRORS] = {"mcp_workflow_step_errors_total", MK_COUNTER, "1", "Failed workflow steps", false},
	[M_STEP_DURATION] = {"mcp_workflow_step_duration_seconds", MK_HISTOGRAM, "s", "Workflow step duration", false},
	[M_BRANCH] = {"mcp_workflow_branch_total", MK_COUNTER, "1", "Workflow branches taken", false},
	[M_RETRY] = {"mcp_workflow_retry_total", MK_COUNTER, "1", "Workflow step retries", false},
	[M_ROLLBACK] = {"mcp_workflow_rollback_total", MK_COUNTER, "1", "Workflow rollbacks", false},
	[M_PLAN_OPS] = {"mcp_plan_operations_total", MK_COUNTER, "1", "Plan operations", false},
	[M_PLAN_ERRORS] = {"mcp_plan_errors_total", MK_COUNTER, "1", "Failed plan operations", false},
	[M_PLAN_DURATION] = {"mcp_plan_operation_duration_seconds", MK_HISTOGRAM, "s", "Plan operation duration", false},
	[M_PLAN_VALIDATION] = {"mcp_plan_validation_total", MK_COUNTER, "1", "Plan validations by result", false},
	[M_PLAN_STEPS] = {"mcp_plan_steps", MK_HISTOGRAM, "1", "Steps per created plan", false},
	[M_ACTIVE_PLANS] = {"mcp_active_plans", MK_UPDOWN, "1", "Plans being executed", false},
	[M_VERIFY_TOTAL] = {"mcp_verification_total", MK_COUNTER, "1", "Verifications by result", false},
	[M_VERIFY_ERRORS] = {"mcp_verification_errors_total", MK_COUNTER, "1", "Failed verifications", false},
	[M_VERIFY_DURATION] = {"mcp_verification_duration_seconds", MK_HISTOGRAM, "s", "Verification duration", false},
	[M_VERIFY_QUALITY] = {"mcp_verification_quality_score", MK_HISTOGRAM, "1", "Verification quality score", false},
	[M_FEEDBACK_ITERATIONS] = {"mcp_feedback_loop_iterations", MK_HISTOGRAM, "1", "Iterations per feedback loop", false},
	[M_EXEC_DURATION] = {"mcp_process_exec_duration_seconds", MK_HISTOGRAM, "s", "Processes run by the traced tree, exec to exit", false},
	[M_GIT_OPS] = {"mcp_git_worktree_operations_total", MK_COUNTER, "1", "git worktree commands", false},
	[M_GIT_ERRORS] = {"mcp_git_worktree_errors_total", MK_COUNTER, "1", "git worktree commands that failed", false},
	[M_GIT_DURATION] = {"mcp_git_worktree_duration_seconds", MK_HISTOGRAM, "s", "git worktree command duration", false},
	[M_GIT_ACTIVE] = {"mcp_active_git_worktrees", MK_UPDOWN, "1", "Worktrees added minus worktrees removed", false},
	/* OpenTelemetry GenAI client metrics (semantic conventions), for LLM
	 * calls seen over TLS (source/tls/). */
	[M_GENAI_DURATION] = {"gen_ai.client.operation.duration", MK_HISTOGRAM, "s", "GenAI operation duration", false,
			      SEMCONV_BOUNDS(genai_seconds)},
	[M_GENAI_TOKENS] = {"gen_ai.client.token.usage", MK_HISTOGRAM, "{token}", "Number of input and output tokens used", false,
			    SEMCONV_BOUNDS(genai_tokens)},
	[M_GENAI_TTFC] = {"gen_ai.client.operation.time_to_first_chunk", MK_HISTOGRAM, "s", "Time to receive the first chunk of a streamed response", false,
			  SEMCONV_BOUNDS(genai_seconds)},
	/* OpenTelemetry MCP metrics (semantic conventions), for JSON-RPC seen
	 * on pipes and sockets (source/mcp/). */
	[M_MCP_CLIENT_DURATION] = {"mcp.client.operation.duration", MK_HISTOGRAM, "s", "MCP request duration as observed on the sender, from sending it until the response is received", false},
	[M_MCP_SERVER_DURATION] = {"mcp.server.operation.duration", MK_HISTOGRAM, "s", "MCP request duration as observed on the receiver, from receiving it until the response is sent", false},
	[M_MCP_CLIENT_SESSION] = {"mcp.client.session.duration", MK_HISTOGRAM, "s", "Duration of the MCP session as observed on the MCP client", false},
	[M_MCP_SERVER_SESSION] = {"mcp.server.session.duration", MK_HISTOGRAM, "s", "Duration of the MCP session as observed on the MCP server", false},
};
const int catalog_nmetrics = M_COUNT;

#define CT "mcp.collaboration_type"
#define MT "mcp.model_type"
#define WT "mcp.workflow_type"
#define ST "mcp.step_type"
#define PT "mcp.plan_type"
#define VT "mcp.verification_type"
#define OK "mcp.success"
#define ET "mcp.error_type"

#define COUNT(m, w, ...) {m, w, AV_ONE, NULL, 1, {__VA_ARGS__}, NULL}
#define DURATION(m, ...) {m, ACT_ALWAYS, AV_DURATION, NULL, 1, {__VA_ARGS__}, NULL}
#define VALUE(m, w, attr, scale, ...) {m, w, AV_ATTR, attr, scale, {__VA_ARGS__}, NULL}
#define DELTA_IF(m, cond, delta) {m, ACT_IF_OK, AV_SCALE, NULL, delta, {NULL}, cond}
#define GO "mcp.git.operation"
#define EXE "process.executable.name"

#define GOP "gen_ai.provider.name"
#define GRM "gen_ai.request.model"
#define GSM "gen_ai.response.model"
#define SA "server.address"
#define SP "server.port"
#define LLM_OP(name, span, op)                                                                           \
	{name, span, SK_CLIENT, "llm", false, "LLM call", NULL, NULL, MT, "unknown", {                      \
		DURATION(M_GENAI_DURATION, op, GOP, GRM, GSM, SA, SP, "error.type"),                             \
		VALUE(M_GENAI_TOKENS, ACT_IF_OK, "gen_ai.usage.input_tokens", 1, op, GOP, GRM, GSM, SA, SP, "gen_ai.token.type=input"), \
		VALUE(M_GENAI_TOKENS, ACT_IF_OK, "gen_ai.usage.output_tokens", 1, op, GOP, GRM, GSM, SA, SP, "gen_ai.token.type=output"), \
		VALUE(M_GENAI_TTFC, ACT_IF_OK, "gen_ai.response.time_to_first_chunk", 1, op, GOP, GRM, GSM, SA, SP), \
		DURATION(M_INFERENCE_TIME, MT),                                                                   \
		COUNT(M_MODEL_USAGE, ACT_ALWAYS, MT),                                                             \
		VALUE(M_TOKENS, ACT_IF_OK, "mcp.tokens_used", 1, MT),                                             \
		VALUE(M_COST, ACT_IF_OK, "mcp.cost", 1, MT),                                                      \
		COUNT(M_MODEL_ERRORS, ACT_IF_FAILED, MT, ET)}}

/* The MCP conventions' metric attributes (the resource URI is not one:
 * too many values). */
#define MCP_OP(name, span, kind, metric)                                                      \
	{name, span, kind, "mcp", false, "MCP request", NULL, NULL, NULL, NULL, {                \
		DURATION(metric, "mcp.method.name", "gen_ai.tool.name", "gen_ai.prompt.name",    \
			 "error.type", "network.transport", "mcp.protocol.version")}}

const struct op_def catalog_ops[] = {
	{"agent_collaboration", "agent_collaboration_session", SK_SERVER, "agent-collaboration", false,
	 "Collaboration", "mcp.collaboration_success", "mcp.collaboration_duration_ms", NULL, NULL, {
		COUNT(M_COLLAB_TOTAL, ACT_ALWAYS, CT, OK),
		COUNT(M_COLLAB_SUCCESS, ACT_IF_OK, CT),
		COUNT(M_COLLAB_ERRORS, ACT_IF_FAILED, CT, ET),
		DURATION(M_COLLAB_DURATION, CT),
		VALUE(M_COLLAB_ITERATIONS, ACT_IF_OK, "mcp.collaboration_iterations", 1, CT),
		VALUE(M_CONSENSUS_TIME, ACT_IF_OK, "mcp.consensus_time_ms", 0.001, CT),
		COUNT(M_ACTIVE_COLLABS, ACT_ALWAYS, CT)}},
	{"agent_iteration", "agent_iteration_{mcp.agent_name}", SK_INTERNAL, "agent-collaboration", false,
	 "Agent iteration", "mcp.iteration_success", "mcp.iteration_duration_ms", NULL, NULL, {
		COUNT(M_PARTICIPATION, ACT_ALWAYS, "mcp.agent_name", CT),
		VALUE(M_CONTRIBUTION, ACT_IF_OK, "mcp.agent_contribution", 1, "mcp.agent_name", CT)}},
	{"consensus_building", "consensus_building", SK_INTERNAL, "agent-collaboration", false,
	 "Consensus building", NULL, "mcp.consensus_duration_ms", NULL, NULL, {{0}}},
	{"model_routing", "model_routing", SK_SERVER, "model-router", false,
	 "Model routing", "mcp.routing_success", "mcp.routing_duration_ms", MT, "auto", {
		COUNT(M_ROUTING_TOTAL, ACT_ALWAYS, MT, OK),
		COUNT(M_ROUTING_SUCCESS, ACT_IF_OK, MT),
		COUNT(M_ROUTING_ERRORS, ACT_IF_FAILED, MT, ET),
		DURATION(M_ROUTING_DURATION, MT),
		COUNT(M_ACTIVE_ROUTINGS, ACT_ALWAYS, MT)}},
	{"model_selection", "model_selection", SK_INTERNAL, "model-router", false,
	 "Model selection", NULL, "mcp.selection_duration_ms", NULL, NULL, {
		{M_SELECTION_TIME, ACT_IF_OK, AV_DURATION, NULL, 1, {"mcp.selected_model"}, NULL}}},
	{"model_inference", "model_inference", SK_INTERNAL, "model-router", false,
	 "Model inference", NULL, "mcp.inference_duration_ms", MT, "auto", {
		DURATION(M_INFERENCE_TIME, MT),
		COUNT(M_MODEL_USAGE, ACT_ALWAYS, MT),
		VALUE(M_TOKENS, ACT_IF_OK, "mcp.tokens_used", 1, MT),
		VALUE(M_COST, ACT_IF_OK, "mcp.cost", 1, MT),
		COUNT(M_MODEL_ERRORS, ACT_IF_FAILED, MT, ET)}},
	{"model_cache_hit", NULL, SK_INTERNAL, "model-router", true, "Cache hit",
	 NULL, NULL, MT, "auto", {COUNT(M_CACHE_HITS, ACT_ALWAYS, MT)}},
	{"model_cache_miss", NULL, SK_INTERNAL, "model-router", true, "Cache miss",
	 NULL, NULL, MT, "auto", {COUNT(M_CACHE_MISSES, ACT_ALWAYS, MT)}},
	{"workflow_execution", "workflow_execution", SK_SERVER, "workflow-orchestrator", false,
	 "Workflow execution", "mcp.workflow_success", NULL, NULL, NULL, {
		COUNT(M_WF_TOTAL, ACT_ALWAYS, WT, OK),
		COUNT(M_WF_SUCCESS, ACT_IF_OK, WT),
		COUNT(M_WF_ERRORS, ACT_IF_FAILED, WT, ET),
		DURATION(M_WF_DURATION, WT),
		COUNT(M_ACTIVE_WF, ACT_ALWAYS, WT)}},
	{"workflow_step", "workflow_step_{mcp.step_name}", SK_INTERNAL, "workflow-orchestrator", false,
	 "Workflow step", "mcp.step_success", "mcp.step_duration_ms", NULL, NULL, {
		COUNT(M_STEP_TOTAL, ACT_ALWAYS, ST, OK),
		COUNT(M_STEP_SUCCESS, ACT_IF_OK, ST),
		COUNT(M_STEP_ERRORS, ACT_IF_FAILED, ST, ET),
		DURATION(M_STEP_DURATION, ST)}},
	{"workflow_branch", NULL, SK_INTERNAL, "workflow-orchestrator", true, "Branch taken",
	 NULL, NULL, NULL, NULL, {COUNT(M_BRANCH, ACT_ALWAYS, "mcp.branch_name")}},
	{"workflow_retry", NULL, SK_INTERNAL, "workflow-orchestrator", true, "Step retry",
	 NULL, NULL, NULL, NULL, {COUNT(M_RETRY, ACT_ALWAYS, "mcp.step_name")}},
	{"workflow_rollback", NULL, SK_INTERNAL, "workflow-orchestrator", true, "Rollback",
	 NULL, NULL, NULL, NULL, {COUNT(M_ROLLBACK, ACT_ALWAYS, "mcp.reason")}},
	{"plan_creation", "plan_creation", SK_SERVER, "plan-manager", false,
	 "Plan creation", "mcp.plan_success", NULL, NULL, NULL, {
		COUNT(M_PLAN_OPS, ACT_ALWAYS, "mcp.plan_operation=create", PT, OK),
		COUNT(M_PLAN_ERRORS, ACT_IF_FAILED, "mcp.plan_operation=create", ET),
		DURATION(M_PLAN_DURATION, "mcp.plan_operation=create"),
		VALUE(M_PLAN_STEPS, ACT_IF_OK, "mcp.plan_steps", 1, PT)}},
	{"plan_validation", "plan_validation", SK_INTERNAL, "plan-manager", false,
	 "Plan validation", "mcp.plan_success", NULL, NULL, NULL, {
		COUNT(M_PLAN_OPS, ACT_ALWAYS, "mcp.plan_operation=validate", PT, OK),
		COUNT(M_PLAN_ERRORS, ACT_IF_FAILED, "mcp.plan_operation=validate", ET),
		DURATION(M_PLAN_DURATION, "mcp.plan_operation=validate"),
		COUNT(M_PLAN_VALIDATION, ACT_IF_OK, "mcp.validation_result")}},
	{"plan_execution", "plan_execution", SK_SERVER, "plan-manager", false,
	 "Plan execution", "mcp.plan_success", NULL, NULL, NULL, {
		COUNT(M_PLAN_OPS, ACT_ALWAYS, "mcp.plan_operation=execute", PT, OK),
		COUNT(M_PLAN_ERRORS, ACT_IF_FAILED, "mcp.plan_operation=execute", ET),
		DURATION(M_PLAN_DURATION, "mcp.plan_operation=execute"),
		COUNT(M_ACTIVE_PLANS, ACT_ALWAYS, PT)}},
	{"verification", "verification", SK_INTERNAL, "verification", false,
	 "Verification", NULL, NULL, NULL, NULL, {
		COUNT(M_VERIFY_TOTAL, ACT_ALWAYS, VT, "mcp.verification_result"),
		COUNT(M_VERIFY_ERRORS, ACT_IF_FAILED, VT, ET),
		DURATION(M_VERIFY_DURATION, VT),
		VALUE(M_VERIFY_QUALITY, ACT_IF_OK, "mcp.quality_score", 1, VT)}},
	{"feedback_loop", "feedback_loop", SK_INTERNAL, "verification", false,
	 "Feedback loop", NULL, NULL, NULL, NULL, {
		VALUE(M_FEEDBACK_ITERATIONS, ACT_IF_OK, "mcp.feedback_iterations", 1, VT)}},
	/* Seen from the kernel (source/proc/): an exec in the traced tree,
	 * exec to exit; `git worktree SUB` is the catalog's sixth family. */
	{"process_exec", "exec {process.executable.name}", SK_CLIENT, "process", false,
	 "Process", NULL, NULL, NULL, NULL, {
		DURATION(M_EXEC_DURATION, EXE, OK)}},
	{"git_worktree", "git_worktree_{mcp.git.operation}", SK_CLIENT, "git-worktree", false,
	 "Git worktree", NULL, NULL, NULL, NULL, {
		COUNT(M_GIT_OPS, ACT_ALWAYS, GO, OK),
		COUNT(M_GIT_ERRORS, ACT_IF_FAILED, GO),
		DURATION(M_GIT_DURATION, GO),
		DELTA_IF(M_GIT_ACTIVE, "mcp.git.operation=add", +1),
		DELTA_IF(M_GIT_ACTIVE, "mcp.git.operation=remove", -1)}},
	/* LLM API calls over HTTPS (source/tls/): one CLIENT span per request,
	 * named as the GenAI conventions say, the GenAI client metrics and
	 * the catalog's model_inference series per mcp.model_type (the
	 * request model). Tokens and cost count on successful calls. */
	LLM_OP("llm_chat", "chat {gen_ai.request.model}", "gen_ai.operation.name=chat"),
	LLM_OP("llm_text_completion", "text_completion {gen_ai.request.model}", "gen_ai.operation.name=text_completion"),
	LLM_OP("llm_embeddings", "embeddings {gen_ai.request.model}", "gen_ai.operation.name=embeddings"),
	LLM_OP("llm_generate_content", "generate_content {gen_ai.request.model}", "gen_ai.operation.name=generate_content"),
	/* Model Context Protocol on the wire (source/mcp/): a span per
	 * JSON-RPC request on each traced side, "{mcp.method.name} {target}"
	 * as the MCP conventions name it (one operation per kind of target);
	 * notifications and ended sessions are point events. */
	MCP_OP("mcp_client_tool", "tools/call {gen_ai.tool.name}", SK_CLIENT, M_MCP_CLIENT_DURATION),
	MCP_OP("mcp_client_prompt", "prompts/get {gen_ai.prompt.name}", SK_CLIENT, M_MCP_CLIENT_DURATION),
	MCP_OP("mcp_client_resource", "resources/read {mcp.resource.uri}", SK_CLIENT, M_MCP_CLIENT_DURATION),
	MCP_OP("mcp_client_other", "{mcp.method.name}", SK_CLIENT, M_MCP_CLIENT_DURATION),
	MCP_OP("mcp_server_tool", "tools/call {gen_ai.tool.name}", SK_SERVER, M_MCP_SERVER_DURATION),
	MCP_OP("mcp_server_prompt", "prompts/get {gen_ai.prompt.name}", SK_SERVER, M_MCP_SERVER_DURATION),
	MCP_OP("mcp_server_resource", "resources/read {mcp.resource.uri}", SK_SERVER, M_MCP_SERVER_DURATION),
	MCP_OP("mcp_server_other", "{mcp.method.name}", SK_SERVER, M_MCP_SERVER_DURATION),
	{"mcp_notification", "mcp_notification", SK_INTERNAL, "mcp", true, "MCP notification", NULL, NULL, NULL, NULL, {{0}}},
	{"mcp_client_session", "mcp_client_session", SK_INTERNAL, "mcp", true, "MCP session ended", NULL, NULL, NULL, NULL, {
		VALUE(M_MCP_CLIENT_SESSION, ACT_ALWAYS, "mcp.session.duration", 1, "mcp.protocol.version", "network.transport")}},
	{"mcp_server_session", "mcp_server_session", SK_INTERNAL, "mcp", true, "MCP session ended", NULL, NULL, NULL, NULL, {
		VALUE(M_MCP_SERVER_SESSION, ACT_ALWAYS, "mcp.session.duration", 1, "mcp.protocol.version", "network.transport")}},
};
const int catalog_nops = sizeof(catalog_ops) / sizeof(catalog_ops[0]);

int catalog_find_op(const char *name)
{
	for (int i = 0; i < catalog_nops; i++)
		if (strcmp(catalog_ops[i].name, name) == 0)
			return i;
	return -1;
}

bool catalog_op_has_updown(int op)
{
	for (int i = 0; i < OP_MAX_ACTIONS; i++) {
		const struct metric_action *a = &catalog_ops[op].actions[i];

		if (a->when && catalog_metrics[a->metric].kind == MK_UPDOWN)
			return true;
	}
	return false;
}

static bool is_computed(const char *key)
{
	/* mcp.verification_result is derived from mcp.verification_passed (records.c). */
	return strchr(key, '=') || !strcmp(key, "mcp.success") || !strcmp(key, "mcp.error_type") ||
	       !strcmp(key, "mcp.verification_result");
}

int catalog_op_metric_attrs(int op, const char **keys, int max)
{
	int n = 0;

	for (int i = 0; i < OP_MAX_ACTIONS; i++) {
		const struct metric_action *a = &catalog_ops[op].actions[i];

		if (!a->when)
			continue;
		for (int j = 0; j <= ACT_MAX_ATTRS; j++) {
			const char *k = j < ACT_MAX_ATTRS ? a->attrs[j] : a->value_attr;
			bool seen = false;

			if (!k || is_computed(k))
				continue;
			for (int m = 0; m < n; m++)
				seen |= !strcmp(keys[m], k);
			if (!seen && n < max)
				keys[n++] = k;
		}
	}
	return n;
}
