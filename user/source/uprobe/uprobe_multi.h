/* uprobe_multi BPF links (Linux 6.6+): many uprobes of one file in one
 * link, attached and detached in one system call. libbpf 1.1 predates
 * them, so they are made here with the raw bpf() call. */
#ifndef UPROBE_MULTI_H
#define UPROBE_MULTI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The attach type a program must be loaded with to be used here. */
#define UMULTI_ATTACH_TYPE 48 /* BPF_TRACE_UPROBE_MULTI */
/* Session uprobes (Linux 6.13+): one program at entry and return, the
 * return run only when the entry returned 0 (bpf_session_is_return()). */
#define UMULTI_SESSION_ATTACH_TYPE 57 /* BPF_TRACE_UPROBE_SESSION */

/* Whether this kernel has uprobe_multi links (asked once, then cached). */
bool umulti_supported(void);
/* Whether it has session uprobes (asked once, then cached). */
bool umulti_session_supported(void);

/* Attaches prog_fd at `cnt` file offsets of `path` (entry probes, or return
 * probes when `ret`), for process `pid` only (or every process when
 * pid <= 0); bpf_get_attach_cookie() returns cookies[i] at offsets[i].
 * Returns the link's fd (closing it detaches every probe of it), or
 * -errno; then no probe of the set is attached. */
int umulti_attach(int prog_fd, const char *path, pid_t pid, bool ret, const uint64_t *offsets,
		  const uint64_t *cookies, uint32_t cnt);
/* The same with the link's attach type (UMULTI_SESSION_ATTACH_TYPE). */
int umulti_attach_as(int prog_fd, uint32_t attach_type, const char *path, pid_t pid, bool ret,
		     const uint64_t *offsets, const uint64_t *cookies, uint32_t cnt);

#endif
