// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The mcp source: what the traced processes read from and write to pipes,
 * Unix sockets and TCP sockets, for user space to find Model Context
 * Protocol messages in (JSON-RPC over stdio, Streamable HTTP).
 *
 * The syscall tracepoints (tp_btf/sys_enter, sys_exit) see every process
 * of the host; the first thing each does is leave unless the syscall is one
 * of the eight that move data, and, for those, unless the process is
 * traced (traced_pids, lib/traced.bpf.h) — what the host pays for this is
 * measured in BENCHMARKS.md. For a traced process, entry notes the fd's
 * stream (pipes and stream sockets only: files, ttys, UDP are left alone)
 * and the buffer; a write's bytes go out at entry, a read's at exit, as
 * many as the call got, in chunks (call_entry says why; what a write did
 * not get through is not sent twice). A stream user space found not to
 * carry MCP (TLS, HTTP/2, a binary pipe) is muted and costs a lookup.
 *
 * The libc capture (--mcp-capture=libc|auto) sees the same calls one level
 * up: uprobes on glibc's read/write family, attached per traced process
 * (uprobe_multi links with its pid, so no other process takes a trap),
 * emit the same records through the same code. A process is held stopped
 * (SIGSTOP) when it forks or execs until user space has probed it, so
 * that a child is never running unprobed (see mcp_hold_fork). Both ways
 * can be attached at once (a static child among covered ones): a call the
 * libc probe took is left alone by sys_enter.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "mcp_trace.h"
#include "lib/ring.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/traced.bpf.h"
#include "lib/span_stack.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define S_IFMT 00170000
#define S_IFIFO 0010000
#define S_IFSOCK 0140000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define MSG_PEEK 2
#define MAX_IOV 8 /* iovecs read per call; bytes past them are a gap */

/* x86-64 syscall numbers of the eight */
enum io_call { C_READ = 0, C_WRITE = 1, C_READV = 19, C_WRITEV = 20, C_SENDTO = 44, C_RECVFROM = 45,
	       C_SENDMSG = 46, C_RECVMSG = 47 };

struct endpoint {
	__u64 conn, stream;
	__u16 lport, rport;
	__u8 kind;
};

/* A call between entry and exit, per thread. */
struct io_call_state {
	__u64 ptr;   /* the buffer, the iovec array, or the msghdr */
	__u64 start_ns;
	__u32 fd;
	__u32 nr;    /* enum io_call */
	__u32 iovcnt;
	__u32 pad;
	struct endpoint ep;
	__u64 count; /* libc writes: the bytes asked to be written */
	__u64 ahead; /* libc writes: of the stream's, already sent (write_ahead) */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct io_call_state);
} io_calls SEC(".maps");

/* Calls the libc probes took, per thread, from entry to return. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct io_call_state);
} libc_calls SEC(".maps");

struct mute_key {
	__u32 pid;
	__u32 pad;
	__u64 stream;
};

/* libc writes go into the ring at entry (see mcp_libc_enter); bytes sent
 * so that the kernel did not take (a partial write, EAGAIN) are the first
 * ones of the next write on the stream, and are not sent again. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct mute_key);
	__type(value, __u64);
} write_ahead SEC(".maps");

/* Streams user space found not to carry MCP. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct mute_key);
	__type(value, __u8);
} muted SEC(".maps");

/* Records are built here: a chunk does not fit on the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mcp_io_rec);
} io_scratch SEC(".maps");

static __always_inline bool moves_data(long nr)
{
	return nr == C_READ || nr == C_WRITE || nr == C_READV || nr == C_WRITEV || nr == C_SENDTO ||
	       nr == C_RECVFROM || nr == C_SENDMSG || nr == C_RECVMSG;
}

static __always_inline bool is_read(__u32 nr)
{
	return nr == C_READ || nr == C_READV || nr == C_RECVFROM || nr == C_RECVMSG;
}

static __always_inline __u64 mix(__u64 a, __u64 b)
{
	__u64 h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL + (a << 6));
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 29);
}

/* One id for a TCP connection, the same from both ends: the two
 * (address, port) endpoints in a fixed order. */
