#include <math.h>
#include <stdio.h>
#include "catalog.h"
#include "cost/cost_metrics.h"
#include "summary.h"

const char *fmt_duration(double s, char *buf, size_t len)
{
	if (isnan(s))
		snprintf(buf, len, "-");
	else if (s < 1e-6)
		snprintf(buf, len, "%.0fns", s * 1e9);
	else if (s < 1e-3)
		snprintf(buf, len, "%.0fµs", s * 1e6);
	else if (s < 1)
		snprintf(buf, len, "%.2fms", s * 1e3);
	else
		snprintf(buf, len, "%.2fs", s);
	return buf;
}

void summary_print(FILE *f, const struct binding_stats *os, const struct health_counts *h,
		   double elapsed_s)
{
	char b1[16], b2[16], b3[16], b4[16];

	fprintf(f, "\n%-22s %-28s %9s %7s %7s %9s %9s %9s %9s\n", "OPERATION", "FUNCTION",
		"CALLS", "ERRORS", "ERR%", "P50", "P95", "P99", "MAX");
	for (int i = 0; i < os->n; i++) {
		const struct op_stat *s = &os->v[i];
		const char *fn = s->b->symbol ? s->b->symbol : s->b->usdt_name;
		bool point = s->b->kind == PM_POINT;

		/* A built-in source's row shows when it saw something; a probe
		 * map's binding always does (0 calls says it never ran), one
		 * bound by name (python:, node:) too. */
		if (s->b->builtin && !pm_by_name(s->b) && s->calls == 0)
			continue;
		fprintf(f, "%-22s %-28.28s %9llu %7llu %6.2f%% %9s %9s %9s %9s\n",
			catalog_ops[s->b->op].name, fn, (unsigned long long)s->calls,
			(unsigned long long)s->errors, s->calls ? 100.0 * s->errors / s->calls : 0.0,
			point ? "-" : fmt_duration(exph_quantile(s->lat, 0.50), b1, sizeof(b1)),
			point ? "-" : fmt_duration(exph_quantile(s->lat, 0.95), b2, sizeof(b2)),
			point ? "-" : fmt_duration(exph_quantile(s->lat, 0.99), b3, sizeof(b3)),
			point ? "-" : fmt_duration(exph_max(s->lat), b4, sizeof(b4)));
	}
	uint64_t dropped, lost;

	health_split(h->bpf, &dropped, &lost);
	fprintf(f, "\n%llu records in %.1fs (%.0f/s); dropped %llu (ring buffer full)",
		(unsigned long long)h->records, elapsed_s, elapsed_s > 0 ? h->records / elapsed_s : 0.0,
		(unsigned long long)dropped);
	health_print_lost(f, h);
	if (h->orphan_points)
		fprintf(f, "; %llu point events whose span never ended", (unsigned long long)h->orphan_points);
	if (h->attach_errors)
		fprintf(f, "; %d probes failed to attach", h->attach_errors);
	if (h->export_errors || h->dropped_spans)
		fprintf(f, "; export errors %llu, spans dropped by export %llu",
			(unsigned long long)h->export_errors, (unsigned long long)h->dropped_spans);
	fprintf(f, "\n");
	/* Attributes left out because the target's memory could not be read
	 * (a bad pointer or offset in the probe map, or a NULL argument). */
	const char *sep = "capture errors (memory not readable, attribute left out): ";

	for (int i = 0; i < os->n; i++) {
		const struct op_stat *s = &os->v[i];

		if (!s->capture_errors)
			continue;
		fprintf(f, "%s%s %llu", sep, s->b->symbol ? s->b->symbol : s->b->usdt_name,
			(unsigned long long)s->capture_errors);
		sep = ", ";
	}
	if (sep[0] != 'c')
		fprintf(f, "\n");
}

void summary_print_cost(FILE *f, const struct cost_report *r, const struct probe_map *pm)
{
	char b1[16], name[160];
	const char *sep = "";

	if (!r->ready) {
		fprintf(f, "cost to the target: not measured (%s)\n", r->why[0] ? r->why : "no calibration yet");
		return;
	}
	for (int i = 0; i < r->nprocs; i++) {
		const struct cost_report_proc *p = &r->procs[i];

		fprintf(f, "cost to the target: pid %d: %.1f ms CPU over the run, ", (int)p->pid, p->induced_s * 1e3);
		if (isnan(p->pct))
			fprintf(f, "its CPU time unknown");
		else
			fprintf(f, "%.1f %% of its CPU time (%.1f ms)", p->pct, p->cpu_s * 1e3);
		fprintf(f, "; %llu probe hits", (unsigned long long)p->hits);
		if (!isnan(p->recent_pct))
			fprintf(f, "; last %d s: %.1f %%", COST_RECENT_S, p->recent_pct);
		fprintf(f, "\n");
	}
	if (r->nprocs_total > r->nprocs)
		fprintf(f, "cost to the target: %d more processes; %.1f ms CPU in all\n", r->nprocs_total - r->nprocs,
			r->total_s * 1e3);
	if (r->other_s >= 0.0001)
		fprintf(f, "cost elsewhere: %.1f ms CPU (probes hit outside the traced processes, hits not recorded, "
			   "sources without bindings)\n", r->other_s * 1e3);
	for (int i = 0; i < r->nbindings && i < (int)pm->n; i++) {
		const struct cost_report_binding *b = &r->bindings[i];

		if (!b->calls)
			continue;
		if (b->ns_per_call < 1000)
			snprintf(b1, sizeof(b1), "%.0f ns", b->ns_per_call);
		else
			snprintf(b1, sizeof(b1), "%.2f µs", b->ns_per_call / 1e3);
		fprintf(f, "%s%s %s a call, %.1f ms%s", *sep ? sep : "cost per binding: ",
			cost_binding_label(&pm->bindings[i], name, sizeof(name)), b1, b->induced_s * 1e3,
			b->detached ? " (detached)" : "");
		sep = ", ";
	}
	if (*sep)
		fprintf(f, "\n");
	if (r->ndetached)
		fprintf(f, "detached by --max-overhead %g%%: %s\n", r->max_pct, r->detached);
}
