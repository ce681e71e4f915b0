/* What the libc capture leaves if the tracer is killed (SIGKILL: no
 * cleanup of its own): a process the kernel stopped at fork or exec for it
 * (bpf/mcp_io.bpf.c: hold) and that it had not continued yet would stay
 * stopped. A small process of its own waits for the tracer's end and then
 * continues every stopped process of the traced set; a tracer that ends
 * normally has continued them itself and tells it so. */
#ifndef MCP_WATCHDOG_H
#define MCP_WATCHDOG_H

#include <sys/types.h>

/* Forks the watchdog, which keeps `traced_map_fd` (the traced_pids map)
 * and nothing else of the tracer's. Returns the fd to hand to
 * mcp_watchdog_stop, or -1 (no watchdog: said on stderr). */
int mcp_watchdog_start(int traced_map_fd);
/* The tracer ends normally: the watchdog leaves without doing anything. */
void mcp_watchdog_stop(int fd);

/* The watchdog runs as the tracer's own executable, exec'd with this one
 * argument and its pipe and map on fds 3 and 4. */
#define MCP_WATCHDOG_ARG "--mcp-watchdog"
/* From main(): 0 once the watchdog is done when argv is the watchdog's;
 * -1 otherwise (the tracer goes on). */
int mcp_watchdog_main(int argc, char **argv);

#endif
