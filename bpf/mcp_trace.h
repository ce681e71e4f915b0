/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The one contract between the BPF programs and user space: what a binding
 * asks the kernel side to capture, and the record the kernel side emits.
 * Both sides include this file; keep it free of anything but plain C types.
 */
#ifndef MCP_TRACE_H
#define MCP_TRACE_H

#define MCP_MAX_BINDINGS 256 /* bindings per tracer run (cookie = index) */
#define MCP_MAX_CAPS 12      /* captures per binding (numbers and strings) */
#define MCP_MAX_STRS 6       /* of which strings */
#define MCP_STR_LEN 64       /* bytes per captured string, NUL included */
#define MCP_MAX_DEPTH 16     /* nested open spans per thread */
#define MCP_NARGS 8          /* saved argument registers (6 used, 8 for masking) */

/*
 * Record types on the ring buffers, one range per source so that a record
 * names its source: uprobe/USDT calls 1-15, TLS plaintext 16-31, MCP wire
 * capture 32-47, processes 48-63.
 */
enum mcp_rec_type {
	MCP_REC_SPAN_END = 1,   /* a complete call: entry + return */
	MCP_REC_SPAN_START = 2, /* entry of a call whose operation keeps an "active" count */
	MCP_REC_POINT = 3,      /* a point event (no duration) */
	MCP_REC_TLS_DATA = 16,  /* plaintext of one SSL_read/SSL_write, or a chunk of it */
	MCP_REC_TLS_CLOSE = 17, /* a TLS connection ended (SSL_shutdown, SSL_free, read EOF) */
	MCP_REC_IO_DATA = 32,   /* bytes one read/write-family syscall moved on a pipe or socket */
	MCP_REC_IO_CLOSE = 33,  /* a read on a pipe or socket returned 0 (the other end closed) */
	MCP_REC_IO_HOLD = 34,   /* a traced process stopped at fork/exec until its libc is probed */
	MCP_REC_PROC_FORK = 48, /* a traced process forked a new process */
	MCP_REC_PROC_EXEC = 49, /* a traced process exec'd */
	MCP_REC_PROC_EXIT = 50, /* a traced process ended (its last thread) */
	MCP_REC_PY_INFO = 64,   /* python source: a wrapper script's HELLO or STATUS marker
				 * (struct mcp_call_rec, h.flags = marker kind, ret = aux);
				 * its calls are MCP_REC_SPAN_END/START/POINT records */
};

/*
 * Every record starts with this header: a consumer can skip or check a
 * record of any source by its type and size alone.
 */
struct mcp_rec_hdr {
	unsigned short type; /* enum mcp_rec_type */
	unsigned short size; /* bytes, this header included */
	unsigned int pid;    /* tgid */
	unsigned int tid;
	unsigned int flags;  /* per record type */
	unsigned long long start_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	unsigned long long end_ns;   /* == start_ns for points and starts */
};
_Static_assert(sizeof(struct mcp_rec_hdr) == 32, "record header layout");

/* Where a capture reads from. */
enum mcp_cap_src {
	MCP_SRC_ARG = 1,     /* argument register N */
	MCP_SRC_RET = 2,     /* return value register */
	MCP_SRC_ARG_MEM = 3, /* memory at (argument N + off) */
	MCP_SRC_RET_MEM = 4, /* memory at (return value + off) */
};

/* How the bytes are read. */
enum mcp_cap_read {
	MCP_READ_NUM = 1,    /* `size` bytes (register: the whole register) */
	MCP_READ_STR = 2,    /* NUL-terminated string at the address */
	MCP_READ_STRPTR = 3, /* a char * stored at the address, then its string */
};

enum mcp_cap_when {
	MCP_AT_ENTRY = 0,
	MCP_AT_RETURN = 1,
};

struct mcp_cap_spec {
	unsigned char src;  /* enum mcp_cap_src */
	unsigned char arg;  /* argument index 0..5 */
	unsigned char when; /* enum mcp_cap_when */
	unsigned char read; /* enum mcp_cap_read */
	unsigned char size; /* bytes for MCP_READ_NUM from memory: 1, 2, 4, 8 */
	unsigned char slot; /* vals[] index for numbers, strs[] index for strings */
	unsigned short pad;
	int off;            /* byte offset for the _MEM sources */
};