static __always_inline __u64 tcp_conn(__u64 laddr, __u16 lport, __u64 raddr, __u16 rport)
{
	__u64 l = mix(laddr, lport), r = mix(raddr, rport);
	return l < r ? mix(l, r) : mix(r, l);
}

/* Pipes and stream sockets: what both ends share. False for anything else. */
static __always_inline bool endpoint_of(int fd, struct endpoint *ep)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return false;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return false;
	umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
	ep->stream = BPF_CORE_READ(f, f_inode, i_ino);
	if ((mode & S_IFMT) == S_IFIFO) {
		ep->kind = MCP_IO_PIPE;
		ep->conn = ep->stream; /* one inode, two ends */
		return true;
	}
	if ((mode & S_IFMT) != S_IFSOCK)
		return false;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	if (BPF_CORE_READ(sock, type) != SOCK_STREAM)
		return false;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == AF_UNIX) {
		__u64 me = (__u64)sk, peer = (__u64)BPF_CORE_READ((struct unix_sock *)sk, peer);
		ep->kind = MCP_IO_UNIX;
		/* kernel addresses stay in the kernel: only a hash leaves */
		ep->conn = peer ? (me < peer ? mix(me, peer) : mix(peer, me)) : mix(me, 0);
		return true;
	}
	if (family != AF_INET && family != AF_INET6)
		return false;
	ep->kind = MCP_IO_TCP;
	ep->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	ep->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	__u64 la, ra;
	if (family == AF_INET) {
		la = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		ra = BPF_CORE_READ(sk, __sk_common.skc_daddr);
	} else {
		struct in6_addr l6 = BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);
		struct in6_addr r6 = BPF_CORE_READ(sk, __sk_common.skc_v6_daddr);
		la = mix(((__u64)l6.in6_u.u6_addr32[0] << 32 | l6.in6_u.u6_addr32[1]),
			 ((__u64)l6.in6_u.u6_addr32[2] << 32 | l6.in6_u.u6_addr32[3]));
		ra = mix(((__u64)r6.in6_u.u6_addr32[0] << 32 | r6.in6_u.u6_addr32[1]),
			 ((__u64)r6.in6_u.u6_addr32[2] << 32 | r6.in6_u.u6_addr32[3]));
	}
	ep->conn = tcp_conn(la, ep->lport, ra, ep->rport);
	return true;
}

/* The start of one of the eight, from either way in: kept in `calls` per
 * thread when it moves data on a pipe or stream socket that is not muted.
 * a4 is the flags of recvfrom/sendto (recv/send) and a3 those of
 * recvmsg/sendmsg. */
static __always_inline bool start_call(void *calls, __u32 nr, long fd, __u64 ptr, __u64 a3, __u64 a4)
{
	struct io_call_state c = {.fd = (__u32)fd, .nr = nr, .ptr = ptr, .iovcnt = (__u32)a3,
				  .start_ns = bpf_ktime_get_ns()};

	if ((nr == C_RECVFROM || nr == C_SENDTO) && (a4 & MSG_PEEK))
		return false; /* a peek reads the same bytes again later */
	if ((nr == C_RECVMSG || nr == C_SENDMSG) && (a3 & MSG_PEEK))
		return false;
	if (!endpoint_of((int)fd, &c.ep))
		return false;
	struct mute_key mk = {.pid = bpf_get_current_pid_tgid() >> 32, .stream = c.ep.stream};
	if (bpf_map_lookup_elem(&muted, &mk))
		return false;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	return bpf_map_update_elem(calls, &tid, &c, BPF_ANY) == 0;
}

