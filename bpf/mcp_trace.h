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

/* Record types on the ring buffer. */
enum mcp_rec_type {
	MCP_REC_SPAN_END = 1,   /* a complete call: entry + return */
	MCP_REC_SPAN_START = 2, /* entry of a call whose operation keeps an "active" count */
	MCP_REC_POINT = 3,      /* a point event (no duration) */
};

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
 * One record. Fixed size so that the BPF side can reserve it with a constant
 * and user space can read it without parsing; 552 bytes. Only the strs[]
 * slots a binding uses (spec.nstrs) hold data: user space must not read
 * the others.
 */
struct mcp_record {
	unsigned char type;     /* enum mcp_rec_type */
	unsigned char depth;    /* nesting depth on its thread, 0 = root */
	unsigned short binding; /* index into the binding table */
	unsigned int pid;       /* tgid */
	unsigned int tid;
	unsigned int pad;
	unsigned long long start_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	unsigned long long end_ns;   /* == start_ns for points and starts */
	unsigned long long trace_id[2];
	unsigned long long span_id;
	unsigned long long parent_id; /* 0 = root span / point outside any span */
	long long ret;
	unsigned long long vals[MCP_MAX_CAPS];
	char strs[MCP_MAX_STRS][MCP_STR_LEN];
};

/* Per-CPU health counters (array map `stats`). */
enum mcp_stat {
	MCP_STAT_DROPPED = 0,     /* ring buffer full: record lost */
	MCP_STAT_DEPTH_OVERFLOW,  /* nesting deeper than MCP_MAX_DEPTH: call not traced */
	MCP_STAT_UNMATCHED_RET,   /* a return without its entry (attached mid-call) */
	MCP_STAT_ABANDONED,       /* frames discarded: longjmp, thread exit mid-call */
	MCP_STAT_STACK_ALLOC,     /* no room for a new thread's span stack */
	MCP_STAT_MAX,
};

#endif /* MCP_TRACE_H */
