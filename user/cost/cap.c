/* --max-overhead (cap.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "cost/cap.h"
#include "cost/cost_metrics.h"
#include "cost/induced_int.h"

static int cmp_candidate(const void *a, const void *b)
{
	const struct cap_candidate *x = a, *y = b;

	if (x->point != y->point)
		return x->point ? -1 : 1;
	if (!x->point && x->depth != y->depth)
		return x->depth > y->depth ? -1 : 1;
	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	if (x->ns != y->ns)
		return x->ns > y->ns ? -1 : 1;
	return x->binding - y->binding;
}

void cost_cap_order(struct cap_candidate *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_candidate);
}

int cost_cap_choose(const struct cap_candidate *v, int n, double dind, double dcpu, double target)
{
	double removed = 0, bindings = 0;

	/* Only what the candidates cost can be taken off: the process's
	 * estimate can be above their sum (the trap recalibrated during the
	 * window, hits no binding made), and that part stays whatever goes; it
	 * tore the outer span (0.1 %) off a loop whose estimate was 97 % with
	 * 88 % in its bindings (test_cost_cap, now and then on a busy machine). */
	for (int k = 0; k < n; k++)
		bindings += v[k].ns;
	if (dind > bindings)
		dind = bindings;
	/* The share that stays is taken of the CPU time the process had: a
	 * busy process spends what the probes gave back on its own work. Taking
	 * it of the CPU time less what goes (as an idle process would) tore off
	 * the outer span of a loop whose estimate neared 100 %, irreversibly;
	 * a share still too high after this is caught by the next window. */
	for (int k = 0; k < n; k++) {
		if (dcpu <= 0 || (dind - removed) / dcpu <= target)
			return k;
		removed += v[k].ns;
	}
	return n;
}


static void append(char *buf, size_t len, const char *s)
{
	size_t at = strlen(buf);

	if (at < len)
		snprintf(buf + at, len - at, "%s%s", at ? ", " : "", s);
}

/* Takes bindings off for process p, which has been over the cap since
 * its snapshot. */
static void act(struct cost *c, struct cost_proc *p, double est, double cpu)
{
	double dind = est - p->snap.induced_ns, dcpu = cpu - p->snap.cpu_ns;
	struct cap_candidate *v = calloc((size_t)c->nb + 1, sizeof(*v));
	char what[1024] = "", comm[64] = "?", path[64];
	int n = 0, k;

	if (!v)
		return;
	for (int i = 0; i < c->nb; i++) {
		const struct cost_binding *b = &c->b[i];
		const struct pm_binding *pb = &c->pm->bindings[i];
		uint64_t de = p->entry_hits[i] - p->snap_entry[i], dr = p->ret_hits[i] - p->snap_ret[i];
		double ns = (double)de * c->ce[i] + (double)dr * c->cr[i];

		if (!b->counted || b->marker || b->detached || ns <= 0)
			continue;
		v[n++] = (struct cap_candidate){
			.binding = i, .ns = ns, .calls = de, .point = pb->kind == PM_POINT || pb->usdt_provider,
			.depth = b->calls ? (double)b->depth_sum / (double)b->calls : 0,
		};
	}
	cost_cap_order(v, n);
	k = cost_cap_choose(v, n, dind, dcpu, COST_CAP_TARGET * c->max_pct / 100);
	for (int j = 0; j < k; j++) {
		struct cost_binding *b = &c->b[v[j].binding];
		const struct pm_binding *pb = &c->pm->bindings[v[j].binding];
		int rc = c->detach ? c->detach(c->detach_ctx, v[j].binding) : -1;
		char one[300], name[160];

		cost_binding_label(pb, name, sizeof(name));
		if (rc < 0) {
			fprintf(stderr, "mcp-bpftrace: --max-overhead: cannot take %s off alone; it stays attached\n",
				name);
			break;
		}
		b->detached = true;
		b->detached_ns = c->last_tick_ns;
		c->ndetached++;
		append(c->detached, sizeof(c->detached), name);
		if (v[j].point)
			snprintf(one, sizeof(one), "%s (%s, point, %.1f%% of its CPU time)", name,
				 catalog_ops[pb->op].name, 100 * v[j].ns / dcpu);
		else
			snprintf(one, sizeof(one), "%s (%s, span at depth %.1f, %.1f%%)", name,
				 catalog_ops[pb->op].name, v[j].depth, 100 * v[j].ns / dcpu);
		append(what, sizeof(what), one);
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)p->pid);
	FILE *f = fopen(path, "re");

	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	if (what[0])
		fprintf(stderr,
			"mcp-bpftrace: --max-overhead %g%%: pid %d (%s) spent %.1f%% of its CPU time in the tracer's probes "
			"for %.0f s; detached %s; the other bindings stay attached, their counts untouched\n",
			c->max_pct, (int)p->pid, comm, 100 * dind / dcpu, (double)COST_CAP_HOLD_NS / 1e9, what);
	free(v);
}

static bool snapshot(struct cost *c, struct cost_proc *p, double est, double cpu)
{
	if (!p->snap_entry)
		p->snap_entry = calloc((size_t)c->nb + 1, sizeof(*p->snap_entry));
	if (!p->snap_ret)
		p->snap_ret = calloc((size_t)c->nb + 1, sizeof(*p->snap_ret));
	if (!p->snap_entry || !p->snap_ret)
		return false;
	memcpy(p->snap_entry, p->entry_hits, (size_t)c->nb * sizeof(*p->snap_entry));
	memcpy(p->snap_ret, p->ret_hits, (size_t)c->nb * sizeof(*p->snap_ret));
	p->snap = (struct cost_tick){est, cpu};
	return true;
}

void cost_cap_tick(struct cost *c, uint64_t now_ns)
{
	for (int i = 0; i < c->nprocs; i++) {
		struct cost_proc *p = &c->procs[i];
		double dind, dcpu, est = cost_proc_estimate_ns(c, p), cpu = (double)(p->cpu_ns - p->cpu_base_ns);

		if (p->gone || !cost_proc_recent(p, COST_CAP_WINDOW_S, &dind, &dcpu) ||
		    dcpu < COST_CAP_MIN_CPU * COST_CAP_WINDOW_S * 1e9 || 100 * dind / dcpu <= c->max_pct) {
			p->over_since_ns = 0;
			continue;
		}
		if (!p->over_since_ns) {
			if (snapshot(c, p, est, cpu))
				p->over_since_ns = now_ns;
			continue;
		}
		if (now_ns - p->over_since_ns < COST_CAP_HOLD_NS)
			continue;
		act(c, p, est, cpu);
		p->over_since_ns = 0; /* and again, if what is left is still too much */
	}
}
