/* node_inject_run: signal, find the port, evaluate, see the port closed. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "source/node/node_cdp.h"
#include "source/node/node_http.h"
#include "source/node/node_inspect.h"
#include "source/node/node_netns.h"
#include "source/node/node_ports.h"
#include "source/node/node_signal.h"

#define PORT_POLL_US 1000 /* /proc/PID/net/tcp re-read this often while waiting */

/* The script, run so that the inspector closes whatever it does: the
 * close is queued with setImmediate in a finally (inspector.close() waits
 * for the sessions to end, ours included, so it cannot run inside the
 * evaluate). The inspector module is reached without require in Node >= 20.16
 * (process.getBuiltinModule), else through the main module's require, else
 * the console's (includeCommandLineAPI). */
static char *wrap_script(const char *script)
{
	static const char fmt[] =
		"(() => { try { return (%s\n); } finally { try {"
		" const i = process.getBuiltinModule ? process.getBuiltinModule('inspector')"
		" : (process.mainModule ? process.mainModule.require('inspector') : require('inspector'));"
		" setImmediate(() => { try { i.close(); } catch (e) {} });"
		" } catch (e) {} } })()";
	char *s = NULL;

	return asprintf(&s, fmt, script) < 0 ? NULL : s;
}

int node_inject_check(pid_t pid, char *err, size_t errlen)
{
	if (node_inspect_flag_check(pid, err, errlen) || node_usr1_check(pid, err, errlen))
		return -1;
	return 0;
}

static bool port_in(const struct listen_port *v, int n, const struct listen_port *p)
{
	for (int i = 0; i < n; i++)
		if (v[i].inode == p->inode)
			return true;
	return false;
}

/* Waits for a LISTEN socket of pid that is not among before[]; 0 and *p. */
static int wait_new_port(pid_t pid, const struct listen_port *before, int nbefore,
			 long long deadline, struct listen_port *p)
{
	struct listen_port now[LISTEN_PORTS_MAX];

	do {
		int n = listen_ports(pid, now);

		if (n < 0)
			return -1;
		for (int i = 0; i < n; i++)
			if (!port_in(before, nbefore, &now[i])) {
				*p = now[i];
				return 0;
			}
		usleep(PORT_POLL_US);
	} while (ms_left(deadline) > 0);
	return -1;
}

static bool port_open(pid_t pid, const struct listen_port *p)
{
	struct listen_port now[LISTEN_PORTS_MAX];
	int n = listen_ports(pid, now);

	return n > 0 && port_in(now, n, p);
}

/* A TCP connection to p made in pid's network namespace; host gets
 * "ADDR:PORT" for the Host header. */
static int connect_port(pid_t pid, const struct listen_port *p, long long deadline, char *host,
			size_t hostlen, char *err, size_t errlen)
{
	char a[INET6_ADDRSTRLEN];
	struct sockaddr_storage ss = {0};
	socklen_t sl;

	if (p->v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p->port);
		memcpy(&s6->sin6_addr, p->addr, 16);
		/* Listening on :: answers on ::1. */
		if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
			s6->sin6_addr = in6addr_loopback;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(host, hostlen, "[%s]:%u", a, p->port);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(p->port);
		memcpy(&s4->sin_addr, p->addr, 4);
		if (s4->sin_addr.s_addr == htonl(INADDR_ANY))
			s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(host, hostlen, "%s:%u", a, p->port);
		sl = sizeof(*s4);
	}
	int fd = netns_socket(pid, p->v6 ? AF_INET6 : AF_INET, SOCK_STREAM, err, errlen);

	if (fd < 0)
		return -1;
	/* Non-blocking, with a deadline: a backlog someone filled would hold a
	 * blocking connect for minutes (SYN retries). */
	int fl = fcntl(fd, F_GETFL), e = 0;
	socklen_t el = sizeof(e);
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		if (errno != EINPROGRESS)
			e = errno;
		else if (poll(&pfd, 1, ms_left(deadline)) != 1)
			e = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el))
			e = errno;
	}
	if (e) {
		snprintf(err, errlen, "connecting to the inspector at %s: %s", host, strerror(e));
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fl);
	return fd;
}

