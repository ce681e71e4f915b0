// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The python source: markers that the wrapper script injected into a
 * CPython process writes with os.pwrite() (struct mcp_py_marker) are read
 * at libc's pwrite64(), a uprobe attached to the traced pids alone (no
 * other process takes the breakpoint). pwrite, not write: the program's
 * own write() calls (logs, sockets, pipes) take no probe; a probe hit
 * costs ~25-30 us of CPU in this VM today (BENCHMARKS.md). An entry marker pushes a frame on the
 * thread's span stack that native bindings, TLS and MCP share
 * (lib/span_stack.bpf.h), a return or raise marker pops it and emits the
 * same record a native span emits (struct mcp_call_rec): so a bound Python
 * function called inside another is its child, and an LLM call made inside
 * it over TLS too.
 *
 * Its own object rather than more programs in uprobe.bpf.c: the uprobe
 * object is loaded only when a probe map binds native code, and its entry
 * and return run the longjmp recovery (stack slots) that a Python frame has
 * no use for; the span stack map is shared between objects anyway.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "mcp_trace.h"
#include "lib/ring.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/traced.bpf.h"
#include "lib/span_stack.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Per binding, set before load: MCP_BIND_EMIT_START for operations that
 * keep an "active" count. */
const volatile __u8 py_bind_flags[MCP_MAX_BINDINGS];

/* A Python frame has no stack slot: above every native one, as a USDT
 * span's, so that native longjmp recovery never takes it for dead. */
#define PY_FRAME_SP (~0ULL)
/* A step of an async call: a copy of its record, popped at the step's end
 * without a record of its own; args[0] holds its token. */
#define PY_STEP_SP (~1ULL)

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mcp_call_rec);
} py_scratch SEC(".maps");

/* The marker's header: what is read before anything else. */
struct marker_head {
	__u32 magic;
	__u8 version, kind;
	__u16 binding, size;
	__u8 nstrs, pad;
	__u32 failed, present, pad2;
	__u64 aux;
};

/* A record's length from its string slots, bounded for the verifier. */
static __always_inline __u64 rec_size(__u8 nstrs)
{
	__u64 n = nstrs;

	if (n > MCP_MAX_STRS)
		n = MCP_MAX_STRS;
	return MCP_CALL_REC_SIZE(n);
}

static __always_inline void start_record(struct mcp_call_rec *r, const struct marker_head *m, __u16 type)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 n = m->nstrs > MCP_MAX_STRS ? MCP_MAX_STRS : m->nstrs;

	__builtin_memset(r, 0, __builtin_offsetof(struct mcp_call_rec, strs));
	for (int i = 0; i < MCP_MAX_STRS; i++)
		r->strs[i][0] = 0;
	r->h.type = type;
	r->h.size = MCP_CALL_REC_SIZE(n);
	r->h.pid = id >> 32;
	r->h.tid = (__u32)id;
	r->h.start_ns = bpf_ktime_get_ns();
	r->h.end_ns = r->h.start_ns;
	r->binding = m->binding & (MCP_MAX_BINDINGS - 1);
	r->nstrs = n;
}

/* The slots the marker says it carries, into the record. */
static __always_inline void copy_values(struct mcp_call_rec *r, const struct marker_head *m, const char *buf)
{
	for (int i = 0; i < MCP_MAX_CAPS; i++)
		if (m->present & (1u << i))
			bpf_probe_read_user(&r->vals[i], 8, buf + __builtin_offsetof(struct mcp_py_marker, vals) + 8 * i);
	for (int i = 0; i < MCP_MAX_STRS; i++)
		if ((m->present & MCP_PY_STR_PRESENT(i)) && i < m->nstrs)
			bpf_probe_read_user(r->strs[i], MCP_STR_LEN,
					    buf + __builtin_offsetof(struct mcp_py_marker, strs) + MCP_STR_LEN * i);
	r->cap_failed |= m->failed;
}

/* Async calls in flight, by process and the wrapper's call token: tasks
 * interleave on one thread, so an async call has no frame on its stack. */
struct py_async_key {
	__u32 tgid, token;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct py_async_key);
	__type(value, struct mcp_call_rec);
} py_async SEC(".maps");

/* What a new call or point hangs under: the innermost of the thread's top
 * frame and the async call `token` (the caller's, from the wrapper's
 * contextvar), that is the one that began last; both are open around it. */
static __always_inline const struct mcp_call_rec *parent_of(struct span_stack *st, __u32 token)
{
	struct frame *f = top_frame(st);
	const struct mcp_call_rec *a = NULL;

	if (token) {
		struct py_async_key k = {.tgid = bpf_get_current_pid_tgid() >> 32, .token = token};

		a = bpf_map_lookup_elem(&py_async, &k);
	}
	if (f && (!a || f->rec.h.start_ns >= a->h.start_ns))
		return &f->rec;
	return a;
}

