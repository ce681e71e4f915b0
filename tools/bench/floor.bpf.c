// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The kernel's floor: a uprobe and a uretprobe whose programs do nothing.
 * Whatever a call costs under these is the price of the trap/trampoline and
 * of running a BPF program at all; no tracer can be cheaper.
 *
 * And the floor of a span (bench-floor --span): the least any tracer must
 * do to report a call's duration from BPF, with no ids, captures or checks:
 * the entry's clock kept in task storage, the return's clock, and one
 * 32-byte record through a ring buffer. What mcp-bpftrace costs above this
 * is its own; what this costs above the empty pair, no tracer of timed
 * calls through a ring avoids. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("uprobe")
int floor_entry(void *ctx)
{
	return 0;
}

SEC("uretprobe")
int floor_exit(void *ctx)
{
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} span_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} spans SEC(".maps");

struct span_min {
	__u64 start, end, pid_tgid, cookie;
};

SEC("uprobe")
int span_min_entry(void *ctx)
{
	__u64 *t = bpf_task_storage_get(&span_start, bpf_get_current_task_btf(), 0,
					BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (t)
		*t = bpf_ktime_get_ns();
	return 0;
}

SEC("uretprobe")
int span_min_exit(void *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 *t = bpf_task_storage_get(&span_start, bpf_get_current_task_btf(), 0, 0);
	struct span_min *r;

	if (!t)
		return 0;
	r = bpf_ringbuf_reserve(&spans, sizeof(*r), 0);
	if (!r)
		return 0;
	r->start = *t;
	r->end = now;
	r->pid_tgid = bpf_get_current_pid_tgid();
	r->cookie = bpf_get_attach_cookie(ctx);
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP); /* read on a timer, as mcp-bpftrace's */
	return 0;
}
