/* What this kernel offers the sources, asked the way the sources use it,
 * for --version: a bug report then says which attach path a run could take
 * (uprobe_multi or perf-event uprobes), whether BTF, ring buffers and
 * tp_btf (the thread-exit hook that frees span stacks) are there. */
#ifndef KERNEL_FEATURES_H
#define KERNEL_FEATURES_H

#include <stdio.h>

enum kf_state { KF_NO = 0, KF_YES = 1, KF_UNKNOWN = 2 /* not permitted to ask */ };

struct kernel_features {
	enum kf_state btf;          /* /sys/kernel/btf/vmlinux, parsed */
	enum kf_state uprobe;       /* the uprobe PMU (perf-event uprobes, USDT) */
	enum kf_state uprobe_multi; /* BPF_TRACE_UPROBE_MULTI links (6.6+) */
	enum kf_state ringbuf;      /* BPF_MAP_TYPE_RINGBUF (5.8+) */
	enum kf_state tp_btf;       /* a tp_btf program on sched_process_exit, attached */
	int bpf_errno;              /* why BPF could not be asked (EPERM), or 0 */
};

/* Probes each feature: loads and attaches tiny programs (nothing stays
 * attached), so it needs the privileges a run needs. */
void kernel_features_probe(struct kernel_features *kf);
/* --version: the tracer's version, libbpf's (run time and build time),
 * the kernel release, the features and the data directory. Returns 0. */
int version_print(FILE *f);

#endif
