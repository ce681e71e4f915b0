#include <pthread.h>
#include "clock.h"
#include "health.h"
#include "aggregate/metrics.h"

const struct metric_def health_metrics[HM_COUNT] = {
	[HM_EVENTS] = {"mcp_bpftrace_events_total", MK_COUNTER, "1", "Records received from the kernel", false},
	[HM_DROPPED] = {"mcp_bpftrace_dropped_events_total", MK_COUNTER, "1", "Records lost because the ring buffer was full", false},
	[HM_LOST] = {"mcp_bpftrace_lost_calls_total", MK_COUNTER, "1", "Calls the kernel side could not trace, by reason", false},
	[HM_ATTACH_ERRORS] = {"mcp_bpftrace_attach_errors_total", MK_COUNTER, "1", "Probes that could not be attached, by reason", false},
	[HM_EXPORT_ERRORS] = {"mcp_bpftrace_export_errors_total", MK_COUNTER, "1", "Failed exports, by signal", false},
	[HM_DROPPED_SPANS] = {"mcp_bpftrace_dropped_spans_total", MK_COUNTER, "1", "Spans dropped by an exporter whose queue was full", false},
	[HM_CAPTURE_ERRORS] = {"mcp_bpftrace_capture_errors_total", MK_COUNTER, "1", "Attributes left out because the target's memory could not be read, by binding", false},
	[HM_INDUCED_CPU] = {"mcp_bpftrace_induced_cpu_seconds_total", MK_COUNTER, "s", "CPU time the tracer's probes added to a traced process (estimate: probe hits x calibrated trap cost + BPF run time); on that process's resource", true},
	[HM_BINDING_INDUCED_CPU] = {"mcp_bpftrace_binding_induced_cpu_seconds_total", MK_COUNTER, "s", "CPU time one binding's probes added to the traced processes (estimate)", true},
	[HM_TARGET_CPU] = {"mcp_bpftrace_target_cpu_seconds_total", MK_COUNTER, "s", "CPU time of a traced process since tracing began (utime + stime); on that process's resource", true},
	[HM_DETACHED] = {"mcp_bpftrace_detached_bindings_total", MK_COUNTER, "1", "Bindings --max-overhead took off the targets", false},
};

void health_set(struct metric_store *ms, int hm, const char *key, const char *val, uint64_t v)
{
	const char *keys[1] = {key}, *vals[1] = {val};
	struct series *s;

	pthread_mutex_lock(&ms->lock);
	s = ms_series(ms, -1, HEALTH_METRIC(hm), keys, vals, key ? 1 : 0, clock_mono_ns());
	if (s)
		s->v.i = (int64_t)v;
	pthread_mutex_unlock(&ms->lock);
}

void health_set_double(struct metric_store *ms, int hm, const char *key, const char *val, double v)
{
	const char *keys[1] = {key}, *vals[1] = {val};
	struct series *s;

	pthread_mutex_lock(&ms->lock);
	s = ms_series(ms, -1, HEALTH_METRIC(hm), keys, vals, key ? 1 : 0, clock_mono_ns());
	if (s)
		s->v.d = v;
	pthread_mutex_unlock(&ms->lock);
}

const struct bpf_stat_def health_bpf_stats[MCP_STAT_MAX] = {
	[MCP_STAT_DROPPED] = {true, NULL, "dropped (ring buffer full)"},
	[MCP_STAT_DEPTH_OVERFLOW] = {false, "too_deep", "too deep"},
	[MCP_STAT_UNMATCHED_RET] = {false, "return_without_entry", "returns without entry"},
	[MCP_STAT_ABANDONED] = {false, "abandoned", "abandoned"},
	[MCP_STAT_STACK_ALLOC] = {false, "no_stack", "no stack"},
	[MCP_STAT_PROC_TABLE_FULL] = {false, "process_not_followed", "children not followed (table full)"},
	[MCP_STAT_ARGS_CUT] = {false, "exec_args_cut", "exec argument lists cut"},
};

void health_split(const uint64_t bpf[MCP_STAT_MAX], uint64_t *dropped, uint64_t *lost)
{
	*dropped = *lost = 0;
	for (int i = 0; i < MCP_STAT_MAX; i++)
		*(health_bpf_stats[i].dropped ? dropped : lost) += bpf[i];
}

void health_fold(struct metric_store *ms, const struct health_counts *h)
{
	uint64_t dropped = 0;

	health_set(ms, HM_EVENTS, NULL, NULL, h->records);
	for (int i = 0; i < MCP_STAT_MAX; i++) {
		if (health_bpf_stats[i].dropped)
			dropped += h->bpf[i];
		else
			health_set(ms, HM_LOST, "reason", health_bpf_stats[i].reason, h->bpf[i]);
	}
	health_set(ms, HM_DROPPED, NULL, NULL, dropped);
	health_set(ms, HM_ATTACH_ERRORS, "reason", "attach_failed", (uint64_t)h->attach_errors);
}

void health_print_lost(FILE *f, const struct health_counts *h)
{
	uint64_t dropped, lost;
	const char *sep = "; not traced: ";

	health_split(h->bpf, &dropped, &lost);
	if (!lost)
		return;
	for (int i = 0; i < MCP_STAT_MAX; i++) {
		if (health_bpf_stats[i].dropped)
			continue;
		fprintf(f, "%s%llu %s", sep, (unsigned long long)h->bpf[i], health_bpf_stats[i].text);
		sep = ", ";
	}
}
