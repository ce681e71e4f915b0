// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Kernel side of mcp-bpftrace: a per-thread span stack driven by uprobes,
 * uretprobes and USDT probes. Entry pushes a frame (start time, ids, entry
 * captures); return pops it and emits ONE complete record. The binding that
 * fired is the attach cookie, an index into the read-only binding table that
 * user space fills before load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/usdt.bpf.h>
#include "mcp_trace.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by user space before load; the verifier sees them as constants. */
const volatile struct mcp_binding_spec mcp_bindings[MCP_MAX_BINDINGS];
const volatile __u64 filter_cgroup_id = 0; /* 0: no cgroup filter */
const volatile __u32 filter_cgroup_level = 0; /* its depth: descendants count too (0: exact) */
const volatile __u32 filter_pidns_ino = 0; /* 0: no pid-namespace filter */
/* Wake the consumer each time this many bytes have piled up (0: on every
 * record). Between wakeups it reads on its poll timeout. */
const volatile __u64 wakeup_bytes = 0;

struct frame {
	struct mcp_record rec; /* the record as known at entry */
	__u64 args[MCP_NARGS]; /* argument registers, for memory reads at return */
};

struct span_stack {
	__u32 depth;
	__u32 pad;
	__u64 rng; /* this thread's id generator state (next_id) */
	struct frame frames[MCP_MAX_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by user space (--ringbuf) */
} events SEC(".maps");

/* Only threads that are inside a traced call hold memory here. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct span_stack);
} stacks SEC(".maps");

/* A zeroed stack to insert from: 7 KiB does not fit on the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct span_stack);
} zero_stack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MCP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_inc(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);

	if (v)
		*v += 1; /* per-CPU: no atomics needed */
}

/*
 * The flag for bpf_ringbuf_submit() of a record just reserved. A wakeup is
 * an irq_work in the traced thread's context: a self-IPI, which in a VM is
 * a VM exit, measured at about half of all our per-call cost when every
 * record woke the consumer. So records go in silently, and only the one
 * that makes the backlog cross a multiple of wakeup_bytes wakes it; a
 * crossing missed in a race between CPUs is caught at the next multiple
 * or by the consumer's poll timeout.
 */
