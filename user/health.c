#include "health.h"

const struct metric_def health_metrics[HM_COUNT] = {
	[HM_EVENTS] = {"mcp_bpftrace_events_total", MK_COUNTER, "1", "Records received from the kernel", false},
	[HM_DROPPED] = {"mcp_bpftrace_dropped_events_total", MK_COUNTER, "1", "Records lost because the ring buffer was full", false},
	[HM_LOST] = {"mcp_bpftrace_lost_calls_total", MK_COUNTER, "1", "Calls the kernel side could not trace, by reason", false},
	[HM_ATTACH_ERRORS] = {"mcp_bpftrace_attach_errors_total", MK_COUNTER, "1", "Probes that could not be attached, by reason", false},
	[HM_EXPORT_ERRORS] = {"mcp_bpftrace_export_errors_total", MK_COUNTER, "1", "Failed exports, by signal", false},
	[HM_DROPPED_SPANS] = {"mcp_bpftrace_dropped_spans_total", MK_COUNTER, "1", "Spans dropped by an exporter whose queue was full", false},
};