/* The path of the first target's webSocketDebuggerUrl in a /json/list body. */
static int ws_path_of(const char *body, char *path, size_t pathlen, char *err, size_t errlen)
{
	cJSON *j = cJSON_Parse(body), *t = cJSON_IsArray(j) ? cJSON_GetArrayItem(j, 0) : NULL;
	cJSON *u = t ? cJSON_GetObjectItem(t, "webSocketDebuggerUrl") : NULL;
	const char *s = cJSON_IsString(u) ? u->valuestring : NULL;
	const char *slash = s && !strncmp(s, "ws://", 5) ? strchr(s + 5, '/') : NULL;
	int rc = -1;

	if (slash && strlen(slash) < pathlen) {
		snprintf(path, pathlen, "%s", slash);
		rc = 0;
	} else {
		snprintf(err, errlen, "the inspector's /json/list names no websocket");
	}
	cJSON_Delete(j);
	return rc;
}

/* GET /json/list, then the websocket and the evaluate, on two connections. */
static int evaluate(pid_t pid, const struct listen_port *p, const char *script, long long deadline,
		    char **value, char *err, size_t errlen)
{
	char host[80], path[256];
	char *body = NULL;
	int fd = connect_port(pid, p, deadline, host, sizeof(host), err, errlen);

	if (fd < 0)
		return -1;
	int rc = http_get_body(fd, host, "/json/list", ms_left(deadline), &body, err, errlen);

	close(fd);
	if (rc || ws_path_of(body, path, sizeof(path), err, errlen)) {
		free(body);
		return -1;
	}
	free(body);
	fd = connect_port(pid, p, deadline, host, sizeof(host), err, errlen);
	if (fd < 0)
		return -1;
	rc = ws_handshake(fd, host, path, ms_left(deadline), err, errlen);
	if (!rc)
		rc = cdp_evaluate(fd, 1, script, ms_left(deadline), value, err, errlen);
	/* Closing our end is what lets the queued inspector.close() finish. */
	close(fd);
	return rc;
}