static __always_inline struct mcp_io_rec *new_rec(const struct io_call_state *c, __u16 type)
{
	__u32 zero = 0;
	struct mcp_io_rec *r = bpf_map_lookup_elem(&io_scratch, &zero);
	__u64 id = bpf_get_current_pid_tgid();

	if (!r)
		return NULL;
	r->h.type = type;
	r->h.pid = id >> 32;
	r->h.tid = (__u32)id;
	r->h.flags = is_read(c->nr) ? MCP_IO_READ : 0;
	r->h.start_ns = c->start_ns;
	r->h.end_ns = bpf_ktime_get_ns();
	r->conn = c->ep.conn;
	r->stream = c->ep.stream;
	r->kind = c->ep.kind;
	r->lport = c->ep.lport;
	r->rport = c->ep.rport;
	r->fd = c->fd;
	r->total = r->offset = r->len = 0;
	r->parent_trace_id[0] = r->parent_trace_id[1] = r->parent_span_id = 0;
	return r;
}

/* Copies len bytes at user address p as the chunk at off. */
static __always_inline void send_chunk(struct mcp_io_rec *r, __u64 p, __u64 off, __u64 len)
{
	if (len > MCP_IO_CHUNK)
		len = MCP_IO_CHUNK;
	if (bpf_probe_read_user(r->data, len, (void *)p))
		return; /* unreadable: user space sees the gap */
	r->offset = (__u32)off;
	r->len = (__u32)len;
	r->h.size = (__u16)MCP_IO_REC_SIZE(len);
	emit(r, MCP_IO_REC_SIZE(len));
}

/* The bytes of one call, walked by bpf_loop: one buffer, or an iovec
 * array. The walk's state lives in a map, not on the stack: the verifier
 * knows nothing of map contents, so each turn looks the same to it and
 * the callback is verified once (on the stack, every turn's bounds would
 * be a new state, past the verifier's limit). */
struct chunks {
	__u64 base;   /* the buffer, or the iovec array */
	__u64 n;      /* bytes the call moved */
	__u64 done;   /* iovecs: bytes sent so far */
	__u64 skip;   /* iovecs: first bytes not to send (sent already) */
	__u64 in_v, vlen, vbase; /* iovecs: the current one */
	__u32 iovcnt, vi;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct chunks);
} io_walk SEC(".maps");

/* One buffer: the first chunks, and for a call longer than the chunks
 * allow, its last chunk in the last slot (a message's newline is there). */
static long buffer_step(__u32 i, void *data)
{
	__u32 zero = 0;
	struct chunks *c = bpf_map_lookup_elem(&io_walk, &zero);
	struct mcp_io_rec *r = bpf_map_lookup_elem(&io_scratch, &zero);
	__u64 off = (__u64)i * MCP_IO_CHUNK;

	if (!c || !r)
		return 1;
	if (i == MCP_IO_MAX_CHUNKS - 1 && c->n > (__u64)MCP_IO_MAX_CHUNKS * MCP_IO_CHUNK)
		off = c->n - MCP_IO_CHUNK;
	if (off >= c->n)
		return 1;
	send_chunk(r, c->base + off, off, c->n - off);
	return 0;
}

/* An iovec array: chunk by chunk, one iovec at a time (an empty one costs
 * a turn); what lies past MAX_IOV iovecs or the turns is a gap. */
static long iovec_step(__u32 i, void *data)
{
	__u32 zero = 0;
	struct chunks *c = bpf_map_lookup_elem(&io_walk, &zero);
	struct mcp_io_rec *r = bpf_map_lookup_elem(&io_scratch, &zero);

	if (!c || !r || c->done >= c->n)
		return 1;
	if (c->in_v >= c->vlen) {
		struct iovec v = {};
		if (c->vi >= c->iovcnt || c->vi >= MAX_IOV ||
		    bpf_probe_read_user(&v, sizeof(v), (void *)(c->base + (__u64)c->vi * sizeof(v))))
			return 1;
		c->vi++;
		c->vlen = v.iov_len;
		c->vbase = (__u64)v.iov_base;
		c->in_v = 0;
		return 0;
	}
	if (c->skip) { /* a turn per iovec skipped into */
		__u64 k = c->vlen - c->in_v < c->skip ? c->vlen - c->in_v : c->skip;
		c->in_v += k;
		c->skip -= k;
		return 0;
	}
	__u64 len = c->vlen - c->in_v;
	if (len > c->n - c->done)
		len = c->n - c->done;
	if (len > MCP_IO_CHUNK)
		len = MCP_IO_CHUNK;
	send_chunk(r, c->vbase + c->in_v, c->done, len);
	c->in_v += len;
	c->done += len;
	return 0;
}