static __always_inline __u64 wakeup_flag(void)
{
	const __u64 rec = (sizeof(struct mcp_record) + 8 + 7) & ~7ULL; /* + ring header */
	__u64 thr = wakeup_bytes, avail;

	if (!thr)
		return 0;
	avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA); /* includes ours */
	if (avail >= thr && avail / thr != (avail - rec) / thr)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline bool task_wanted(void)
{
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

/* Runs every capture of binding `b` that is due at `when` into record `r`. */
static __always_inline void run_captures(__u32 b, struct mcp_record *r, const __u64 *args,
					 __u64 ret, __u8 when)
{
	b &= MCP_MAX_BINDINGS - 1;
	__u8 ncaps = mcp_bindings[b].ncaps;

	for (int i = 0; i < MCP_MAX_CAPS; i++) {
		if (i >= ncaps)
			break;
		const volatile struct mcp_cap_spec *c = &mcp_bindings[b].caps[i];

		if (c->when != when)
			continue;
		__u8 src = c->src, rd = c->read, slot = c->slot;
		__u64 base = (src == MCP_SRC_ARG || src == MCP_SRC_ARG_MEM)
				     ? args[c->arg & (MCP_NARGS - 1)] : ret;
		__u64 addr = base;

		if (src == MCP_SRC_ARG_MEM || src == MCP_SRC_RET_MEM)
			addr = base + (__s64)c->off;

		if (rd == MCP_READ_NUM) {
			if (slot >= MCP_MAX_CAPS)
				continue;
			__u64 *dst = &r->vals[slot];

			if (src == MCP_SRC_ARG || src == MCP_SRC_RET) {
				*dst = base;
			} else {
				__u32 sz = c->size;

				*dst = 0;
				if (sz > 8)
					sz = 8;
				bpf_probe_read_user(dst, sz, (void *)addr);
			}
			continue;
		}
		if (rd == MCP_READ_STRPTR) {
			__u64 p = 0;

			bpf_probe_read_user(&p, sizeof(p), (void *)addr);
			addr = p;
		}
		if (slot >= MCP_MAX_STRS)
			continue;
		char *s = r->strs[slot];

		if (bpf_probe_read_user_str(s, MCP_STR_LEN, (void *)addr) < 0)
			s[0] = 0;
	}
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

static __always_inline void fill_ids(struct mcp_record *r, __u32 b, __u8 type)
{
	__u64 id = bpf_get_current_pid_tgid();

	r->type = type;
	r->binding = b;
	r->pid = id >> 32;
	r->tid = (__u32)id;
	r->start_ns = bpf_ktime_get_ns();
	r->end_ns = r->start_ns;
}

/* Clears a record but for the string bytes past each first byte: 384
 * bytes of stores saved per call; user space reads a string up to its NUL. */
static __always_inline void clear_record(struct mcp_record *r)
{
	__builtin_memset(r, 0, __builtin_offsetof(struct mcp_record, strs));
	for (int i = 0; i < MCP_MAX_STRS; i++)
		r->strs[i][0] = 0;
}

static __always_inline int on_entry(__u32 b, const __u64 *args)
{
	b &= MCP_MAX_BINDINGS - 1;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct span_stack *st = get_stack(tid, true);

	if (!st)
		return 0;
	__u32 d = st->depth;

	if (d >= MCP_MAX_DEPTH) {
		/* Count it and keep depth so the matching return is skipped too. */
		st->depth = d + 1;
		stat_inc(MCP_STAT_DEPTH_OVERFLOW);
		return 0;
	}
	struct frame *f = &st->frames[d & (MCP_MAX_DEPTH - 1)];
	struct mcp_record *r = &f->rec;

	clear_record(r);
	fill_ids(r, b, MCP_REC_SPAN_END);
	r->depth = d;
	r->span_id = next_id(st);
	if (d == 0) {
		r->trace_id[0] = next_id(st);
		r->trace_id[1] = next_id(st);
	} else {
		struct frame *p = &st->frames[(d - 1) & (MCP_MAX_DEPTH - 1)];

		r->trace_id[0] = p->rec.trace_id[0];
		r->trace_id[1] = p->rec.trace_id[1];
		r->parent_id = p->rec.span_id;
	}
	for (int i = 0; i < MCP_NARGS; i++)
		f->args[i] = args[i];
	run_captures(b, r, args, 0, MCP_AT_ENTRY);
	st->depth = d + 1;

	if (mcp_bindings[b].flags & MCP_BIND_EMIT_START) {
		struct mcp_record *s = bpf_ringbuf_reserve(&events, sizeof(*s), 0);

		if (!s) {
			stat_inc(MCP_STAT_DROPPED);
			return 0;
		}
		__builtin_memcpy(s, r, sizeof(*s));
		s->type = MCP_REC_SPAN_START;
		bpf_ringbuf_submit(s, wakeup_flag());
	}
	return 0;
}

static __always_inline int on_return(__u32 b, __u64 ret)
{
	b &= MCP_MAX_BINDINGS - 1;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct span_stack *st = get_stack(tid, false);
	__u64 now = bpf_ktime_get_ns();

	if (!st || st->depth == 0) {
		stat_inc(MCP_STAT_UNMATCHED_RET);
		return 0;
	}
	__u32 d = st->depth - 1;

	if (d >= MCP_MAX_DEPTH) {
		st->depth = d;
		return 0;
	}
	/*
	 * The top frame should be ours. If it is not, frames above ours were
	 * skipped (longjmp, a uretprobe the kernel could not install): unwind
	 * to our frame and count what was thrown away.
	 */
	for (int i = 0; i < MCP_MAX_DEPTH; i++) {
		if (st->frames[d & (MCP_MAX_DEPTH - 1)].rec.binding == b)
			break;
		if (d == 0) {
			stat_inc(MCP_STAT_UNMATCHED_RET);
			return 0;
		}
		stat_inc(MCP_STAT_ABANDONED);
		d--;
	}
	struct frame *f = &st->frames[d & (MCP_MAX_DEPTH - 1)];

	st->depth = d;
	struct mcp_record *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r) {
		stat_inc(MCP_STAT_DROPPED);
		return 0;
	}
	/* The header, then only the string slots this binding uses. */
	__builtin_memcpy(r, &f->rec, __builtin_offsetof(struct mcp_record, strs));
	__u8 nstrs = mcp_bindings[b].nstrs;

	for (int i = 0; i < MCP_MAX_STRS; i++) {
		if (i >= nstrs)
			break;
		__builtin_memcpy(r->strs[i], f->rec.strs[i], MCP_STR_LEN);
	}
	r->end_ns = now;
	r->ret = ret;
	run_captures(b, r, f->args, ret, MCP_AT_RETURN);
	bpf_ringbuf_submit(r, wakeup_flag());
	return 0;
}

static __always_inline int on_point(__u32 b, const __u64 *args)
{
	b &= MCP_MAX_BINDINGS - 1;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mcp_record *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r) {
		stat_inc(MCP_STAT_DROPPED);
		return 0;
	}
	clear_record(r);
	fill_ids(r, b, MCP_REC_POINT);
	struct span_stack *st = get_stack(tid, false);

	if (st && st->depth > 0 && st->depth <= MCP_MAX_DEPTH) {
		struct frame *p = &st->frames[(st->depth - 1) & (MCP_MAX_DEPTH - 1)];

		r->trace_id[0] = p->rec.trace_id[0];
		r->trace_id[1] = p->rec.trace_id[1];
		r->parent_id = p->rec.span_id;
		r->depth = st->depth;
	}
	run_captures(b, r, args, 0, MCP_AT_ENTRY);
	bpf_ringbuf_submit(r, wakeup_flag());
	return 0;
}

