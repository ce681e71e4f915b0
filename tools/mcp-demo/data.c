#include "data.h"

#include <string.h>

const char *const collab_types[3] = {"brainstorm", "code_review", "debate"};
const char *const agent_names[5] = {"planner", "researcher", "coder", "critic",
				    "summarizer"};
const char *const collab_tasks[4] = {
	"design a caching layer for the search API",
	"review the payment retry pull request",
	"summarize last night's incident report",
	"plan the database schema migration",
};

const char model_type_auto[] = "auto";
const char *const routing_model_types[5] = {"", "", "gpt", "claude", "llama"};

/* Prices are multiples of 2^-24 USD, so sums of costs are exact in any order. */
const struct model_info models[6] = {
	{"gpt-4o", "gpt", "openai", 80},
	{"gpt-4o-mini", "gpt", "openai", 5},
	{"claude-3-5-sonnet", "claude", "anthropic", 100},
	{"claude-3-haiku", "claude", "anthropic", 8},
	{"llama-3-70b", "llama", "local", 2},
	{"llama-3-8b", "llama", "local", 1},
};

const struct model_info *model_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(models); i++)
		if (strcmp(models[i].name, name) == 0)
			return &models[i];
	return NULL;
}

const char *const prompts[8] = {
	"What is the capital of France?",
	"Summarize this quarter's sales figures in three bullet points.",
	"Write a Python function that merges two sorted lists.",
	"Explain the difference between TCP and UDP.",
	"Translate 'good morning' into Japanese.",
	"List the risks of running database migrations online.",
	"Draft a polite reply declining a meeting invitation.",
	"Why does my Kubernetes pod keep restarting?",
};

const struct workflow_def workflows[3] = {
	{"data_pipeline",
	 {{"fetch_data", "io", NULL, NULL, NULL, NULL},
	  {"validate_schema", "validation", NULL, NULL, NULL, NULL},
	  {"transform", "compute", "incremental", "delta_rows<1000",
	   "transform_incremental", "compute"},
	  {"load_warehouse", "io", NULL, NULL, NULL, NULL}}},
	{"code_review",
	 {{"checkout", "io", NULL, NULL, NULL, NULL},
	  {"static_analysis", "compute", NULL, NULL, NULL, NULL},
	  {"llm_review", "llm_call", "small_diff", "diff_lines<50",
	   "quick_review", "llm_call"},
	  {"post_comments", "io", NULL, NULL, NULL, NULL}}},
	{"support_ticket",
	 {{"classify_ticket", "llm_call", NULL, NULL, NULL, NULL},
	  {"retrieve_context", "io", "escalation", "sentiment<-0.5",
	   "escalate_to_human", "manual"},
	  {"draft_reply", "llm_call", NULL, NULL, NULL, NULL},
	  {"quality_gate", "validation", NULL, NULL, NULL, NULL}}},
};

const struct workflow_def *workflow_find(const char *type)
{
	for (size_t i = 0; i < ARRAY_LEN(workflows); i++)
		if (strcmp(workflows[i].type, type) == 0)
			return &workflows[i];
	return NULL;
}

const char rollback_step_failed[] = "step_failed";
const char rollback_deadline[] = "deadline_exceeded";

const char *const plan_types[3] = {"sequential", "parallel", "hierarchical"};
const char *const verification_types[4] = {"factual_accuracy", "code_correctness",
					   "safety", "format"};
