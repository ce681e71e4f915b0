/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Which tasks a source records, for attachments that are not already
 * limited to the target's pids (a container: every process in it, now and
 * later). User space sets the filter before load.
 */
#ifndef MCP_FILTER_BPF_H
#define MCP_FILTER_BPF_H

const volatile __u64 filter_cgroup_id = 0;    /* 0: no cgroup filter */
const volatile __u32 filter_cgroup_level = 0; /* its depth: descendants count too (0: exact) */
const volatile __u32 filter_pidns_ino = 0;    /* 0: no pid-namespace filter */
/* --all: every task of the host but the tracer's own process (its own
 * sockets carry its OTLP export: tracing them would feed on itself). */
const volatile __u32 filter_self_tgid = 0;    /* 0: none excluded */

static __always_inline bool task_wanted(void)
{
	if (filter_self_tgid && (__u32)(bpf_get_current_pid_tgid() >> 32) == filter_self_tgid)
		return false;
	if (filter_cgroup_id) {
		/* The container's cgroup or any cgroup below it. */
		__u64 id = filter_cgroup_level ? bpf_get_current_ancestor_cgroup_id(filter_cgroup_level)
					       : bpf_get_current_cgroup_id();

		if (id != filter_cgroup_id)
			return false;
	}
	if (filter_pidns_ino) {
		struct task_struct *t = (struct task_struct *)bpf_get_current_task();
		__u32 ino = BPF_CORE_READ(t, nsproxy, pid_ns_for_children, ns.inum);

		if (ino != filter_pidns_ino)
			return false;
	}
	return true;
}

#endif