/* Binding flags. */
#define MCP_BIND_POINT 0x1      /* entry only, emits MCP_REC_POINT */
#define MCP_BIND_EMIT_START 0x2 /* also emit MCP_REC_SPAN_START at entry */

struct mcp_binding_spec {
	unsigned char flags;
	unsigned char ncaps;
	unsigned char nstrs; /* strs[] slots in use: only those are copied out */
	unsigned char pad;
	unsigned short op; /* catalog operation id, echoed for sanity only */
	struct mcp_cap_spec caps[MCP_MAX_CAPS];
};

/*
 * A uprobe/USDT call record. Its length is what the binding needs: the
 * fixed part, then spec.nstrs string slots (MCP_CALL_REC_SIZE(nstrs)); the
 * 552 bytes of six slots only for bindings that capture six strings.
 */
struct mcp_call_rec {
	struct mcp_rec_hdr h;
	unsigned short binding; /* index into the binding table */
	unsigned char depth;    /* nesting depth on its thread, 0 = root */
	unsigned char nstrs;    /* strs[] slots present */
	unsigned int cap_failed; /* bit i: capture i of the binding's spec could not
				  * be read (bad address): its value is not one */
	unsigned long long trace_id[2];
	unsigned long long span_id;
	unsigned long long parent_id; /* 0 = root span / point outside any span */
	long long ret;
	unsigned long long vals[MCP_MAX_CAPS];
	char strs[MCP_MAX_STRS][MCP_STR_LEN];
};
#define MCP_CALL_REC_SIZE(nstrs) \
	(__builtin_offsetof(struct mcp_call_rec, strs) + (nstrs) * MCP_STR_LEN)
_Static_assert(__builtin_offsetof(struct mcp_call_rec, trace_id) == 40, "call record layout");
_Static_assert(__builtin_offsetof(struct mcp_call_rec, strs) == 176, "call record layout");
_Static_assert(sizeof(struct mcp_call_rec) == 176 + MCP_MAX_STRS * MCP_STR_LEN, "call record layout");

/*
 * Python markers (python source, bpf/pymark.bpf.c; README, "Python
 * functions"). The wrapper script injected into a CPython process writes
 * one with os.pwrite() to a /dev/null descriptor of its own at each bound
 * call's entry and return/raise; a uprobe on libc pwrite64, attached to
 * that pid alone, copies it into the span stack. Little-endian, packed as below:
 * a header, the 12 number slots, then `nstrs` string slots of 64 bytes (NUL
 * padded), so that a marker is 128 + 64 * nstrs bytes. A slot is copied only
 * when its `present` bit is set (a return marker carries the return-time
 * values, the entry's stay). Slots and `failed` bits are the binding's, as
 * a native binding's spec numbers them (probe_map_to_spec).
 */
#define MCP_PY_MAGIC 0x5950636dU /* "mcPY" */
#define MCP_PY_VERSION 1
#define MCP_PY_STR_PRESENT(i) (1u << (16 + (i))) /* `present` bit of strs[i]; vals[i]: bit i */

enum mcp_py_kind {
	MCP_PY_ENTRY = 1,  /* a span's call began: push a frame; aux = the caller's
			    * async call token (0: none), for its parent */
	MCP_PY_RETURN = 2, /* it returned: pop, emit MCP_REC_SPAN_END */
	MCP_PY_RAISE = 3,  /* it raised: the same, ret = 1 */
	MCP_PY_POINT = 4,  /* a point binding's call: MCP_REC_POINT; aux as ENTRY */
	MCP_PY_HELLO = 5,  /* the script is in: aux = the lease's address (int64 deadline,
			    * CLOCK_MONOTONIC ns, that the tracer renews), binding = 0 */
	MCP_PY_STATUS = 6, /* binding `binding`: aux = enum mcp_py_status */
	MCP_PY_ASYNC_END = 7,   /* an async def call ended: aux = its token | raised << 32 */
	MCP_PY_ASYNC_ENTRY = 8, /* an async def call began: aux = its token << 32 | the
				 * caller's token. Tasks interleave on one thread: an async
				 * call has no frame of its own from entry to end; its parent
				 * comes by token (a contextvar in the wrapper) or from the
				 * thread's frames */
	MCP_PY_ASYNC_RESUME = 9,  /* its coroutine runs a step (aux = token): a frame of
				   * it goes on the thread's stack, so that what the step
				   * does (an LLM call over TLS) hangs under it */
	MCP_PY_ASYNC_SUSPEND = 10, /* the step ended (await, return, raise): popped */
};

