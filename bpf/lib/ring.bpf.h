/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What every source's BPF object has: its ring buffer `events`, its per-CPU
 * health counters `stats` (enum mcp_stat), and the one way records go out.
 * Include once per object, after vmlinux.h and mcp_trace.h.
 */
#ifndef MCP_RING_BPF_H
#define MCP_RING_BPF_H

/* Wake the consumer each time this many bytes have piled up (0: on every
 * record). Between wakeups it reads on its poll timeout. */
const volatile __u64 wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by user space (--ringbuf) */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MCP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_add(__u32 which, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);

	if (v)
		*v += n; /* per-CPU: no atomics needed */
}

static __always_inline void stat_inc(__u32 which)
{
	stat_add(which, 1);
}

/*
 * The flag for submitting a record of `size` bytes. A wakeup is an
 * irq_work in the traced thread's context: a self-IPI, which in a VM is a
 * VM exit, measured at about half of all our per-call cost when every
 * record woke the consumer. So records go in silently, and only the one
 * that makes the backlog cross a multiple of wakeup_bytes wakes it; a
 * crossing missed in a race between CPUs is caught at the next multiple
 * or by the consumer's poll timeout.
 */
static __always_inline __u64 wakeup_flag(__u64 size)
{
	const __u64 rec = (size + 8 + 7) & ~7ULL; /* + ring header */
	__u64 thr = wakeup_bytes, avail;

	if (!thr)
		return 0;
	avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA); /* includes ours */
	if (avail >= thr && avail / thr != (avail - rec) / thr)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/*
 * Sends the first `size` bytes of a record built in map memory (a frame,
 * a per-CPU scratch): records are as long as their content, which
 * bpf_ringbuf_reserve() (constant sizes only) cannot do without a copy
 * anyway. A full ring is counted, never silent.
 */
static __always_inline void emit(void *rec, __u64 size)
{
	if (bpf_ringbuf_output(&events, rec, size, wakeup_flag(size)))
		stat_inc(MCP_STAT_DROPPED);
}

#endif
