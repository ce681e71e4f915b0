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
 * and the buffer; exit copies exactly the bytes the call moved (a write
 * can be partial or fail, EAGAIN on a non-blocking pipe: bytes taken at
 * entry would be counted twice), in chunks. A stream user space found not
 * to carry MCP (TLS, HTTP/2, a binary pipe) is muted and costs a lookup.
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
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct io_call_state);
} io_calls SEC(".maps");

struct mute_key {
	__u32 pid;
	__u32 pad;
	__u64 stream;
};

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

SEC("tp_btf/sys_enter")
int BPF_PROG(mcp_sys_enter, struct pt_regs *regs, long nr)
{
	if (!moves_data(nr) || !current_traced())
		return 0;
	struct io_call_state c = {.fd = (__u32)regs->di, .nr = (__u32)nr, .ptr = regs->si,
				  .iovcnt = (__u32)regs->dx, .start_ns = bpf_ktime_get_ns()};

	if ((nr == C_RECVFROM || nr == C_SENDTO) && (regs->r10 & MSG_PEEK))
		return 0; /* a peek reads the same bytes again later */
	if ((nr == C_RECVMSG || nr == C_SENDMSG) && (regs->dx & MSG_PEEK))
		return 0;
	if (!endpoint_of((int)regs->di, &c.ep))
		return 0;
	struct mute_key mk = {.pid = bpf_get_current_pid_tgid() >> 32, .stream = c.ep.stream};
	if (bpf_map_lookup_elem(&muted, &mk))
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&io_calls, &tid, &c, BPF_ANY);
	return 0;
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

SEC("tp_btf/sys_exit")
int BPF_PROG(mcp_sys_exit, struct pt_regs *regs, long ret)
{
	if (!moves_data(regs->orig_ax))
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct io_call_state *p = bpf_map_lookup_elem(&io_calls, &tid);
	if (!p)
		return 0;
	struct io_call_state c = *p;
	bpf_map_delete_elem(&io_calls, &tid);
	if (c.nr != (__u32)regs->orig_ax)
		return 0;
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
	struct mcp_io_rec *r = new_rec(&c, MCP_REC_IO_DATA);
	if (!r)
		return 0;
	__u64 n = (__u64)ret;
	r->total = n > 0xffffffffULL ? 0xffffffffU : (__u32)n;
	if (!is_read(c.nr)) { /* a request sent inside a native span is its child */
		struct frame *f = top_frame(bpf_map_lookup_elem(&stacks, &tid));
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
	*ch = (struct chunks){.base = c.ptr, .n = n, .iovcnt = c.iovcnt};
	if (c.nr == C_RECVMSG || c.nr == C_SENDMSG) {
		struct user_msghdr m = {};
		if (bpf_probe_read_user(&m, sizeof(m), (void *)c.ptr))
			return 0;
		ch->base = (__u64)m.msg_iov;
		ch->iovcnt = (__u32)m.msg_iovlen;
	}
	if (c.nr == C_RECVMSG || c.nr == C_SENDMSG || c.nr == C_READV || c.nr == C_WRITEV)
		bpf_loop(MCP_IO_MAX_CHUNKS + MAX_IOV, iovec_step, NULL, 0);
	else
		bpf_loop(MCP_IO_MAX_CHUNKS, buffer_step, NULL, 0);
	return 0;
}
