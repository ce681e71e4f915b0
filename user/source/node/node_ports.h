/* The TCP ports a process listens on, from its own /proc files: the
 * socket inodes in /proc/PID/fd matched against the LISTEN lines of
 * /proc/PID/net/tcp and tcp6 (its network namespace's tables). Used to find
 * the port the Node.js inspector opened after SIGUSR1 (whatever
 * --inspect-port says, 0 included) and to be sure it is the target's own
 * socket, not one another process took first. */
#ifndef NODE_PORTS_H
#define NODE_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct listen_port {
	unsigned long inode;
	bool v6;
	unsigned char addr[16]; /* network order: 4 bytes for v4 */
	unsigned short port;
};

#define LISTEN_PORTS_MAX 64

/* Fills out[] (at most LISTEN_PORTS_MAX) and returns the count, or -1 when
 * /proc/PID cannot be read (gone, or no permission). */
int listen_ports(pid_t pid, struct listen_port *out);

/* Parses one line of /proc/net/tcp or tcp6 into p when it is a LISTEN
 * socket; false for headers, other states and malformed lines. */
bool listen_port_parse(const char *line, bool v6, struct listen_port *p);

#endif
