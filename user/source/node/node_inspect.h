/* Running a script inside a running, unmodified Node.js process through
 * the inspector that SIGUSR1 opens (issue 19, item 4):
 *
 *   refuse unless SIGUSR1 is node's inspector wake-up (node_signal.h) and
 *   no --inspect of the user's own -> SIGUSR1 -> the new LISTEN socket of
 *   that pid (/proc/PID/net/tcp{,6} x its fds: the port, whatever
 *   --inspect-port says) -> sockets made in its network namespace
 *   (node_netns.h) -> GET /json/list -> websocket -> Runtime.evaluate ->
 *   the inspector closed again (inspector.close() queued by the script
 *   with setImmediate), and the port checked gone.
 *
 * While the port is open any local user may connect to it and run code as
 * the target's user; node_inject_run measures that window. */
#ifndef NODE_INSPECT_H
#define NODE_INSPECT_H

#include <stddef.h>
#include <sys/types.h>

struct node_inject_times {
	double listen_ms; /* SIGUSR1 -> port listening */
	double eval_ms;   /* port listening -> evaluate answered */
	double window_ms; /* SIGUSR1 -> port gone: how long it was open, at most */
	unsigned short port;
};

/* Evaluates script (a JavaScript expression; its value comes back as a
 * string in *value, malloc'd) in process pid's main context; the inspector
 * is closed after it, whether it returned or threw. 0, or -1 with err set: SIGUSR1 refused (node_usr1_check), inspector of
 * the user's (--inspect), no port within timeout_ms (node printed why on
 * its stderr: port in use), HTTP/websocket failure, the script threw, or
 * the port still open timeout_ms after the answer. t may be NULL.
 * The checks run here; the rest in a child process that blocks every
 * signal but SIGKILL, so that the tracer killed inside the window does
 * not leave the inspector open: the child closes it (it ends within
 * 3 x timeout_ms, and is never killed by the tracer). */
int node_inject_run(pid_t pid, const char *script, int timeout_ms, char **value,
		    struct node_inject_times *t, char *err, size_t errlen);

/* The checks alone, touching nothing: 0 or -1 with err (for --list). */
int node_inject_check(pid_t pid, char *err, size_t errlen);

#endif
