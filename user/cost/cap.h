/* --max-overhead PCT: when the induced cost of a process stays above PCT %
 * of its CPU time for a few seconds, the bindings that cost most and bring
 * least are detached: point events first (a count, no span), then the
 * innermost spans, the most frequent first — as many as it takes to bring
 * the share under 80 % of the cap, estimated from the hits each made while
 * the process was over. A binding's entry and return probes go together
 * (calls in flight then lose their return: one abandoned frame a thread at
 * most); every other binding keeps its probes and its counts. Said once on stderr per decision, in the live
 * view and as mcp_bpftrace_detached_bindings_total{binding}. */
#ifndef COST_CAP_H
#define COST_CAP_H

#include <stdbool.h>
#include <stdint.h>

#define COST_CAP_WINDOW_S 2            /* the share is taken over the last 2 s ... */
#define COST_CAP_HOLD_NS 3000000000ULL /* ... and must stay above the cap 3 s */
#define COST_CAP_MIN_CPU 0.01          /* a process using less of a CPU is left alone */
#define COST_CAP_TARGET 0.8            /* down to 80 % of the cap */

struct cap_candidate {
	int binding;
	double ns;      /* what its hits cost while the process was over */
	double depth;   /* mean nesting depth of its calls */
	uint64_t calls; /* while the process was over */
	bool point;     /* a point event (or USDT probe): no span */
};

/* Orders candidates: points first, then spans deepest first; within each,
 * the most frequent, then the costliest. */
void cost_cap_order(struct cap_candidate *v, int n);
/* How many of the ordered candidates must go for the share `dind / dcpu`
 * (their cost taken off dind, which counts no more than they cost; dcpu
 * stays, see cap.c) to be at most `target`; n when even all of them are
 * not enough. */
int cost_cap_choose(const struct cap_candidate *v, int n, double dind, double dcpu, double target);

#endif
