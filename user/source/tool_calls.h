/* The tool calls an LLM's answer asked for, per process: the link between
 * an LLM call (tls source) and the MCP tools/call requests the agent then
 * makes (mcp source). Agents send no trace context between the two — the
 * model's answer names the tools, the agent calls them — so the tracer
 * joins them by what it reads on both sides: the process, the tool's name
 * and the order. The tls source publishes "span S asked for tool N at T"
 * for every tool_calls / tool_use / function_call entry of an answer; the
 * mcp source claims, for a tools/call of N the same process sends after T
 * (within a window), the oldest such entry not claimed yet (FIFO per
 * name), and makes the LLM call its span's parent.
 *
 * Names and ids only: a tool's arguments are content and never kept.
 *
 * One table per run, reached by both sources through tool_calls_shared():
 * the mcp tracker has no handle on the run's sources (its sink is the
 * mcp source's). Ordering between the rings: the answer's plaintext is in
 * the tls ring before the agent can write the tools/call it asked for, but
 * the rings are read one after the other; the tls source registers a
 * sync function that reads its ring, which a claim calls first. */
#ifndef SOURCE_TOOL_CALLS_H
#define SOURCE_TOOL_CALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOOL_CALLS_SLOTS 1024
#define TOOL_CALLS_NAME_MAX 64
/* How long after the answer a tools/call may still be the one it asked
 * for: an agent may wait for a person to approve a call. */
#define TOOL_CALLS_WINDOW_NS (300ULL * 1000000000ULL)

struct tool_call_req {
	uint32_t pid;      /* 0: a free slot */
	bool claimed;
	char name[TOOL_CALLS_NAME_MAX];
	uint64_t at_ns;    /* the answer's end (CLOCK_MONOTONIC, as records) */
	uint64_t seq;      /* publication order: the answer's own order */
	uint64_t trace_hi, trace_lo, span_id; /* the LLM call's span */
};

struct tool_calls {
	struct tool_call_req v[TOOL_CALLS_SLOTS];
	uint64_t seq;
	uint64_t window_ns; /* 0: TOOL_CALLS_WINDOW_NS */
	/* called before a claim: the publisher reads what it has not yet
	 * (NULL: nothing to do) */
	void (*sync)(void *ctx);
	void *sync_ctx;
	uint64_t published, claimed, overwritten;
};

/* The run's table (zeroed at start: nothing published). */
struct tool_calls *tool_calls_shared(void);

/* Span (trace_hi, trace_lo, span_id) of pid asked for tool `name` in an
 * answer that ended at at_ns. A full table takes the oldest slot. */
void tool_calls_publish(struct tool_calls *tc, uint32_t pid, const char *name, uint64_t trace_hi,
			uint64_t trace_lo, uint64_t span_id, uint64_t at_ns);
/* pid sends a tools/call of `name` at at_ns: true and the asking span's
 * ids when an answer of pid asked for it (the oldest unclaimed one, at or
 * before at_ns, within the window), which is then claimed. */
bool tool_calls_claim(struct tool_calls *tc, uint32_t pid, const char *name, uint64_t at_ns,
		      uint64_t *trace_hi, uint64_t *trace_lo, uint64_t *span_id);
/* pid exited: its entries go. */
void tool_calls_forget(struct tool_calls *tc, uint32_t pid);
/* The publisher's sync function (NULL to remove it). */
void tool_calls_set_sync(struct tool_calls *tc, void (*sync)(void *ctx), void *ctx);

#endif