enum mcp_py_status {
	MCP_PY_WRAPPED = 1,     /* the function is wrapped */
	MCP_PY_NOT_LOADED = 2,  /* its module is not imported yet: wrapped when it is */
	MCP_PY_NOT_FOUND = 3,   /* the module has no such function (or not callable) */
	MCP_PY_UNWRAPPABLE = 4, /* found, but setting the wrapper failed */
};

struct mcp_py_marker {
	unsigned int magic;     /* MCP_PY_MAGIC */
	unsigned char version;  /* MCP_PY_VERSION */
	unsigned char kind;     /* enum mcp_py_kind */
	unsigned short binding; /* index into the binding table */
	unsigned short size;    /* bytes written: MCP_PY_MARKER_SIZE(nstrs) */
	unsigned char nstrs;    /* strs[] slots present */
	unsigned char pad;
	unsigned int failed;    /* cap_failed bits: values the wrapper could not read */
	unsigned int present;   /* vals[i] set: bit i; strs[i]: MCP_PY_STR_PRESENT(i) */
	unsigned int pad2;
	unsigned long long aux;
	unsigned long long vals[MCP_MAX_CAPS]; /* int64, double bits, bool 0/1 */
	char strs[MCP_MAX_STRS][MCP_STR_LEN];
};
#define MCP_PY_MARKER_SIZE(nstrs) (__builtin_offsetof(struct mcp_py_marker, strs) + (nstrs) * MCP_STR_LEN)
_Static_assert(__builtin_offsetof(struct mcp_py_marker, aux) == 24, "python marker layout");
_Static_assert(__builtin_offsetof(struct mcp_py_marker, strs) == 128, "python marker layout");

/*
 * A process event (proc.bpf.c). h.pid is the process, h.tid the thread that
 * caused it, h.start_ns the time. Fork and exit records end at `path`; an
 * exec record carries the executed file and its argv (NUL-separated, as
 * the kernel holds it), cut to MCP_PROC_ARGS_LEN with MCP_PROC_ARGS_CUT set.
 */
#define MCP_PROC_PATH_LEN 256
#define MCP_PROC_ARGS_LEN 1024
#define MCP_PROC_ARGS_CUT 0x1 /* h.flags: argv was longer than args[] */

struct mcp_proc_rec {
	struct mcp_rec_hdr h;
	unsigned int ppid;      /* fork: the parent process */
	int exit_code;          /* exit: wait status (code << 8 | signal) */
	unsigned long long parent_trace_id[2]; /* fork: the span open on the forking */
	unsigned long long parent_span_id;     /* thread (uprobe source), 0: none */
	unsigned int args_len;  /* exec: bytes of args[] present */
	unsigned int pad;
	char path[MCP_PROC_PATH_LEN];
	char args[MCP_PROC_ARGS_LEN];
};
#define MCP_PROC_REC_SIZE(args_len) (__builtin_offsetof(struct mcp_proc_rec, args) + (args_len))
_Static_assert(__builtin_offsetof(struct mcp_proc_rec, path) == 72, "proc record layout");
_Static_assert(sizeof(struct mcp_proc_rec) == 72 + MCP_PROC_PATH_LEN + MCP_PROC_ARGS_LEN, "proc record layout");

/*
 * TLS plaintext (tls.bpf.c), per connection (h.pid, ssl). The bytes one
 * SSL_read/SSL_write call moved (`total`, known at return) go out in
 * chunks of up to MCP_TLS_CHUNK bytes at `offset`; a call longer than
 * MCP_TLS_MAX_CHUNKS chunks is cut, and user space sees the gap from
 * offset and total. h.flags: MCP_TLS_READ for bytes read. A close record
 * ends at `data` with len 0.
 */
#define MCP_TLS_CHUNK 16384
#define MCP_TLS_MAX_CHUNKS 16
#define MCP_TLS_READ 0x1
#define MCP_TLS_EOF 0x2 /* close record: SSL_read returned 0 (peer's close_notify) */