/* n bytes of a call kept by start_call go out, past its first `skip`. */
static __always_inline int send_call(struct io_call_state c, __u64 n, __u64 skip, __u32 tid)
{
	struct mcp_io_rec *r = new_rec(&c, MCP_REC_IO_DATA);
	if (!r)
		return 0;
	r->total = n > 0xffffffffULL ? 0xffffffffU : (__u32)n;
	if (!is_read(c.nr)) { /* a request sent inside a native span is its child */
		struct frame *f = top_frame(get_stack(tid, false));
		if (f) {
			r->parent_trace_id[0] = f->rec.trace_id[0];
			r->parent_trace_id[1] = f->rec.trace_id[1];
			r->parent_span_id = f->rec.span_id;
		}
	}
	__u32 zero = 0;
	struct chunks *ch = bpf_map_lookup_elem(&io_walk, &zero);
	if (!ch)
		return 0;
	*ch = (struct chunks){.base = c.ptr, .n = n, .iovcnt = c.iovcnt, .skip = skip};
	if (c.nr == C_RECVMSG || c.nr == C_SENDMSG) {
		struct user_msghdr m = {};
		if (bpf_probe_read_user(&m, sizeof(m), (void *)c.ptr))
			return 0;
		ch->base = (__u64)m.msg_iov;
		ch->iovcnt = (__u32)m.msg_iovlen;
	}
	if (c.nr == C_RECVMSG || c.nr == C_SENDMSG || c.nr == C_READV || c.nr == C_WRITEV) {
		bpf_loop(MCP_IO_MAX_CHUNKS + 2 * MAX_IOV, iovec_step, NULL, 0);
	} else {
		ch->base += skip;
		bpf_loop(MCP_IO_MAX_CHUNKS, buffer_step, NULL, 0);
	}
	return 0;
}

/* The end of a call start_call kept: the bytes it moved go out. */
static __always_inline int finish_call(struct io_call_state c, long ret, __u32 tid)
{
	if (ret == 0 && is_read(c.nr)) {
		struct mcp_io_rec *r = new_rec(&c, MCP_REC_IO_CLOSE);
		if (r) {
			r->h.size = MCP_IO_REC_SIZE(0);
			emit(r, MCP_IO_REC_SIZE(0));
		}
		return 0;
	}
	if (ret <= 0)
		return 0; /* EAGAIN, errors: nothing moved */
	return send_call(c, (__u64)ret, 0, tid);
}

/* ---- a call from entry to return, either way in ------------------------ */

/* The bytes of the first MAX_IOV iovecs. */
static __always_inline __u64 iov_total(__u64 iov, __u64 cnt)
{
	__u64 sum = 0;

	for (int i = 0; i < MAX_IOV; i++) {
		struct iovec v = {};
		if (i >= cnt || bpf_probe_read_user(&v, sizeof(v), (void *)(iov + i * sizeof(v))))
			break;
		sum += v.iov_len;
	}
	return sum;
}

/* Reads are sent at return, with the bytes they got. Writes are sent at
 * entry: the reader can get the bytes and report them before the writer's
 * return does. Through libc, the woken reader preempts the writer on its
 * way back to user space, before its return probe; through the syscall
 * tracepoints, the writer is preempted in the kernel right after it wakes
 * the reader, or the reader runs on another CPU, and its sys_exit comes
 * first (a Python client with a reader thread saw responses before its
 * requests: "14 responses unmatched"). The SERVER span would be read
 * before the CLIENT span it is the child of, a response before its
 * request. What the kernel did not take of a write (partial, EAGAIN, an
 * error) is kept in write_ahead at return: the next write on the stream
 * repeats those bytes first, and they are not sent again. `calls` is
 * where the call waits for its return: libc_calls or io_calls. */
