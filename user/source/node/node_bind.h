/* The probe map's node: bindings in one running Node.js process: the
 * wrapper script injected through the inspector (node_inspect.h), and its
 * lease. The lease is a TCP connection from the target to a port the
 * tracer listens on at 127.0.0.1 in the target's network namespace (the
 * script sends a random token first: the port is open to any local
 * process, the token is known to the target alone); when that
 * connection ends (node_bind_detach, or the tracer's death: the kernel
 * closes its sockets) the target puts its original functions back and
 * closes its marker fd on its own event loop. So detach needs no second
 * SIGUSR1 (no second open port, no second "Debugger listening" line). */
#ifndef NODE_BIND_H
#define NODE_BIND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "probe_map.h"
#include "source/node/node_inspect.h"

struct node_bind {
	pid_t pid;
	int listen_fd; /* the lease socket, until the target's connection is accepted */
	int lease_fd;  /* the target's connection: closing it is the detach */
	int wrapped;   /* bindings wrapped */
	struct node_inject_times times;
};

/* Injects the wrappers of pm's node: bindings into pid and waits (up to
 * timeout_ms) for the target to take the lease. Each binding's status is
 * told on stderr ("not loaded", "not found" ...). 0 when at least one is
 * wrapped; -1 with err otherwise. */
int node_bind_attach(struct node_bind *nb, pid_t pid, const struct probe_map *pm, int timeout_ms,
		     bool verbose, char *err, size_t errlen);

/* Ends the lease: the target restores its functions at its next event-loop
 * turn. Safe to call twice. */
void node_bind_detach(struct node_bind *nb);

#endif