struct mcp_tls_rec {
	struct mcp_rec_hdr h;
	unsigned long long ssl;
	unsigned long long parent_trace_id[2]; /* the native span open on the thread, */
	unsigned long long parent_span_id;     /* 0: none (uprobe source's stack) */
	unsigned int total;  /* bytes the call moved */
	unsigned int offset; /* of this chunk, within them */
	unsigned int len;    /* bytes in data[] */
	unsigned int pad;
	char data[MCP_TLS_CHUNK];
};
#define MCP_TLS_REC_SIZE(len) (__builtin_offsetof(struct mcp_tls_rec, data) + (len))
_Static_assert(__builtin_offsetof(struct mcp_tls_rec, data) == 80, "tls record layout");

/*
 * MCP on the wire (mcp_io.bpf.c): what a traced process read from or wrote
 * to a pipe, a Unix socket or a TCP socket, per syscall (read, write,
 * readv, writev, recvfrom, sendto, recvmsg, sendmsg). The bytes (`total`)
 * go out in chunks of up to MCP_IO_CHUNK at `offset`; a call longer than
 * MCP_IO_MAX_CHUNKS chunks sends its first ones and its last chunk (where
 * a message's newline is), and user space sees the gap in between. `conn`
 * is the same on both ends: the pipe's inode, a Unix socket pair's and a
 * TCP connection's id; `stream` is this end (the file's inode). h.flags:
 * MCP_IO_READ for bytes read. A close record ends at `data` with len 0.
 */
#define MCP_IO_CHUNK 16384
#define MCP_IO_MAX_CHUNKS 16
#define MCP_IO_READ 0x1
#define MCP_IO_HOLD_FORK 0x2 /* MCP_REC_IO_HOLD: h.pid forked from h.tid (its parent) */
#define MCP_IO_HOLD_EXEC 0x4 /* MCP_REC_IO_HOLD: h.pid exec'd */
enum mcp_io_kind { MCP_IO_PIPE = 1, MCP_IO_UNIX = 2, MCP_IO_TCP = 3 };

struct mcp_io_rec {
	struct mcp_rec_hdr h;
	unsigned long long conn;
	unsigned long long stream;
	unsigned long long parent_trace_id[2]; /* the native span open on the writing */
	unsigned long long parent_span_id;     /* thread (uprobe source), 0: none */
	unsigned int fd;
	unsigned int total;  /* bytes the call moved */
	unsigned int offset; /* of this chunk, within them */
	unsigned int len;    /* bytes in data[] */
	unsigned char kind;  /* enum mcp_io_kind */
	unsigned char pad[3];
	unsigned short lport, rport; /* TCP: this end's port, the peer's */
	char data[MCP_IO_CHUNK];
};
#define MCP_IO_REC_SIZE(len) (__builtin_offsetof(struct mcp_io_rec, data) + (len))
_Static_assert(__builtin_offsetof(struct mcp_io_rec, data) == 96, "io record layout");

/* What user space keeps per traced process in the shared `traced_pids`
 * map (lib/traced.bpf.h); the key is the tgid. */
struct mcp_traced {
	unsigned int ppid;
	unsigned int flags; /* MCP_TRACED_* */
};
#define MCP_TRACED_TARGET 0x1 /* named by the user (--pid, -- CMD) */
#define MCP_TRACED_CHILD 0x2  /* a descendant, followed */
#define MCP_MAX_TRACED 65536

/* How a source's programs tell a traced task (traced_mode in traced.bpf.h). */
enum mcp_traced_mode {
	MCP_TRACED_BY_ATTACH = 0, /* its probes are attached to the traced pids only */
	MCP_TRACED_BY_SET = 1,    /* its process is in traced_pids (targets and children) */
	MCP_TRACED_BY_TASK = 2,   /* the task filter accepts it (a container) */
};

/* Per-CPU health counters (array map `stats`). */
enum mcp_stat {
	MCP_STAT_DROPPED = 0,     /* ring buffer full: record lost */
	MCP_STAT_DEPTH_OVERFLOW,  /* nesting deeper than MCP_MAX_DEPTH: call not traced */
	MCP_STAT_UNMATCHED_RET,   /* a return without its entry (attached mid-call) */
	MCP_STAT_ABANDONED,       /* frames discarded: longjmp, thread exit mid-call */
	MCP_STAT_STACK_ALLOC,     /* no room for a new thread's span stack */
	MCP_STAT_PROC_TABLE_FULL, /* a child not followed: traced_pids map full */
	MCP_STAT_ARGS_CUT,        /* exec argv longer than a record holds */
	MCP_STAT_MAX,
};

#endif /* MCP_TRACE_H */
