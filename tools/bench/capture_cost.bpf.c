// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The alternatives tools/bench/capture_cost.sh compares with the mcp
 * source's own tracepoint programs (bpf/mcp_io.bpf.c, loaded as built):
 *   - uprobes on libc read/write/readv/writev/recvfrom/sendto/recvmsg/
 *     sendmsg (and uretprobes for the reading ones), attached for the
 *     traced pid only, plus a pid-set check; for a traced process they keep
 *     only pipes and sockets (the file's inode mode, read through the
 *     task's fd table) and copy up to CAP bytes into the ring buffer, built
 *     in a per-CPU scratch and sent as long as its content, waking the
 *     consumer once per 1/16 of the ring, as bpf/lib/ring.bpf.h does;
 *   - empty tp_btf/sys_enter + sys_exit programs: what the tracepoints
 *     cost by themselves. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define CAP 4096
#define S_IFMT 00170000
#define S_IFIFO 0010000
#define S_IFSOCK 0140000

enum kind { K_READ, K_WRITE, K_READV, K_WRITEV, K_RECVFROM, K_SENDTO, K_RECVMSG, K_SENDMSG, K_NONE };

struct rec {
	__u64 ts;
	__u64 ino;
	__u32 pid, tid;
	__u32 fd, len, total;
	__u8 outbound, kind;
	__u16 pad;
	char data[CAP];
};

struct pend {
	__u64 buf; /* the buffer, or the iovec / msghdr */
	__u64 ino;
	__u32 fd, kind;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pend);
} pending SEC(".maps");

#define RING_SIZE (8 << 20)
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RING_SIZE);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rec);
} scratch SEC(".maps");

/* 0 records, 1 dropped (ring full), 2 skipped (not a pipe or socket) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(__u32 i)
{
	__u64 *c = bpf_map_lookup_elem(&counts, &i);
	if (c)
		(*c)++;
}

static __always_inline bool traced(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	return bpf_map_lookup_elem(&pids, &tgid) != NULL;
}

/* The inode of fd when it is a pipe or a socket, else 0. */
static __always_inline __u64 stream_of(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return 0;
	umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFIFO && (mode & S_IFMT) != S_IFSOCK)
		return 0;
	return BPF_CORE_READ(f, f_inode, i_ino);
}

/* Where the bytes are: the buffer itself, or the first iovec. */
static __always_inline __u64 first_buf(__u32 kind, __u64 p, __u64 *iov_len)
{
	struct iovec iov = {};
	struct user_msghdr msg = {};

	*iov_len = ~0ULL;
	if (kind == K_READV || kind == K_WRITEV) {
		bpf_probe_read_user(&iov, sizeof(iov), (void *)p);
	} else if (kind == K_RECVMSG || kind == K_SENDMSG) {
		bpf_probe_read_user(&msg, sizeof(msg), (void *)p);
		bpf_probe_read_user(&iov, sizeof(iov), msg.msg_iov);
	} else {
		return p;
	}
	*iov_len = iov.iov_len;
	return (__u64)iov.iov_base;
}

static __always_inline __u64 wakeup_flag(__u64 size)
{
	const __u64 thr = RING_SIZE / 16, rec = (size + 8 + 7) & ~7ULL;
	__u64 avail = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);

	if (avail >= thr && avail / thr != (avail - rec) / thr)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void emit(__u32 kind, bool out, __u32 fd, __u64 ino, __u64 p, __u64 total)
{
	__u64 iov_len;
	__u64 buf = first_buf(kind, p, &iov_len);
	__u64 n = total < iov_len ? total : iov_len;
	__u32 zero = 0;
	struct rec *r = bpf_map_lookup_elem(&scratch, &zero);

	if (!r)
		return;
	__u64 id = bpf_get_current_pid_tgid();
	r->ts = bpf_ktime_get_ns();
	r->ino = ino;
	r->pid = id >> 32;
	r->tid = (__u32)id;
	r->fd = fd;
	r->total = total;
	r->outbound = out;
	r->kind = kind;
	__u32 len = n > CAP ? CAP : (__u32)n;
	if (len > CAP) /* for the verifier: it cannot follow the clamp above */
		len = CAP;
	r->len = len;
	bpf_probe_read_user(r->data, len, (void *)buf);
	__u64 size = offsetof(struct rec, data) + len;
	if (size > sizeof(*r))
		size = sizeof(*r);
	if (bpf_ringbuf_output(&rb, r, size, wakeup_flag(size)))
		count(1);
	else
		count(0);
}

static __always_inline bool is_out(__u32 kind)
{
	return kind == K_WRITE || kind == K_WRITEV || kind == K_SENDTO || kind == K_SENDMSG;
}

/* Entry of any of the eight: writes are captured now, reads remembered. */
static __always_inline void enter(__u32 kind, int fd, __u64 p, __u64 count_arg)
{
	if (!traced())
		return;
	__u64 ino = stream_of(fd);
	if (!ino) {
		count(2);
		return;
	}
	if (is_out(kind)) {
		/* writev / sendmsg: the size is the first iovec's (enough for
		 * what this measures) */
		emit(kind, true, fd, ino, p, kind == K_WRITE || kind == K_SENDTO ? count_arg : CAP);
		return;
	}
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pend pe = {.buf = p, .ino = ino, .fd = fd, .kind = kind};
	bpf_map_update_elem(&pending, &tid, &pe, BPF_ANY);
}

static __always_inline void leave(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pend *pe = bpf_map_lookup_elem(&pending, &tid);

	if (!pe)
		return;
	if (ret > 0)
		emit(pe->kind, false, pe->fd, pe->ino, pe->buf, ret);
	bpf_map_delete_elem(&pending, &tid);
}

/* ---------------------------------------------------------------- (b) */

#define UP_ENTRY(name, kind)                                      \
	SEC("uprobe")                                             \
	int BPF_KPROBE(up_##name, int fd, void *p, __u64 n)       \
	{                                                         \
		enter(kind, fd, (__u64)p, n);                     \
		return 0;                                         \
	}
#define UP_RETURN(name)                      \
	SEC("uretprobe")                     \
	int BPF_KRETPROBE(ur_##name, long r) \
	{                                    \
		if (traced())                \
			leave(r);            \
		return 0;                    \
	}

UP_ENTRY(read, K_READ)
UP_ENTRY(write, K_WRITE)
UP_ENTRY(readv, K_READV)
UP_ENTRY(writev, K_WRITEV)
UP_ENTRY(recvfrom, K_RECVFROM)
UP_ENTRY(sendto, K_SENDTO)
UP_ENTRY(recvmsg, K_RECVMSG)
UP_ENTRY(sendmsg, K_SENDMSG)
UP_RETURN(read)
UP_RETURN(readv)
UP_RETURN(recvfrom)
UP_RETURN(recvmsg)

/* ---------------------------------------------------------------- floor */

/* The tracepoints' own price: programs that do nothing. */
SEC("tp_btf/sys_enter")
int BPF_PROG(empty_enter, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(empty_exit, struct pt_regs *regs, long ret)
{
	return 0;
}
