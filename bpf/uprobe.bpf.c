// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The uprobe/USDT source: a per-thread span stack driven by uprobes,
 * uretprobes and USDT probes. Entry pushes a frame (start time, ids, entry
 * captures); return pops it and emits ONE complete record, as long as the
 * strings its binding captures need. The binding that fired is the attach
 * cookie, an index into the read-only binding table that user space fills
 * before load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/usdt.bpf.h>
#include "mcp_trace.h"
#include "lib/ring.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/traced.bpf.h"
#include "lib/span_stack.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by user space before load; the verifier sees them as constants. */
const volatile struct mcp_binding_spec mcp_bindings[MCP_MAX_BINDINGS];

/* Points are built here: a record does not fit on the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mcp_call_rec);
} point_scratch SEC(".maps");

/* A call's argument registers, as one object: what run_captures() reads. */
struct call_args {
	__u64 v[MCP_NARGS];
};

/*
 * Runs every capture of binding `b` that is due at `when` into record `r`.
 * A read that fails (a bad or NULL address) sets the capture's bit in
 * r->cap_failed: user space leaves that attribute out and counts it,
 * rather than report a 0 or "" the target never had.
 *
 * A global function, so the verifier checks it once, on its own. Inlined,
 * it was checked again for every state its callers reached it in: 17k
 * instructions for span_enter and 13k for span_exit instead of 6.6k and
 * 5.1k, 20-110 ms of start-up on a loaded machine instead of ~6 ms.
 */
__noinline int run_captures(__u32 b, struct mcp_call_rec *r, const struct call_args *a, __u64 ret,
			    __u32 when)
{
	if (!r || !a) /* for the verifier: a global function's pointers may be NULL */
		return 0;
	const __u64 *args = a->v;

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
				if (bpf_probe_read_user(dst, sz, (void *)addr)) {
					*dst = 0;
					r->cap_failed |= 1u << i;
				}
			}
			continue;
		}
		if (rd == MCP_READ_STRPTR) {
			__u64 p = 0;

			bpf_probe_read_user(&p, sizeof(p), (void *)addr);
			addr = p; /* 0 when unreadable: the string read fails */
		}
		if (slot >= MCP_MAX_STRS)
			continue;
		char *s = r->strs[slot];

		if (bpf_probe_read_user_str(s, MCP_STR_LEN, (void *)addr) < 0) {
			s[0] = 0;
			r->cap_failed |= 1u << i;
		}
	}
	return 0;
}

static __always_inline __u64 rec_size(__u32 b)
{
	__u64 n = mcp_bindings[b & (MCP_MAX_BINDINGS - 1)].nstrs;

	if (n > MCP_MAX_STRS)
		n = MCP_MAX_STRS;
	return MCP_CALL_REC_SIZE(n);
}

/*
 * The bytes of record `r` (binding `b`) worth sending: the last string slot
 * only up to the 8-byte word that holds its NUL. A model name or an id is a
 * word or three of a 64-byte slot: a record with one string goes from 248
 * bytes in the ring (header included) to 192, a cache line fewer to write
 * on every call. uprobe_decode() reads the slot as far as it was sent.
 */