/* Ids from the parent, or a new trace at the root (none for a point). */
static __always_inline void set_parent(struct mcp_call_rec *r, struct span_stack *st,
				       const struct mcp_call_rec *p, bool point)
{
	if (p) {
		r->trace_id[0] = p->trace_id[0];
		r->trace_id[1] = p->trace_id[1];
		r->parent_id = p->span_id;
		r->depth = p->depth + 1;
	} else if (st && !point) {
		r->trace_id[0] = next_id(st);
		r->trace_id[1] = next_id(st);
	}
}

static __always_inline int py_entry(const struct marker_head *m, const char *buf)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct span_stack *st = get_stack(tid, true);
	__u64 exec_id = bpf_get_current_task_btf()->self_exec_id;

	if (!st)
		return 0;
	if (st->depth && st->exec_id != exec_id) { /* frames of the image before an exec */
		stat_add(MCP_STAT_ABANDONED, st->depth > MCP_MAX_DEPTH ? MCP_MAX_DEPTH : st->depth);
		st->depth = 0;
	}
	__u32 d = st->depth;

	if (d >= MCP_MAX_DEPTH) {
		st->depth = d + 1; /* the matching return is skipped too */
		stat_inc(MCP_STAT_DEPTH_OVERFLOW);
		return 0;
	}
	asm volatile("" : "+r"(d));
	struct frame *f = &st->frames[d & (MCP_MAX_DEPTH - 1)];
	struct mcp_call_rec *r = &f->rec;

	start_record(r, m, MCP_REC_SPAN_END);
	r->span_id = next_id(st);
	set_parent(r, st, parent_of(st, (__u32)m->aux), false);
	for (int i = 0; i < MCP_NARGS; i++)
		f->args[i] = 0;
	f->sp = PY_FRAME_SP;
	st->exec_id = exec_id;
	copy_values(r, m, buf);
	st->depth = d + 1;
	if (py_bind_flags[r->binding & (MCP_MAX_BINDINGS - 1)] & MCP_BIND_EMIT_START) {
		r->h.type = MCP_REC_SPAN_START;
		emit(r, rec_size(r->nstrs));
		r->h.type = MCP_REC_SPAN_END;
	}
	return 0;
}

static __always_inline int py_exit(const struct marker_head *m, const char *buf)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct span_stack *st = get_stack(tid, false);
	__u64 now = bpf_ktime_get_ns();

	if (!st || st->depth == 0) {
		stat_inc(MCP_STAT_UNMATCHED_RET);
		return 0;
	}
	__u32 d = st->depth;

	if (d > MCP_MAX_DEPTH) { /* a call entered too deep returns */
		st->depth = d - 1;
		return 0;
	}
	asm volatile("" : "+r"(d));
	struct frame *f = &st->frames[(d - 1) & (MCP_MAX_DEPTH - 1)];

	/* Ours by binding and by having no stack slot: a wrapper writes its
	 * return marker in a finally, so Python frames pair up. */
	if (f->sp != PY_FRAME_SP || f->rec.binding != (m->binding & (MCP_MAX_BINDINGS - 1))) {
		stat_inc(MCP_STAT_UNMATCHED_RET);
		return 0;
	}
	struct mcp_call_rec *r = &f->rec;

	st->depth = d - 1;
	r->h.end_ns = now;
	r->ret = m->kind == MCP_PY_RAISE;
	copy_values(r, m, buf);
	emit(r, rec_size(r->nstrs));
	return 0;
}

/* An async call begins: its record waits in py_async for its end. */
static __always_inline int py_async_entry(struct mcp_call_rec *r, const struct marker_head *m, const char *buf)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct span_stack *st = get_stack(tid, true); /* its id generator */
	struct py_async_key k = {.tgid = bpf_get_current_pid_tgid() >> 32, .token = m->aux >> 32};

	if (!st || !k.token)
		return 0;
	start_record(r, m, MCP_REC_SPAN_END);
	r->span_id = next_id(st);
	set_parent(r, st, parent_of(st, (__u32)m->aux), false);
	copy_values(r, m, buf);
	if (bpf_map_update_elem(&py_async, &k, r, BPF_ANY)) {
		stat_inc(MCP_STAT_STACK_ALLOC);
		return 0;
	}
	if (py_bind_flags[r->binding & (MCP_MAX_BINDINGS - 1)] & MCP_BIND_EMIT_START) {
		r->h.type = MCP_REC_SPAN_START;
		emit(r, rec_size(r->nstrs));
	}
	return 0;
}

/* A step of async call `token` begins: a copy of its record on the
 * thread's stack, for what the step calls (TLS, MCP, sync bindings). */