static double since(long long t0_us, long long t1_us)
{
	return (double)(t1_us - t0_us) / 1000.0;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Closes an inspector left open (the evaluate failed, or the port came
 * after the deadline): one more session whose script is nothing but the
 * close. */
static void close_left_open(pid_t pid, const struct listen_port *p, int timeout_ms)
{
	char e[256], *v = NULL, *w = wrap_script("0");
	long long deadline = now_ms() + timeout_ms;

	if (w && !evaluate(pid, p, w, deadline, &v, e, sizeof(e)))
		while (port_open(pid, p) && ms_left(deadline) > 0)
			usleep(PORT_POLL_US);
	free(w);
	free(v);
}

/* Signal, port, evaluate, port gone: what the child does. */
static int session(pid_t pid, const char *script, int timeout_ms, char **value,
		   struct node_inject_times *t, char *err, size_t errlen)
{
	struct listen_port before[LISTEN_PORTS_MAX], p;
	int nbefore = listen_ports(pid, before);

	*value = NULL;
	if (nbefore < 0) {
		snprintf(err, errlen, "cannot read process %d's sockets (/proc/%d/fd)", (int)pid,
			 (int)pid);
		return -1;
	}
	long long t0 = now_us(), deadline = now_ms() + timeout_ms;

	if (kill(pid, SIGUSR1) < 0) {
		snprintf(err, errlen, "SIGUSR1 to process %d: %s", (int)pid, strerror(errno));
		return -1;
	}
	if (wait_new_port(pid, before, nbefore, deadline, &p)) {
		snprintf(err, errlen,
			 "process %d opened no inspector port within %d ms of SIGUSR1 (already "
			 "open, or the port in use: node says why on its stderr)",
			 (int)pid, timeout_ms);
		/* Should it open late, it is closed, not left to anyone. */
		if (!wait_new_port(pid, before, nbefore, now_ms() + timeout_ms, &p))
			close_left_open(pid, &p, timeout_ms);
		return -1;
	}
	long long t1 = now_us();
	char *wrapped = wrap_script(script);
	int rc = wrapped ? evaluate(pid, &p, wrapped, deadline, value, err, errlen) : -1;

	if (!wrapped)
		snprintf(err, errlen, "out of memory");
	free(wrapped);
	long long t2 = now_us();

	/* The script queued inspector.close(); wait until the port is gone. */
	long long close_deadline = now_ms() + timeout_ms;

	while (port_open(pid, &p) && ms_left(close_deadline) > 0)
		usleep(PORT_POLL_US);
	if (port_open(pid, &p))
		close_left_open(pid, &p, timeout_ms);
	long long t3 = now_us();

	t->listen_ms = since(t0, t1);
	t->eval_ms = since(t1, t2);
	t->window_ms = since(t0, t3);
	t->port = p.port;
	if (port_open(pid, &p)) {
		snprintf(err, errlen, "process %d's inspector port %u is still open: it could not be closed",
			 (int)pid, p.port);
		rc = -1;
	}
	return rc;
}

/* What the child hands back: this, then vlen bytes of value. */
struct session_result {
	int rc;
	struct node_inject_times t;
	char err[1024];
	size_t vlen;
};

/* All n bytes through the pipe, read or written; 0, or -1 at EOF or error. */
static int pipe_io(int fd, void *p, size_t n, bool wr)
{
	for (char *c = p; n;) {
		ssize_t k = wr ? write(fd, c, n) : read(fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

static void child(pid_t pid, const char *script, int timeout_ms, int out)
{
	struct session_result r = {0};
	char *value = NULL;
	sigset_t all;

	/* The tracer's Ctrl-C, SIGTERM or SIGHUP (its process group's) must not
	 * stop the one process that closes the port; only SIGKILL can. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_NAME, "mcp-node-inject");
	r.rc = session(pid, script, timeout_ms, &value, &r.t, r.err, sizeof(r.err));
	r.vlen = value ? strlen(value) : 0;
	if (pipe_io(out, &r, sizeof(r), true) == 0 && r.vlen)
		pipe_io(out, value, r.vlen, true);
	_exit(0);
}

int node_inject_run(pid_t pid, const char *script, int timeout_ms, char **value,
		    struct node_inject_times *t, char *err, size_t errlen)
{
	struct session_result r;
	int fds[2];

	*value = NULL;
	if (node_inject_check(pid, err, errlen))
		return -1;
	/* The session runs in a child of its own: were the tracer killed in the
	 * window, the child still closes the inspector. Its deadlines bound it
	 * (at most 3 x timeout_ms); it is never killed from here. */
	if (pipe2(fds, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t c = fork();

	if (c == 0) {
		close(fds[0]);
		child(pid, script, timeout_ms, fds[1]);
	}
	close(fds[1]);
	if (c < 0) {
		close(fds[0]);
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	int got = pipe_io(fds[0], &r, sizeof(r), false);

	if (!got && r.vlen && (*value = malloc(r.vlen + 1))) {
		got = pipe_io(fds[0], *value, r.vlen, false);
		(*value)[r.vlen] = 0;
	}
	close(fds[0]);
	while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
		;
	if (got) {
		free(*value);
		*value = NULL;
		snprintf(err, errlen, "the injecting child process died");
		return -1;
	}
	if (t)
		*t = r.t;
	if (r.rc) {
		free(*value);
		*value = NULL;
		snprintf(err, errlen, "%s", r.err);
		return -1;
	}
	if (!*value)
		*value = strdup("");
	return *value ? 0 : -1;
}