static __always_inline bool call_entry(void *calls, __u32 nr, long fd, __u64 ptr, __u64 a3, __u64 a4)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!start_call(calls, nr, fd, ptr, a3, a4))
		return false;
	if (is_read(nr))
		return true;
	struct io_call_state *p = bpf_map_lookup_elem(calls, &tid);
	if (!p)
		return false;
	if (nr == C_WRITE || nr == C_SENDTO) {
		p->count = a3;
	} else if (nr == C_WRITEV) {
		p->count = iov_total(ptr, a3);
	} else {
		struct user_msghdr m = {};
		if (!bpf_probe_read_user(&m, sizeof(m), (void *)ptr))
			p->count = iov_total((__u64)m.msg_iov, m.msg_iovlen);
	}
	struct mute_key k = {.pid = bpf_get_current_pid_tgid() >> 32, .stream = p->ep.stream};
	__u64 *a = bpf_map_lookup_elem(&write_ahead, &k);
	p->ahead = a ? *a : 0;
	struct io_call_state c = *p;
	if (c.count > c.ahead)
		send_call(c, c.count - c.ahead, c.ahead, tid);
	return true;
}

/* The call this thread kept in `calls` at entry, into *c and out of the
 * map; false when there is none. */
static __always_inline bool take_call(void *calls, __u32 tid, struct io_call_state *c)
{
	struct io_call_state *p = bpf_map_lookup_elem(calls, &tid);

	if (!p)
		return false;
	*c = *p;
	bpf_map_delete_elem(calls, &tid);
	return true;
}

/* The return of a call call_entry kept (take_call took it out). */
static __always_inline int finish_kept(struct io_call_state c, long ret, __u32 tid)
{
	if (is_read(c.nr))
		return finish_call(c, ret, tid);
	/* a write, sent at entry: what of it (and of what was ahead) the
	 * kernel did not take is ahead now */
	__u64 sent = c.ahead > c.count ? c.ahead : c.count, took = ret > 0 ? (__u64)ret : 0;
	__u64 left = sent > took ? sent - took : 0;
	struct mute_key k = {.pid = bpf_get_current_pid_tgid() >> 32, .stream = c.ep.stream};
	if (left)
		bpf_map_update_elem(&write_ahead, &k, &left, BPF_ANY);
	else if (c.ahead)
		bpf_map_delete_elem(&write_ahead, &k);
	return 0;
}

/* ---- the syscall tracepoints ------------------------------------------- */

