/*
 * A uprobe reads string arguments with bpf_probe_read_user_str, which
 * cannot fault pages in: a string literal on a page the process never
 * touched would read as empty. Touching (and, where allowed, locking) the
 * executable's own mappings before any work starts rules that out.
 */
#ifndef MCP_DEMO_PREFAULT_H
#define MCP_DEMO_PREFAULT_H

/* Returns the number of pages touched, or -1 if /proc/self/maps is unreadable. */
long prefault_executable(void);

#endif
