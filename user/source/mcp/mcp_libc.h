/* The mcp source's libc capture: uprobes on glibc's read/write family,
 * attached per traced process (uprobe_multi links with its pid: no other
 * process on the host takes a trap), instead of the syscall tracepoints
 * that every process on the host pays for (BENCHMARKS.md, "MCP on the
 * wire"). This file finds a process's libc, where in it to probe, and
 * keeps which processes are covered and which cannot be (a static binary,
 * musl, a libc without the functions). */
#ifndef MCP_LIBC_H
#define MCP_LIBC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* --mcp-capture (cli.c parses it into these numbers) */
enum mcp_capture {
	MCP_CAPTURE_AUTO = 0, /* libc where it covers a process, syscalls while one it cannot is traced */
	MCP_CAPTURE_LIBC,     /* libc only: a process it cannot cover is not captured */
	MCP_CAPTURE_SYSCALLS, /* the syscall tracepoints for every process */
};

const char *mcp_capture_name(enum mcp_capture m);

/* The functions probed, with the syscall each makes (the cookie). */
#define MCP_LIBC_FUNCS 10

/* Where to probe one function: `off` past its entry (the first instruction
 * the kernel emulates), from its first bytes. known: a shape we know
 * (glibc's entry check, a push); otherwise 0 and the kernel single-steps
 * the first instruction (correct, ~20 us a call). */
uint64_t mcp_libc_probe_offset(const uint8_t *code, size_t n, bool *known);
/* The file offset at which to probe function `name` of the ELF at path
 * (its start + mcp_libc_probe_offset), for the sources that read their
 * markers at a libc write function (python: pwrite64, node: write); 0 when
 * it is not found (attach by name then). */
uint64_t mcp_libc_func_probe_at(const char *path, const char *name, bool *known);

struct mcp_libc;

/* prog fds of mcp_libc_enter and mcp_libc_exit, loaded for uprobe_multi;
 * or exit_fd -1 and enter_fd mcp_libc_session's, loaded for session
 * uprobes (one link per process). */
struct mcp_libc *mcp_libc_new(int enter_fd, int exit_fd, bool verbose);
void mcp_libc_free(struct mcp_libc *L);

/* Probes process `pid`'s libc for it alone: the libc it maps now, or with
 * `image` (it was stopped at exec, before its loader ran) the one its new
 * executable will load. 1: covered (already, or now); 0: it cannot be,
 * `why` says; -1: the attach failed, `why` says. A process not covered is
 * remembered as such until mcp_libc_forget. */
int mcp_libc_cover(struct mcp_libc *L, pid_t pid, bool image, char *why, size_t n);
/* Process `pid` is known and not covered (its links, if any, go). */
void mcp_libc_uncover(struct mcp_libc *L, pid_t pid);
/* The process ended: its links go. */
void mcp_libc_forget(struct mcp_libc *L, pid_t pid);
/* Processes told to mcp_libc_cover that are not covered, alive. */
size_t mcp_libc_uncovered(const struct mcp_libc *L);
/* Processes covered now. */
size_t mcp_libc_covered(const struct mcp_libc *L);

#endif
