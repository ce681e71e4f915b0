// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The process source: the scheduler's fork, exec and exit tracepoints for
 * the traced process set. A process a traced one forks joins the set (with
 * follow on) before it can run a single instruction, so no probe or
 * syscall of it is missed; its exec and its exit become records user space
 * turns into exec spans (and git worktree operations).
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

/* Children join the traced set (--no-follow: false). */
const volatile bool follow = true;

/* include/linux/sched/signal.h: a fatal signal or exit_group() ended the
 * whole thread group; its code is signal->group_exit_code. */
#define SIGNAL_GROUP_EXIT 0x00000004

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mcp_proc_rec);
} proc_scratch SEC(".maps");

static __always_inline struct mcp_proc_rec *new_rec(__u16 type, __u32 pid)
{
	__u32 zero = 0;
	struct mcp_proc_rec *r = bpf_map_lookup_elem(&proc_scratch, &zero);

	if (!r)
		return NULL;
	__builtin_memset(r, 0, __builtin_offsetof(struct mcp_proc_rec, path));
	r->h.type = type;
	r->h.pid = pid;
	r->h.tid = (__u32)bpf_get_current_pid_tgid();
	r->h.start_ns = bpf_ktime_get_ns();
	r->h.end_ns = r->h.start_ns;
	return r;
}

/*
 * Raw tracepoints, not tp_btf: an object with a tp_btf program makes
 * libbpf 1.1 read and index the kernel's whole BTF at load (~8 ms of
 * start-up). The task pointers are then plain addresses, read with
 * BPF_CORE_READ; a process event is rare enough for that not to matter.
 */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(proc_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);

	if (BPF_CORE_READ(child, pid) != ctgid) /* a new thread, not a new process */
		return 0;
	if (!current_traced())
		return 0;
	if (traced_mode != MCP_TRACED_BY_TASK) {
		struct mcp_traced v = {.ppid = ptgid, .flags = MCP_TRACED_CHILD};

		if (!follow)
			return 0;
		if (bpf_map_update_elem(&traced_pids, &ctgid, &v, BPF_ANY)) {
			stat_inc(MCP_STAT_PROC_TABLE_FULL);
			return 0;
		}
	}
	struct mcp_proc_rec *r = new_rec(MCP_REC_PROC_FORK, ctgid);

	if (!r)
		return 0;
	r->ppid = ptgid;
	/* The span open on the forking thread is the child's parent. */
	struct frame *f = top_frame(get_stack(r->h.tid, false));

	if (f) {
		r->parent_trace_id[0] = f->rec.trace_id[0];
		r->parent_trace_id[1] = f->rec.trace_id[1];
		r->parent_span_id = f->rec.span_id;
	}
	r->h.size = __builtin_offsetof(struct mcp_proc_rec, path);
	emit(r, __builtin_offsetof(struct mcp_proc_rec, path));
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(proc_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!current_traced())
		return 0;
	struct mcp_proc_rec *r = new_rec(MCP_REC_PROC_EXEC, BPF_CORE_READ(p, tgid));

	if (!r)
		return 0;
	bpf_probe_read_kernel_str(r->path, sizeof(r->path), BPF_CORE_READ(bprm, filename));
	/* argv as the new image holds it: NUL-separated strings on its stack. */
	__u64 start = BPF_CORE_READ(p, mm, arg_start), end = BPF_CORE_READ(p, mm, arg_end);
	__u64 n = end > start ? end - start : 0;

	if (n > MCP_PROC_ARGS_LEN) {
		n = MCP_PROC_ARGS_LEN;
		r->h.flags |= MCP_PROC_ARGS_CUT;
		stat_inc(MCP_STAT_ARGS_CUT);
	}
	__u32 len = n;

	/* The verifier checks the bound on this very register. */
	barrier_var(len);
	if (len > MCP_PROC_ARGS_LEN)
		len = MCP_PROC_ARGS_LEN;
	if (len && bpf_probe_read_user(r->args, len, (void *)start))
		len = 0;
	r->args_len = len;
	r->h.size = MCP_PROC_REC_SIZE(len);
	emit(r, MCP_PROC_REC_SIZE(len));
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(proc_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);

	/* Only when the process's last thread goes. */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	if (traced_mode == MCP_TRACED_BY_TASK ? !task_wanted() : !bpf_map_lookup_elem(&traced_pids, &tgid))
		return 0;
	struct mcp_proc_rec *r = new_rec(MCP_REC_PROC_EXIT, tgid);

	if (r) {
		unsigned int flags = BPF_CORE_READ(p, signal, flags);

		r->exit_code = (flags & SIGNAL_GROUP_EXIT) ? BPF_CORE_READ(p, signal, group_exit_code)
							    : BPF_CORE_READ(p, exit_code);
		r->h.size = __builtin_offsetof(struct mcp_proc_rec, path);
		emit(r, __builtin_offsetof(struct mcp_proc_rec, path));
	}
	bpf_map_delete_elem(&traced_pids, &tgid);
	return 0;
}
