/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The traced process set: the targets the user named and, with follow on,
 * every process they fork later. proc.bpf.c keeps it up to date from the
 * scheduler tracepoints; any source may filter by it. One map for all the
 * sources' objects (user space reuses its fd), filled with the targets
 * before anything attaches. In container mode the task filter decides
 * instead (filter.bpf.h), and this map stays empty; so in host-wide mode
 * (--all: the filter accepts every task but the tracer's). Include after
 * filter.bpf.h.
 */
#ifndef MCP_TRACED_BPF_H
#define MCP_TRACED_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* as user space makes it (source.c) */
	__uint(max_entries, MCP_MAX_TRACED);
	__type(key, __u32);
	__type(value, struct mcp_traced);
} traced_pids SEC(".maps");

/* How this object tells a traced task (enum mcp_traced_mode). */
const volatile __u32 traced_mode = MCP_TRACED_BY_SET;

/* Whether the current task's process is traced. */
static __always_inline bool current_traced(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (traced_mode == MCP_TRACED_BY_ATTACH)
		return true;
	if (traced_mode == MCP_TRACED_BY_TASK)
		return task_wanted();
	return bpf_map_lookup_elem(&traced_pids, &tgid) != NULL;
}

#endif
