/* Sockets in another process's network namespace. A socket belongs to the
 * namespace it was created in for its whole life, whichever namespace later
 * connects or binds it; so a short-lived child joins the target's namespace,
 * creates the socket and hands it back over a socketpair (SCM_RIGHTS). The
 * tracer itself never changes namespace (a thread of a multi-threaded
 * process would otherwise have to switch and switch back). */
#ifndef NODE_NETNS_H
#define NODE_NETNS_H

#include <stddef.h>
#include <sys/types.h>

/* socket(domain, type, 0) created in pid's network namespace, close-on-exec;
 * an fd, or -1 with err set (the namespace could not be joined: no
 * CAP_SYS_ADMIN, the process is gone). */
int netns_socket(pid_t pid, int domain, int type, char *err, size_t errlen);

#endif
