/* Tool calls asked for by LLM answers: see tool_calls.h. */
#include "source/tool_calls.h"

#include <stdio.h>
#include <string.h>

struct tool_calls *tool_calls_shared(void)
{
	static struct tool_calls shared;

	return &shared;
}

static uint64_t window(const struct tool_calls *tc)
{
	return tc->window_ns ? tc->window_ns : TOOL_CALLS_WINDOW_NS;
}

void tool_calls_publish(struct tool_calls *tc, uint32_t pid, const char *name, uint64_t trace_hi,
			uint64_t trace_lo, uint64_t span_id, uint64_t at_ns)
{
	struct tool_call_req *slot = NULL;

	if (!pid || !name || !name[0] || !span_id)
		return;
	/* a free or claimed slot, else the oldest (a burst of answers whose
	 * calls were never made over MCP) */
	for (int i = 0; i < TOOL_CALLS_SLOTS; i++) {
		struct tool_call_req *r = &tc->v[i];

		if (!r->pid || r->claimed) {
			slot = r;
			break;
		}
		if (!slot || r->seq < slot->seq)
			slot = r;
	}
	if (slot->pid && !slot->claimed)
		tc->overwritten++;
	*slot = (struct tool_call_req){.pid = pid, .at_ns = at_ns, .seq = ++tc->seq, .trace_hi = trace_hi,
				       .trace_lo = trace_lo, .span_id = span_id};
	snprintf(slot->name, sizeof(slot->name), "%s", name);
	tc->published++;
}

bool tool_calls_claim(struct tool_calls *tc, uint32_t pid, const char *name, uint64_t at_ns,
		      uint64_t *trace_hi, uint64_t *trace_lo, uint64_t *span_id)
{
	struct tool_call_req *best = NULL;

	if (!pid || !name || !name[0])
		return false;
	if (tc->sync)
		tc->sync(tc->sync_ctx);
	for (int i = 0; i < TOOL_CALLS_SLOTS; i++) {
		struct tool_call_req *r = &tc->v[i];

		if (r->pid != pid || r->claimed || r->at_ns > at_ns || at_ns - r->at_ns > window(tc) ||
		    strncmp(r->name, name, sizeof(r->name) - 1))
			continue;
		if (!best || r->seq < best->seq)
			best = r;
	}
	if (!best)
		return false;
	best->claimed = true;
	tc->claimed++;
	*trace_hi = best->trace_hi;
	*trace_lo = best->trace_lo;
	*span_id = best->span_id;
	return true;
}

void tool_calls_forget(struct tool_calls *tc, uint32_t pid)
{
	for (int i = 0; i < TOOL_CALLS_SLOTS; i++)
		if (tc->v[i].pid == pid)
			tc->v[i].pid = 0;
}

void tool_calls_set_sync(struct tool_calls *tc, void (*sync)(void *ctx), void *ctx)
{
	tc->sync = sync;
	tc->sync_ctx = ctx;
}
