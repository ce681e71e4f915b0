/* The /metrics server (prom_server.h): our listening socket, served by
 * libmicrohttpd. */
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "export_status.h"
#include "prom.h"
#include "prom_server.h"

struct prom_server {
	struct MHD_Daemon *d;
	int port;
	char host[256]; /* as bound, without brackets: "127.0.0.1", "::1" */
	struct metric_store *ms;
	const struct resource_table *rt;
	const struct export_opts *eo;
};

/* Per-request marks: the headers were seen; it is a scrape (for the
 * completion callback). */
static char headers_seen, scrape_tag;

static int parse_addr(const char *addr, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon = strrchr(addr, ':');

	if (addr[0] == '[') { /* [v6]:port */
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':' || !close[2])
			return -1;
		snprintf(host, hlen, "%.*s", (int)(close - addr - 1), addr + 1);
		snprintf(port, plen, "%s", close + 2);
	} else if (!colon) {
		snprintf(host, hlen, "127.0.0.1");
		snprintf(port, plen, "%s", addr);
	} else {
		snprintf(host, hlen, "%.*s", (int)(colon - addr), addr);
		snprintf(port, plen, "%s", colon + 1);
		if (!host[0])
			snprintf(host, hlen, "127.0.0.1");
	}
	char *end;
	long p = strtol(port, &end, 10);

	return *port && !*end && p >= 0 && p <= 65535 ? 0 : -1;
}

int prom_check_addr(const char *addr, char *err, size_t errlen)
{
	char host[256], port[16];

	if (!parse_addr(addr, host, sizeof(host), port, sizeof(port)))
		return 0;
	snprintf(err, errlen, "--prometheus: expected [ADDR:]PORT (e.g. 127.0.0.1:9464), got '%s'", addr);
	return -1;
}

/* A bound, listening socket for ADDR:PORT; -1 with err set. Ours rather
 * than libmicrohttpd's: the same address syntax and error messages as
 * always, and the bound port known for port 0. */
static int listen_on(const char *addr, int *bound, char host[256], char *err, size_t errlen)
{
	char port[16];
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
	struct addrinfo *ai = NULL;
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	int fd, one = 1, rc;

	if (prom_check_addr(addr, err, errlen))
		return -1;
	parse_addr(addr, host, 256, port, sizeof(port));
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "--prometheus %s: %s", addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
		snprintf(err, errlen, "--prometheus %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	*bound = 0;
	if (!getsockname(fd, (struct sockaddr *)&sa, &sl))
		*bound = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
							 : ((struct sockaddr_in *)&sa)->sin_port);
	return fd;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct prom_server *ps = cls;
	struct MHD_Response *r;
	enum MHD_Result rc;
	size_t len = 0;
	char *body;

	(void)version, (void)upload_data;
	/* The first call has seen the headers only: answering then would make
	 * libmicrohttpd close the connection (it cannot know the request is
	 * over), and a scraper wants keep-alive. */
	if (!*req_cls) {
		*req_cls = &headers_seen;
		return MHD_YES;
	}
	if (*upload_data_size) { /* a body nobody asked for: skip it */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
	if (strcmp(url, "/metrics")) /* the query string is not part of url */
		return reply(c, MHD_HTTP_NOT_FOUND, "not found: metrics are on /metrics\n");
	body = prom_render(ps->ms, ps->rt, ps->eo, &len);
	if (!body) {
		export_status_error(EXP_PROMETHEUS, "cannot render the metrics: out of memory");
		export_status_failed(EXP_PROMETHEUS, EXP_METRICS);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
	*req_cls = &scrape_tag;
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

/* A scrape counts once its response went out whole. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	static const char *const why[] = {
		[MHD_REQUEST_TERMINATED_WITH_ERROR] = "connection error",
		[MHD_REQUEST_TERMINATED_TIMEOUT_REACHED] = "timed out",
		[MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN] = "server stopped",
		[MHD_REQUEST_TERMINATED_READ_ERROR] = "read error",
		[MHD_REQUEST_TERMINATED_CLIENT_ABORT] = "client went away",
	};

	(void)cls, (void)c;
	if (*req_cls != &scrape_tag)
		return;
	*req_cls = NULL;
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		export_status_ok(EXP_PROMETHEUS);
		return;
	}
	export_status_error(EXP_PROMETHEUS, "scrape not completed: %s",
			    (unsigned)toe < sizeof(why) / sizeof(why[0]) && why[toe] ? why[toe] : "?");
	export_status_failed(EXP_PROMETHEUS, EXP_METRICS);
}

struct prom_server *prom_start(const char *addr, struct metric_store *ms,
			       const struct resource_table *rt, const struct export_opts *eo,
			       char *err, size_t errlen)
{
	struct prom_server *ps = calloc(1, sizeof(*ps));
	sigset_t all, old;
	int fd;

	if (!ps) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ps->ms = ms;
	ps->rt = rt;
	ps->eo = eo;
	fd = listen_on(addr, &ps->port, ps->host, err, errlen);
	if (fd < 0) {
		free(ps);
		return NULL;
	}
	/* The server's thread inherits a full signal mask: signals go to
	 * the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ps->d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, on_request, ps,
				 MHD_OPTION_LISTEN_SOCKET, fd,
				 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)PROM_CONN_TIMEOUT_S,
				 MHD_OPTION_CONNECTION_LIMIT, (unsigned int)PROM_MAX_CONNS,
				 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
				 MHD_OPTION_NOTIFY_COMPLETED, on_completed, ps,
				 MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ps->d) {
		snprintf(err, errlen, "--prometheus %s: libmicrohttpd could not start serving", addr);
		close(fd);
		free(ps);
		return NULL;
	}
	char shown[300];

	bool v6 = strchr(ps->host, ':');

	snprintf(shown, sizeof(shown), "http://%s%s%s:%d/metrics", v6 ? "[" : "", ps->host, v6 ? "]" : "", ps->port);
	export_status_configure(EXP_PROMETHEUS, shown);
	export_status_signals(EXP_PROMETHEUS, false, true);
	return ps;
}

int prom_port(const struct prom_server *ps)
{
	return ps ? ps->port : 0;
}

void prom_stop(struct prom_server *ps)
{
	if (!ps)
		return;
	MHD_stop_daemon(ps->d); /* closes the listening socket too */
	free(ps);
}
