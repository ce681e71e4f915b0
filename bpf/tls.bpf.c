// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The tls source: the plaintext of every SSL_write/SSL_read (and their _ex
 * forms) of the traced processes, in libssl and in executables that carry
 * OpenSSL themselves (node). Entry remembers the call's SSL * and buffer;
 * return knows how many bytes moved and copies exactly those into the ring
 * in chunks (a call larger than MCP_TLS_MAX_CHUNKS chunks is cut: user
 * space sees the gap). SSL_shutdown, SSL_free and a read of 0 bytes (the
 * peer's close_notify) end the connection. User space reassembles HTTP.
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

struct tls_call {
	__u64 ssl;
	__u64 buf;
	__u64 lenp; /* _ex: where the byte count goes */
	__u32 read;
	__u32 ex;
};

/* The call in progress on each thread, from entry to return. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct tls_call);
} tls_calls SEC(".maps");

/* Records are built here: a chunk does not fit on the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mcp_tls_rec);
} tls_scratch SEC(".maps");

static __always_inline int enter(void *ssl, void *buf, void *lenp, __u32 read, __u32 ex)
{
	if (!current_traced())
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_call c = {.ssl = (__u64)ssl, .buf = (__u64)buf, .lenp = (__u64)lenp, .read = read, .ex = ex};

	/* BPF_ANY: an entry whose return was never seen (attached mid-call)
	 * is replaced, not kept for ever */
	bpf_map_update_elem(&tls_calls, &id, &c, BPF_ANY);
	return 0;
}

static __always_inline struct mcp_tls_rec *new_rec(__u64 ssl, __u16 type, __u32 flags)
{
	__u32 zero = 0;
	struct mcp_tls_rec *r = bpf_map_lookup_elem(&tls_scratch, &zero);
	__u64 id = bpf_get_current_pid_tgid();

	if (!r)
		return NULL;
	r->h.type = type;
	r->h.pid = id >> 32;
	r->h.tid = (__u32)id;
	r->h.flags = flags;
	r->h.start_ns = r->h.end_ns = bpf_ktime_get_ns();
	r->ssl = ssl;
	r->total = r->offset = r->len = 0;
	r->parent_trace_id[0] = r->parent_trace_id[1] = r->parent_span_id = 0;
	return r;
}

static __always_inline void emit_close(__u64 ssl, __u32 flags)
{
	struct mcp_tls_rec *r = new_rec(ssl, MCP_REC_TLS_CLOSE, flags);

	if (!r)
		return;
	r->h.size = MCP_TLS_REC_SIZE(0);
	emit(r, MCP_TLS_REC_SIZE(0));
}

static __always_inline int leave(long ret, __u32 ex)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_call *p = bpf_map_lookup_elem(&tls_calls, &id);

	if (!p)
		return 0;
	struct tls_call c = *p;

	bpf_map_delete_elem(&tls_calls, &id);
	if (c.ex != ex)
		return 0;
	__u64 n = 0;

	if (ex) {
		if (ret != 1 || bpf_probe_read_user(&n, sizeof(n), (void *)c.lenp))
			return 0;
	} else {
		if (ret == 0 && c.read) {
			emit_close(c.ssl, MCP_TLS_READ | MCP_TLS_EOF);
			return 0;
		}
		if (ret <= 0)
			return 0; /* WANT_READ/WANT_WRITE, errors: nothing moved */
		n = (__u64)ret;
	}
	if (n == 0)
		return 0;
	struct mcp_tls_rec *r = new_rec(c.ssl, MCP_REC_TLS_DATA, c.read ? MCP_TLS_READ : 0);

	if (!r)
		return 0;
	struct frame *f = top_frame(get_stack(r->h.tid, false));

	if (f) { /* an LLM call inside a native span is its child */
		r->parent_trace_id[0] = f->rec.trace_id[0];
		r->parent_trace_id[1] = f->rec.trace_id[1];
		r->parent_span_id = f->rec.span_id;
	}
	r->total = n > 0xffffffffULL ? 0xffffffffU : (__u32)n;
	for (__u32 i = 0; i < MCP_TLS_MAX_CHUNKS; i++) {
		__u64 off = (__u64)i * MCP_TLS_CHUNK;

		if (off >= n)
			break;
		__u64 len = n - off;

		if (len > MCP_TLS_CHUNK)
			len = MCP_TLS_CHUNK;
		if (bpf_probe_read_user(r->data, len, (void *)(c.buf + off)))
			break; /* unreadable: user space sees the gap */
		r->offset = (__u32)off;
		r->len = (__u32)len;
		r->h.size = (__u16)MCP_TLS_REC_SIZE(len);
		emit(r, MCP_TLS_REC_SIZE(len));
	}
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_write, void *ssl, const void *buf, int num)
{
	return enter(ssl, (void *)buf, NULL, 0, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_ret, int ret)
{
	return leave(ret, 0);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read, void *ssl, void *buf, int num)
{
	return enter(ssl, buf, NULL, 1, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_ret, int ret)
{
	return leave(ret, 0);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex, void *ssl, const void *buf, unsigned long num, unsigned long *written)
{
	return enter(ssl, (void *)buf, written, 0, 1);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_ex_ret, int ret)
{
	return leave(ret, 1);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex, void *ssl, void *buf, unsigned long num, unsigned long *readbytes)
{
	return enter(ssl, buf, readbytes, 1, 1);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_ex_ret, int ret)
{
	return leave(ret, 1);
}

/* SSL_shutdown and SSL_free: the connection is over. */
SEC("uprobe")
int BPF_KPROBE(ssl_end, void *ssl)
{
	if (current_traced())
		emit_close((__u64)ssl, 0);
	return 0;
}
