/* node_bind_attach/detach: lease socket, script, statuses. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include "source/node/node_bind.h"
#include "source/node/node_http.h"
#include "source/node/node_netns.h"
#include "source/node/node_script.h"

#define LEASE_TOKEN_LEN 32 /* hex digits */

/* A TCP socket listening on 127.0.0.1 in pid's network namespace (where
 * the inspector listens too, so loopback is up); its port into *port.
 * TCP, not an abstract unix socket: node 20's net.connect truncates a
 * path at its leading NUL (ECONNREFUSED), measured. */
static int lease_listen(pid_t pid, unsigned short *port, char *err, size_t errlen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int fd = netns_socket(pid, AF_INET, SOCK_STREAM, err, errlen);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl)) {
		snprintf(err, errlen, "lease socket on 127.0.0.1 in process %d's network namespace: %s",
			 (int)pid, strerror(errno));
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Reads exactly the token from c before the deadline. */
static bool token_matches(int c, const char *token, long long deadline)
{
	char buf[LEASE_TOKEN_LEN + 1];
	size_t got = 0, want = strlen(token);

	while (got < want && ms_left(deadline) > 0) {
		struct pollfd p = {.fd = c, .events = POLLIN};

		if (poll(&p, 1, ms_left(deadline)) <= 0)
			continue;
		ssize_t n = recv(c, buf + got, want - got, MSG_DONTWAIT);

		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return got == want && !memcmp(buf, token, want);
}

/* The target's connection to the lease: the one that sends the token the
 * script carries (anyone on the host may connect to a loopback port). */
static int lease_accept(int lfd, const char *token, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	while (ms_left(deadline) > 0) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};

		if (poll(&p, 1, ms_left(deadline)) <= 0)
			continue;
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0)
			continue;
		if (token_matches(c, token, deadline))
			return c;
		close(c); /* not the target's */
	}
	return -1;
}

/* Tells each binding's status from the script's answer; the count wrapped. */
static int report(const struct probe_map *pm, const char *value, bool verbose)
{
	cJSON *arr = cJSON_Parse(value), *it;
	int wrapped = 0;

	cJSON_ArrayForEach(it, arr) {
		cJSON *id = cJSON_GetObjectItem(it, "id"), *st = cJSON_GetObjectItem(it, "status");
		cJSON *file = cJSON_GetObjectItem(it, "file");

		if (!cJSON_IsNumber(id) || id->valueint < 0 || (size_t)id->valueint >= pm->n ||
		    !cJSON_IsString(st))
			continue;
		const struct pm_binding *b = &pm->bindings[id->valueint];
		bool ok = !strcmp(st->valuestring, "wrapped");

		wrapped += ok;
		if (!ok || verbose)
			fprintf(stderr, "node: %s node:%s: %s%s%s\n", ok ? "bound" : "not bound", b->symbol,
				st->valuestring, cJSON_IsString(file) ? " in " : "",
				cJSON_IsString(file) ? file->valuestring : "");
	}
	cJSON_Delete(arr);
	return wrapped;
}

int node_bind_attach(struct node_bind *nb, pid_t pid, const struct probe_map *pm, int timeout_ms,
		     bool verbose, char *err, size_t errlen)
{
	char token[LEASE_TOKEN_LEN + 1], *value = NULL;
	unsigned char r[LEASE_TOKEN_LEN / 2];
	unsigned short port = 0;

	memset(nb, 0, sizeof(*nb));
	nb->pid = pid;
	nb->lease_fd = -1;
	if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(r); i++)
		sprintf(token + 2 * i, "%02x", r[i]);
	nb->listen_fd = lease_listen(pid, &port, err, errlen);
	if (nb->listen_fd < 0)
		return -1;
	char *script = node_script_build(pm, port, token);
	int rc = script ? node_inject_run(pid, script, timeout_ms, &value, &nb->times, err, errlen) : -1;

	free(script);
	if (!rc) {
		nb->wrapped = report(pm, value, verbose);
		if (!nb->wrapped) {
			snprintf(err, errlen, "no node: binding could be wrapped in process %d", (int)pid);
			rc = -1;
		}
	}
	free(value);
	if (!rc) {
		nb->lease_fd = lease_accept(nb->listen_fd, token, timeout_ms);
		if (nb->lease_fd < 0) {
			snprintf(err, errlen,
				 "process %d did not take the wrappers' lease in %d ms (its event loop "
				 "is busy?): without it they could outlive the tracer; undone",
				 (int)pid, timeout_ms);
			rc = -1;
		}
	}
	/* No one else may connect from now on; a connection still queued when
	 * the listener closes is reset, which the wrappers take as the end. */
	close(nb->listen_fd);
	nb->listen_fd = -1;
	if (rc)
		node_bind_detach(nb);
	return rc;
}

void node_bind_detach(struct node_bind *nb)
{
	if (nb->listen_fd >= 0)
		close(nb->listen_fd);
	if (nb->lease_fd >= 0)
		close(nb->lease_fd);
	nb->listen_fd = nb->lease_fd = -1;
}
