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