static __always_inline void regs_args(struct pt_regs *ctx, __u64 *args)
{
	args[0] = PT_REGS_PARM1(ctx);
	args[1] = PT_REGS_PARM2(ctx);
	args[2] = PT_REGS_PARM3(ctx);
	args[3] = PT_REGS_PARM4(ctx);
	args[4] = PT_REGS_PARM5(ctx);
	args[5] = ctx->r9; /* libbpf 1.1 has no PT_REGS_PARM6 */
	args[6] = 0;
	args[7] = 0;
}

SEC("uprobe")
int BPF_KPROBE(span_enter)
{
	__u64 args[MCP_NARGS];

	if (!task_wanted())
		return 0;
	regs_args(ctx, args);
	return on_entry((__u32)bpf_get_attach_cookie(ctx), args);
}

SEC("uretprobe")
int BPF_KRETPROBE(span_exit)
{
	if (!task_wanted())
		return 0;
	return on_return((__u32)bpf_get_attach_cookie(ctx), PT_REGS_RC(ctx));
}

SEC("uprobe")
int BPF_KPROBE(point_fire)
{
	__u64 args[MCP_NARGS];

	if (!task_wanted())
		return 0;
	regs_args(ctx, args);
	return on_point((__u32)bpf_get_attach_cookie(ctx), args);
}

SEC("usdt")
int usdt_point_fire(struct pt_regs *ctx)
{
	__u64 args[MCP_NARGS] = {};
	long v;

	if (!task_wanted())
		return 0;
	for (int i = 0; i < 6; i++) {
		if (bpf_usdt_arg(ctx, i, &v))
			break;
		args[i] = v;
	}
	return on_point((__u32)bpf_usdt_cookie(ctx), args);
}

/* A thread that exits mid-call leaves frames behind: free them. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(thread_exit, struct task_struct *p)
{
	__u32 tid = BPF_CORE_READ(p, pid);
	struct span_stack *st = bpf_map_lookup_elem(&stacks, &tid);

	if (!st)
		return 0;
	if (st->depth)
		stat_inc(MCP_STAT_ABANDONED);
	bpf_map_delete_elem(&stacks, &tid);
	return 0;
}
