// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The kernel's floor: a uprobe and a uretprobe whose programs do nothing.
 * Whatever a call costs under these is the price of the trap/trampoline and
 * of running a BPF program at all; no tracer can be cheaper. */
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