static __always_inline __u64 rec_size_sent(const struct mcp_call_rec *r, __u32 b)
{
	__u64 n = mcp_bindings[b & (MCP_MAX_BINDINGS - 1)].nstrs;
	__u32 i;

	if (n == 0 || n > MCP_MAX_STRS)
		return rec_size(b);
	const __u64 *w = (const __u64 *)r->strs[n - 1];

	for (i = 0; i < MCP_STR_LEN / 8 - 1; i++) { /* the last word: sent whole anyway */
		__u64 v = w[i];

		if ((v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL) /* a zero byte in it */
			break;
	}
	return MCP_CALL_REC_SIZE(n - 1) + (i + 1) * 8;
}

/* Sends record `r` of binding `b`, as long as its content. */
static __always_inline void emit_call(struct mcp_call_rec *r, __u32 b)
{
	__u64 size = rec_size_sent(r, b);

	r->h.size = size;
	emit(r, size);
}

static __always_inline void fill_ids(struct mcp_call_rec *r, __u32 b, __u16 type, __u64 id)
{
	r->h.type = type;
	r->h.size = rec_size(b);
	r->h.pid = id >> 32;
	r->h.tid = (__u32)id;
	r->h.start_ns = bpf_ktime_get_ns();
	r->h.end_ns = r->h.start_ns;
	r->binding = b;
	r->nstrs = (r->h.size - MCP_CALL_REC_SIZE(0)) / MCP_STR_LEN;
}

/* Clears a record but for the string bytes past each first byte: 384
 * bytes of stores saved per call; user space reads a string up to its NUL. */
static __always_inline void clear_record(struct mcp_call_rec *r)
{
	__builtin_memset(r, 0, __builtin_offsetof(struct mcp_call_rec, strs));
	for (int i = 0; i < MCP_MAX_STRS; i++)
		r->strs[i][0] = 0;
}

/*
 * The address a uretprobe writes over a hijacked return address: the first
 * slot of this process's [uprobes] area (uprobe_get_trampoline_vaddr()).
 */
static __always_inline __u64 uretprobe_trampoline(void)
{
	struct task_struct *t = bpf_get_current_task_btf();

	return BPF_CORE_READ(t, mm, uprobes_state.xol_area, vaddr);
}

/* Entered by a tail call (jmp) from the function whose frame is at `sp`:
 * its uretprobe already replaced the return address both share. */
static __always_inline bool tail_called(__u64 sp)
{
	__u64 ra = 0;

	if (bpf_probe_read_user(&ra, sizeof(ra), (void *)sp))
		return false;
	return ra && ra == uretprobe_trampoline();
}

/*
 * Pops the frames this thread can no longer return through and counts each
 * one as abandoned; returns the depth left. The kernel's own bookkeeping of
 * uretprobes (cleanup_return_instances()) decides the same way, so a frame
 * dropped here is one whose return the kernel would never report:
 *  - frames pushed before an exec: the program they belong to is gone;
 *  - frames whose stack pointer (the slot of their return address) lies
 *    below `sp`: the stack grows down, so a live caller is always above its
 *    callees; a frame below is one a longjmp left, with setjmp outside every
 *    traced function. At an entry (`entry`), a frame at exactly `sp` is gone
 *    as well (its caller called again), unless this entry came by a tail
 *    call from it. `sp` at a return is the returning function's entry sp.
 * Frames past MCP_MAX_DEPTH have no slot (counted as too deep when they
 * were entered): they go when the deepest real frame is gone or returns.
 */
/* The frame walk of drop_dead_frames(), one frame a step (bpf_loop). */
struct drop_walk {
	struct span_stack *st;
	__u64 sp;
	__u32 d, n;
	bool entry;
};

static long drop_step(__u32 i, void *ctx)
{
	struct drop_walk *w = ctx;
	__u32 d = w->d;

	if (d == 0 || d > MCP_MAX_DEPTH)
		return 1;
	__u64 fsp = w->st->frames[(d - 1) & (MCP_MAX_DEPTH - 1)].sp;

	if (fsp > w->sp || (fsp == w->sp && (!w->entry || tail_called(w->sp))))
		return 1;
	w->d = d - 1;
	w->n++;
	return 0;
}

static __always_inline __u32 drop_dead_frames(struct span_stack *st, __u64 sp, bool entry, __u32 b,
					      __u64 exec_id)
{
	__u32 d = st->depth, n = 0;

	if (d == 0)
		return 0;
	if (st->exec_id != exec_id) {
		stat_add(MCP_STAT_ABANDONED, d > MCP_MAX_DEPTH ? MCP_MAX_DEPTH : d);
		return 0;
	}
	if (d > MCP_MAX_DEPTH) {
		const struct frame *last = &st->frames[MCP_MAX_DEPTH - 1];

		/* Still inside the deepest real frame: an untraced frame above it. */
		if (sp < last->sp ||
		    (sp == last->sp && (entry ? tail_called(sp) : last->rec.binding != b)))
			return d;
		d = MCP_MAX_DEPTH;
	}
	/* Nearly always, no walk: the top frame is live (above sp; at a
	 * return, the returning function's own), so every frame below is. */
	__u64 top_sp = st->frames[(d - 1) & (MCP_MAX_DEPTH - 1)].sp;

	if (top_sp > sp || (top_sp == sp && !entry))
		return d;
	struct drop_walk w = {.st = st, .sp = sp, .d = d, .entry = entry};

	/* bpf_loop(): the verifier checks the step once. Unrolled, every way
	 * out of the loop left a different depth in a register, and all that
	 * follows was checked once per depth: 150k instructions, 0.3 s of
	 * start-up per program instead of 4 ms. */
	bpf_loop(MCP_MAX_DEPTH, drop_step, &w, 0);
	d = w.d;
	n = w.n;
	if (n)
		stat_add(MCP_STAT_ABANDONED, n);
	return d;
}

/*
 * A span on two USDT probes has no stack slot of its own: its frame keeps
 * USDT_FRAME_SP, above every real one, so that no function's entry or
 * return takes it for a frame a longjmp left (it goes at its done probe,
 * an exec or the thread's exit).
 */
#define USDT_FRAME_SP (~0ULL)

/*
 * The current thread's stack if its process is traced, else NULL; made with
 * `create`. A stack is only ever made for a traced process, and a process
 * leaves the traced set only when its last thread exits: traced by set or
 * by attach, a thread with a stack is traced, and the set (a hash lookup)
 * is not asked again. The task filter (containers, --all) is asked every
 * time: a task can leave a cgroup.
 */
static __always_inline struct span_stack *traced_stack(struct task_struct *t, bool create)
{
	struct span_stack *st = task_stack(t, false);

	if (st && traced_mode != MCP_TRACED_BY_TASK)
		return st;
	if (!current_traced())
		return NULL;
	return st ? st : task_stack(t, create);
}

/* `st`: the traced thread `t`'s stack; `sp`: the stack pointer now;
 * `frame_sp`: what the frame keeps (the function's entry sp, or
 * USDT_FRAME_SP). */
static __always_inline int on_entry(struct task_struct *t, struct span_stack *st, __u32 b,
				    const struct call_args *args, __u64 sp, __u64 frame_sp)
{
	b &= MCP_MAX_BINDINGS - 1;
	__u64 exec_id = t->self_exec_id;
	__u32 d = drop_dead_frames(st, sp, true, b, exec_id);

	if (d >= MCP_MAX_DEPTH) {
		/* Count it and keep depth so the matching return is skipped too. */
		st->depth = d + 1;
		stat_inc(MCP_STAT_DEPTH_OVERFLOW);
		return 0;
	}
	asm volatile("" : "+r"(d)); /* keep the masks below: the verifier bounds d by them */
	struct frame *f = &st->frames[d & (MCP_MAX_DEPTH - 1)];
	struct mcp_call_rec *r = &f->rec;

	clear_record(r);
	fill_ids(r, b, MCP_REC_SPAN_END, bpf_get_current_pid_tgid());
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
		f->args[i] = args->v[i];
	f->sp = frame_sp;
	st->exec_id = exec_id;
	run_captures(b, r, args, 0, MCP_AT_ENTRY);
	st->depth = d + 1;

	if (mcp_bindings[b].flags & MCP_BIND_EMIT_START) {
		r->h.type = MCP_REC_SPAN_START;
		emit_call(r, b);
		r->h.type = MCP_REC_SPAN_END;
	}
	return 0;
}

/* `sp`: the stack pointer at the return, one slot above the entry's; or
 * USDT_FRAME_SP at the probe that ends a USDT span. */
static __always_inline int on_return(__u32 b, __u64 ret, __u64 sp)
{
	b &= MCP_MAX_BINDINGS - 1;
	struct task_struct *t = bpf_get_current_task_btf();
	struct span_stack *st = traced_stack(t, false);
	__u64 now = bpf_ktime_get_ns();

	if (!st || st->depth == 0) {
		/* The return of an untraced process is none of ours. */
		if (st || current_traced())
			stat_inc(MCP_STAT_UNMATCHED_RET);
		return 0;
	}
	if (sp != USDT_FRAME_SP)
		sp -= 8; /* the entry's: `ret` took the return address */
	__u32 d = drop_dead_frames(st, sp, false, b, t->self_exec_id);

	if (d > MCP_MAX_DEPTH) { /* an untraced frame past the deepest returns */
		st->depth = d - 1;
		return 0;
	}
	/* The top frame must be ours, by stack slot and binding. If it is not,
	 * our entry was never recorded (the tracer came in mid-call): nothing
	 * of the stack belongs to this return. */
	asm volatile("" : "+r"(d)); /* keep the mask: the verifier bounds d by it */
	struct frame *f = d ? &st->frames[(d - 1) & (MCP_MAX_DEPTH - 1)] : NULL;

	if (!f || f->sp != sp || f->rec.binding != b) {
		st->depth = d;
		stat_inc(MCP_STAT_UNMATCHED_RET);
		return 0;
	}
	d--;
	struct mcp_call_rec *r = &f->rec;

	/* The frame is popped; its record is finished in place and sent. No
	 * other probe runs on this thread before this program returns. */
	st->depth = d;
	r->h.end_ns = now;
	r->ret = ret;
	run_captures(b, r, (const struct call_args *)f->args, ret, MCP_AT_RETURN);
	emit_call(r, b);
	return 0;
}

/* `sp`: at a function's entry (a uprobe point, `entry`) or inside its body
 * (USDT): frames a longjmp left are not its parents. */
static __always_inline int on_point(__u32 b, const struct call_args *args, __u64 sp, bool entry)
{
	b &= MCP_MAX_BINDINGS - 1;
	__u32 zero = 0;
	struct mcp_call_rec *r = bpf_map_lookup_elem(&point_scratch, &zero);

	if (!r)
		return 0;
	clear_record(r);
	fill_ids(r, b, MCP_REC_POINT, bpf_get_current_pid_tgid());
	struct task_struct *t = bpf_get_current_task_btf();
	struct span_stack *st = task_stack(t, false);

	if (st) {
		__u32 d = drop_dead_frames(st, sp, entry, b, t->self_exec_id);

		asm volatile("" : "+r"(d)); /* top_frame() bounds it for the verifier */
		st->depth = d;
	}
	struct frame *p = top_frame(st);

	if (p) {
		r->trace_id[0] = p->rec.trace_id[0];
		r->trace_id[1] = p->rec.trace_id[1];
		r->parent_id = p->rec.span_id;
		r->depth = st->depth;
	}
	run_captures(b, r, args, 0, MCP_AT_ENTRY);
	emit_call(r, b);
	return 0;
}

static __always_inline void regs_args(struct pt_regs *ctx, struct call_args *a)
{
	a->v[0] = PT_REGS_PARM1(ctx);
	a->v[1] = PT_REGS_PARM2(ctx);
	a->v[2] = PT_REGS_PARM3(ctx);
	a->v[3] = PT_REGS_PARM4(ctx);
	a->v[4] = PT_REGS_PARM5(ctx);
	a->v[5] = ctx->r9; /* libbpf 1.1 has no PT_REGS_PARM6 */
	a->v[6] = 0;
	a->v[7] = 0;
}

/* A USDT probe's arguments (up to six; the rest stay 0). */
static __always_inline void usdt_args(struct pt_regs *ctx, struct call_args *a)
{
	long v;

	for (int i = 0; i < 6; i++) {
		if (bpf_usdt_arg(ctx, i, &v))
			break;
		a->v[i] = v;
	}
}

SEC("uprobe")
int BPF_KPROBE(span_enter)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct span_stack *st = traced_stack(t, true);
	struct call_args args;

	if (!st)
		return 0;
	regs_args(ctx, &args);
	return on_entry(t, st, (__u32)bpf_get_attach_cookie(ctx), &args, PT_REGS_SP(ctx), PT_REGS_SP(ctx));
}