static __always_inline int py_async_resume(const struct marker_head *m)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct py_async_key k = {.tgid = bpf_get_current_pid_tgid() >> 32, .token = (__u32)m->aux};
	struct mcp_call_rec *a = bpf_map_lookup_elem(&py_async, &k);
	struct span_stack *st = a ? get_stack(tid, true) : NULL;

	if (!st)
		return 0;
	__u32 d = st->depth;

	if (d >= MCP_MAX_DEPTH) {
		st->depth = d + 1; /* its suspend is skipped too */
		stat_inc(MCP_STAT_DEPTH_OVERFLOW);
		return 0;
	}
	asm volatile("" : "+r"(d));
	struct frame *f = &st->frames[d & (MCP_MAX_DEPTH - 1)];

	f->rec = *a;
	f->sp = PY_STEP_SP;
	f->args[0] = k.token;
	st->exec_id = bpf_get_current_task_btf()->self_exec_id;
	st->depth = d + 1;
	return 0;
}

/* The step ended: its frame, on top, goes. */
static __always_inline int py_async_suspend(const struct marker_head *m)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct span_stack *st = get_stack(tid, false);

	if (!st || st->depth == 0)
		return 0;
	__u32 d = st->depth;

	if (d > MCP_MAX_DEPTH) {
		st->depth = d - 1;
		return 0;
	}
	asm volatile("" : "+r"(d));
	struct frame *f = &st->frames[(d - 1) & (MCP_MAX_DEPTH - 1)];

	if (f->sp == PY_STEP_SP && f->args[0] == (__u32)m->aux)
		st->depth = d - 1;
	else
		stat_inc(MCP_STAT_UNMATCHED_RET);
	return 0;
}

/* An async call ends (aux: its token, bit 32 set when it raised). */
static __always_inline int py_async_end(const struct marker_head *m, const char *buf)
{
	struct py_async_key k = {.tgid = bpf_get_current_pid_tgid() >> 32, .token = (__u32)m->aux};
	struct mcp_call_rec *r = bpf_map_lookup_elem(&py_async, &k);

	if (!r || r->binding != (m->binding & (MCP_MAX_BINDINGS - 1))) {
		stat_inc(MCP_STAT_UNMATCHED_RET);
		return 0;
	}
	r->h.end_ns = bpf_ktime_get_ns();
	r->ret = (m->aux >> 32) & 1;
	copy_values(r, m, buf);
	emit(r, rec_size(r->nstrs));
	bpf_map_delete_elem(&py_async, &k);
	return 0;
}

/* A point, and the script's HELLO and STATUS markers. */
static __always_inline int py_single(const struct marker_head *m, const char *buf)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct mcp_call_rec *r = bpf_map_lookup_elem(&py_scratch, &zero);

	if (!r)
		return 0;
	if (m->kind == MCP_PY_ASYNC_ENTRY)
		return py_async_entry(r, m, buf);
	if (m->kind != MCP_PY_POINT) {
		start_record(r, m, MCP_REC_PY_INFO);
		r->h.flags = m->kind;
		r->ret = m->aux;
		r->h.size = MCP_CALL_REC_SIZE(0);
		r->nstrs = 0;
		emit(r, rec_size(r->nstrs));
		return 0;
	}
	start_record(r, m, MCP_REC_POINT);
	struct span_stack *st = get_stack(tid, false);

	set_parent(r, st, parent_of(st, (__u32)m->aux), true);
	copy_values(r, m, buf);
	emit(r, rec_size(r->nstrs));
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(py_write, int fd, const void *buf, __u64 count, __u64 offset)
{
	struct marker_head m;

	/* A pwrite of the program's own (sqlite's) is no marker: its size says so. */
	if (count < MCP_PY_MARKER_SIZE(0) || count > sizeof(struct mcp_py_marker))
		return 0;
	if (!current_traced())
		return 0;
	if (bpf_probe_read_user(&m, sizeof(m), buf) || m.magic != MCP_PY_MAGIC ||
	    m.version != MCP_PY_VERSION || m.size != count || m.nstrs > MCP_MAX_STRS ||
	    count != MCP_PY_MARKER_SIZE(m.nstrs))
		return 0;
	switch (m.kind) {
	case MCP_PY_ENTRY:
		return py_entry(&m, buf);
	case MCP_PY_RETURN:
	case MCP_PY_RAISE:
		return py_exit(&m, buf);
	case MCP_PY_ASYNC_END:
		return py_async_end(&m, buf);
	case MCP_PY_ASYNC_RESUME:
		return py_async_resume(&m);
	case MCP_PY_ASYNC_SUSPEND:
		return py_async_suspend(&m);
	default:
		return py_single(&m, buf);
	}
}

/* A thread that exits inside a Python call leaves frames behind. The
 * uprobe object frees them too when it is loaded; the map is one. */
SEC("raw_tp/sched_process_exit") /* the exiting task is current; no kernel BTF to read */
int py_thread_exit(void *ctx)
{
	drop_thread_stack(bpf_get_current_task_btf());
	return 0;
}