SEC("tp_btf/sys_enter")
int BPF_PROG(mcp_sys_enter, struct pt_regs *regs, long nr)
{
	if (!moves_data(nr) || !current_traced())
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct io_call_state *l = bpf_map_lookup_elem(&libc_calls, &tid);
	if (l && l->nr == (__u32)nr)
		return 0; /* the libc probe has this call */
	call_entry(&io_calls, (__u32)nr, (long)regs->di, regs->si, regs->dx, regs->r10);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(mcp_sys_exit, struct pt_regs *regs, long ret)
{
	if (!moves_data(regs->orig_ax))
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct io_call_state c;
	if (!take_call(&io_calls, tid, &c) || c.nr != (__u32)regs->orig_ax)
		return 0;
	return finish_kept(c, ret, tid);
}

/* ---- libc capture ------------------------------------------------------ */

/* glibc's read, write, readv, writev, recv, send, recvfrom, sendto, recvmsg,
 * sendmsg, attached with the traced process's pid; the cookie is the
 * syscall each makes (recv: recvfrom, send: sendto). Probed past glibc's
 * `cmpb $0,__libc_single_threaded(%rip)` where it starts so (user space
 * reads the instructions): nothing is pushed before it, the arguments are
 * still in their registers and the return address on top of the stack. */
static __always_inline bool libc_entry(__u32 nr, long fd, __u64 ptr, __u64 a3, __u64 a4)
{
	return current_traced() && call_entry(&libc_calls, nr, fd, ptr, a3, a4);
}

static __always_inline int libc_return(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct io_call_state c;

	return take_call(&libc_calls, tid, &c) ? finish_kept(c, ret, tid) : 0;
}

extern bool bpf_session_is_return(void) __ksym __weak;

/* Session uprobes (Linux 6.13+): one link per process, and the return
 * probe runs only for a call kept at entry (a pipe or a socket of a
 * traced process): a write to a file or a tty costs one trap, not two. */
SEC("uprobe")
int BPF_KPROBE(mcp_libc_session, long fd, __u64 ptr, __u64 a3, __u64 a4)
{
	if (bpf_session_is_return())
		return libc_return(PT_REGS_RC(ctx));
	return libc_entry((__u32)bpf_get_attach_cookie(ctx), fd, ptr, a3, a4) ? 0 : 1;
}

/* Older kernels: an entry and a return program, two links per process. */
SEC("uprobe")
int BPF_KPROBE(mcp_libc_enter, long fd, __u64 ptr, __u64 a3, __u64 a4)
{
	libc_entry((__u32)bpf_get_attach_cookie(ctx), fd, ptr, a3, a4);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(mcp_libc_exit, long ret)
{
	return libc_return(ret);
}

/* ---- holding a new process until it is probed ------------------------- */

/* Set by user space in the libc and auto modes: fork only when children
 * are followed. */
const volatile bool hold_forks = false;

/* Hold records have a ring of their own, read by a thread of their own:
 * a held process waits for nothing else the tracer does. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 10);
} holds SEC(".maps");

extern int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type, __u64 value) __ksym;

#define SIGCONT 18
#define SIGSTOP 19

/* Tells user space that process `pid` waits to be probed: the stop first
 * (user space must not read the record and continue it before the stop is
 * sent: a later SIGSTOP would stay), then the record with a wakeup; when
 * the ring is full nobody will continue it, so the stop is taken back
 * (SIGCONT clears a pending stop). */
static __always_inline void hold(struct task_struct *t, __u32 pid, __u32 ppid, __u32 flags)
{
	__u32 zero = 0;
	struct mcp_io_rec *r = bpf_map_lookup_elem(&io_scratch, &zero);

	if (!r || bpf_send_signal_task(t, SIGSTOP, PIDTYPE_TGID, 0))
		return;
	r->h.type = MCP_REC_IO_HOLD;
	r->h.size = (__u16)MCP_IO_REC_SIZE(0);
	r->h.pid = pid;
	r->h.tid = ppid;
	r->h.flags = flags;
	r->h.start_ns = r->h.end_ns = bpf_ktime_get_ns();
	r->conn = r->stream = 0;
	r->total = r->offset = r->len = 0;
	if (bpf_ringbuf_output(&holds, r, MCP_IO_REC_SIZE(0), BPF_RB_FORCE_WAKEUP)) {
		stat_inc(MCP_STAT_DROPPED);
		bpf_send_signal_task(t, SIGCONT, PIDTYPE_TGID, 0);
	}
}

/* A traced process forks: the child holds the parent's probed libc, but
 * the probes are the parent's pid's; it stops before its first
 * instruction until it has its own. (A perf_event uprobe opened with
 * attr.inherit follows children into fork and exec, its count says so,
 * but the inherited event is a new trace_uprobe without the BPF program:
 * the child's calls are counted, never seen.) */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(mcp_hold_fork, struct task_struct *parent, struct task_struct *child)
{
	if (!hold_forks || !child || !current_traced())
		return 0;
	__u32 pid = (__u32)BPF_CORE_READ(child, tgid);
	if (pid != (__u32)BPF_CORE_READ(child, pid))
		return 0; /* a thread: the process's probes cover it */
	if (BPF_CORE_READ(child, mm) == BPF_CORE_READ(parent, mm))
		return 0; /* vfork, posix_spawn: it execs (held then) or exits */
	hold(child, pid, bpf_get_current_pid_tgid() >> 32, MCP_IO_HOLD_FORK);
	return 0;
}

/* A traced process execs: a new image, maybe another libc or none (a
 * static binary): it stops before its first instruction until user space
 * has probed it or attached the syscall tracepoints for it. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(mcp_hold_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!current_traced())
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	hold(t, bpf_get_current_pid_tgid() >> 32, 0, MCP_IO_HOLD_EXEC);
	return 0;
}