SEC("uretprobe")
int BPF_KRETPROBE(span_exit)
{
	return on_return((__u32)bpf_get_attach_cookie(ctx), PT_REGS_RC(ctx), PT_REGS_SP(ctx));
}

SEC("uprobe")
int BPF_KPROBE(point_fire)
{
	struct call_args args;

	if (!current_traced())
		return 0;
	regs_args(ctx, &args);
	return on_point((__u32)bpf_get_attach_cookie(ctx), &args, PT_REGS_SP(ctx), true);
}

SEC("usdt")
int usdt_point_fire(struct pt_regs *ctx)
{
	struct call_args args = {};

	if (!current_traced())
		return 0;
	usdt_args(ctx, &args);
	return on_point((__u32)bpf_usdt_cookie(ctx), &args, PT_REGS_SP(ctx), false);
}

/* A span bound to a start probe and a done probe (query__start/done). */
SEC("usdt")
int usdt_span_enter(struct pt_regs *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct span_stack *st = traced_stack(t, true);
	struct call_args args = {};

	if (!st)
		return 0;
	usdt_args(ctx, &args);
	return on_entry(t, st, (__u32)bpf_usdt_cookie(ctx), &args, PT_REGS_SP(ctx), USDT_FRAME_SP);
}

SEC("usdt")
int usdt_span_exit(struct pt_regs *ctx)
{
	return on_return((__u32)bpf_usdt_cookie(ctx), 0, USDT_FRAME_SP);
}

/* A thread that exits mid-call leaves frames behind: free them. The
 * exiting task is the current one (do_exit), so a raw tracepoint will do:
 * unlike tp_btf it needs no kernel BTF to load (libbpf 1.1 reads all of it,
 * ~8 ms of start-up, for an object with a tp_btf program). */
SEC("raw_tp/sched_process_exit")
int thread_exit(void *ctx)
{
	drop_thread_stack(bpf_get_current_task_btf());
	return 0;
}
