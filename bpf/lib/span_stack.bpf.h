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

/*
 * Task-local storage: found from the task with no hashing (a hash keyed by
 * tid cost a jhash and a bucket walk on each side of every call, ~15 ns
 * each), and freed with the task, so a recycled tid never finds another
 * thread's frames. Only threads that entered a traced call hold one.
 * Programs reach it through get_stack()/task_stack(), never by a lookup.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct span_stack);
} stacks SEC(".maps");

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

/* The stack of task `t`, the current one; with `create`, made (zeroed)
 * if it has none. */
static __always_inline struct span_stack *task_stack(struct task_struct *t, bool create)
{
	struct span_stack *st = bpf_task_storage_get(&stacks, t, 0, 0);

	if (st || !create)
		return st;
	st = bpf_task_storage_get(&stacks, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st) { /* out of memory */
		stat_inc(MCP_STAT_STACK_ALLOC);
		return NULL;
	}
	st->rng = ((__u64)bpf_get_prandom_u32() << 32 | bpf_get_prandom_u32()) ^ (__u64)t->pid;
	return st;
}

/* The current thread's stack (`tid` is its id); with `create`, made if it
 * has none. */
static __always_inline struct span_stack *get_stack(__u32 tid, bool create)
{
	(void)tid;
	return task_stack(bpf_get_current_task_btf(), create);
}

/* At a thread's exit (sched_process_exit, `p` the exiting task, current):
 * the frames it leaves behind are abandoned, and its stack goes. Every
 * frame counts, not the thread: frames past MCP_MAX_DEPTH were counted as
 * too deep when they were entered. */
static __always_inline void drop_thread_stack(struct task_struct *p)
{
	struct span_stack *st = bpf_task_storage_get(&stacks, p, 0, 0);

	if (!st)
		return;
	if (st->depth)
		stat_add(MCP_STAT_ABANDONED, st->depth > MCP_MAX_DEPTH ? MCP_MAX_DEPTH : st->depth);
	bpf_task_storage_delete(&stacks, p);
}

/* The innermost open span of this thread, or NULL. */
static __always_inline struct frame *top_frame(struct span_stack *st)
{
	if (!st || st->depth == 0 || st->depth > MCP_MAX_DEPTH)
		return NULL;
	return &st->frames[(st->depth - 1) & (MCP_MAX_DEPTH - 1)];
}

#endif
