/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The per-thread stack of open spans: entry pushes a frame, return pops it.
 * Nesting on a thread gives a span its parent and trace. A source that
 * makes spans of its own (an LLM call over TLS, an MCP request) reads the
 * top frame to become its child; user space then shares this map between
 * the sources' objects (bpf_map__reuse_fd) so there is one stack per thread.
 */
#ifndef MCP_SPAN_STACK_BPF_H
#define MCP_SPAN_STACK_BPF_H

struct frame {
	struct mcp_call_rec rec; /* the record as known at entry */
	__u64 args[MCP_NARGS];   /* argument registers, for memory reads at return */
	__u64 sp;                /* user stack pointer at entry: its return address slot */
};

struct span_stack {
	__u32 depth;
	__u32 pad;
	__u64 rng; /* this thread's id generator state (next_id) */
	__u64 exec_id; /* the task's self_exec_id when its frames were pushed */
	struct frame frames[MCP_MAX_DEPTH];
};

/* Only threads that are inside a traced call hold memory here. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct span_stack);
} stacks SEC(".maps");

/* A zeroed stack to insert from: 9 KiB does not fit on the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct span_stack);
} zero_stack SEC(".maps");

/*
 * Span and trace ids: splitmix64 over a per-thread state seeded once from
 * the kernel's PRNG. Three bpf_get_prandom_u32() pairs per root call cost
 * ~90 ns; this costs a few. Ids stay unpredictable enough for W3C trace
 * context (a random 64-bit seed per thread) and are never 0 ("no parent").
 */
static __always_inline __u64 next_id(struct span_stack *st)
{
	__u64 z = (st->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) | 1;
}

static __always_inline struct span_stack *get_stack(__u32 tid, bool create)
{
	struct span_stack *st = bpf_map_lookup_elem(&stacks, &tid);
	__u32 zero = 0;

	if (st || !create)
		return st;
	st = bpf_map_lookup_elem(&zero_stack, &zero);
	if (!st)
		return NULL;
	/* Fails only when the map is full; the lookup below then says so. */
	bpf_map_update_elem(&stacks, &tid, st, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&stacks, &tid);
	if (!st) {
		stat_inc(MCP_STAT_STACK_ALLOC);
		return NULL;
	}
	st->rng = ((__u64)bpf_get_prandom_u32() << 32 | bpf_get_prandom_u32()) ^ tid;
	return st;
}

/* The innermost open span of this thread, or NULL. */
static __always_inline struct frame *top_frame(struct span_stack *st)
{
	if (!st || st->depth == 0 || st->depth > MCP_MAX_DEPTH)
		return NULL;
	return &st->frames[(st->depth - 1) & (MCP_MAX_DEPTH - 1)];
}

#endif
