// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The handler a process has installed for one signal, read from the
 * kernel's own table (task->sighand->action[]) by a task iterator: no
 * /proc file shows it (SigCgt says only "caught"), and reading it must not
 * touch the process. The Node.js injector (user/source/node/) sends
 * SIGUSR1 only when the handler is node's inspector wake-up: had the
 * program installed its own (process.on('SIGUSR1')), the signal would run
 * the program's code and open no inspector; had node not installed one yet
 * (SIG_DFL), the signal would kill the process.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile int target_tgid = 0;
const volatile int signo = 10; /* SIGUSR1 on x86-64 */

SEC("iter/task")
int sighand_of(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct sighand_struct *sh;
	__u64 rec[2];

	/* The thread-group leader: handlers are shared by every thread. */
	if (!t || t->tgid != target_tgid || t->pid != t->tgid || signo < 1 || signo > 64)
		return 0;
	sh = t->sighand;
	if (!sh)
		return 0;
	rec[0] = (__u64)BPF_CORE_READ(sh, action[(signo - 1) & 63].sa.sa_handler);
	rec[1] = BPF_CORE_READ(sh, action[(signo - 1) & 63].sa.sa_flags);
	bpf_seq_write(ctx->meta->seq, rec, sizeof(rec));
	return 0;
}
