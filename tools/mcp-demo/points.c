/*
 * Point operations: no duration, one event each. Every function is also a
 * USDT probe site (provider mcp_demo) guarded by its semaphore, so the
 * tracer can bind either the function or the probe; arguments come in the
 * same order in both.
 */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

#include "ledger.h"
#include "ops.h"

/* The kernel increments a semaphore while a USDT consumer is attached. */
#define MCP_SEMAPHORE(name)                                                  \
	__attribute__((unused, section(".probes"), visibility("default")))   \
	volatile unsigned short mcp_demo_##name##_semaphore

MCP_SEMAPHORE(cache_hit);
MCP_SEMAPHORE(cache_miss);
MCP_SEMAPHORE(branch);
MCP_SEMAPHORE(retry);
MCP_SEMAPHORE(rollback);

MCP_OP void mcp_model_cache_hit(const char *model_type)
{
	if (mcp_demo_cache_hit_semaphore)
		DTRACE_PROBE1(mcp_demo, cache_hit, model_type);
	ledger_count("mcp_model_cache_hits_total", 1,
		     LEDGER_ATTRS({"mcp.model_type", model_type}));
}

MCP_OP void mcp_model_cache_miss(const char *model_type)
{
	if (mcp_demo_cache_miss_semaphore)
		DTRACE_PROBE1(mcp_demo, cache_miss, model_type);
	ledger_count("mcp_model_cache_misses_total", 1,
		     LEDGER_ATTRS({"mcp.model_type", model_type}));
}

MCP_OP void mcp_workflow_branch(const char *branch_name, const char *condition)
{
	if (mcp_demo_branch_semaphore)
		DTRACE_PROBE2(mcp_demo, branch, branch_name, condition);
	ledger_count("mcp_workflow_branch_total", 1,
		     LEDGER_ATTRS({"mcp.branch_name", branch_name}));
}

MCP_OP void mcp_workflow_retry(const char *step_name, int retry_count)
{
	if (mcp_demo_retry_semaphore)
		DTRACE_PROBE2(mcp_demo, retry, step_name, retry_count);
	ledger_count("mcp_workflow_retry_total", 1,
		     LEDGER_ATTRS({"mcp.step_name", step_name}));
}

MCP_OP void mcp_workflow_rollback(const char *reason)
{
	if (mcp_demo_rollback_semaphore)
		DTRACE_PROBE1(mcp_demo, rollback, reason);
	ledger_count("mcp_workflow_rollback_total", 1,
		     LEDGER_ATTRS({"mcp.reason", reason}));
}
