/* Unit tests of the /metrics server (user/export/prom_server.c): the
 * answers (200, 404, 405, HEAD, a query string), keep-alive, scrapes on the
 * status board, and that an idle connection delays nobody (the hand-written
 * server it replaced served one connection at a time, so one idle client
 * held every scrape for its 5 s read timeout). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "aggregate/health.h"
#include "aggregate/metrics.h"
#include "export/export_status.h"
#include "export/prom_server.h"
#include "target/resources.h"
#include "unit_test.h"

static int connect_to(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval tv = {.tv_sec = 20};

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request on a new connection, read until the server closes it (the
 * requests say Connection: close). */
static char *http_get(int port, const char *req)
{
	static char resp[65536];
	int fd = connect_to(port);
	size_t n = 0;
	ssize_t r;

	if (fd < 0 || write(fd, req, strlen(req)) < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (n < sizeof(resp) - 1 && (r = read(fd, resp + n, sizeof(resp) - 1 - n)) > 0)
		n += (size_t)r;
	resp[n] = 0;
	close(fd);
	return resp;
}

/* Reads one response with a Content-Length body from a kept-alive fd. */
static int read_response(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n < len - 1) {
		ssize_t r = read(fd, buf + n, len - 1 - n);

		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = 0;
		char *end = strstr(buf, "\r\n\r\n"), *cl = strcasestr(buf, "Content-Length:");

		if (end && cl && n >= (size_t)(end + 4 - buf) + strtoul(cl + 15, NULL, 10))
			return 0;
	}
	return -1;
}

static uint64_t board_ok(void)
{
	struct export_status b[EXP_COUNT];

	export_status_get(b);
	return b[EXP_PROMETHEUS].ok;
}

/* Scrapes count when their response is complete, on the server's thread. */
static bool wait_ok(uint64_t want)
{
	for (int i = 0; i < 200 && board_ok() != want; i++)
		usleep(5000);
	return board_ok() == want;
}

static void test_answers(struct prom_server *ps)
{
	int port = prom_port(ps);
	char *r;

	r = http_get(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	CHECK_STR_PREFIX(r, "HTTP/1.1 200 OK\r\n");
	CHECK_STR_HAS(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n");
	CHECK_STR_HAS(r, "\nmcp_bpftrace_events_total{service_name=\"mcp-bpftrace\"");
	CHECK(wait_ok(1));
	r = http_get(port, "GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	CHECK_STR_PREFIX(r, "HTTP/1.1 200 OK\r\n");
	CHECK(wait_ok(2));
	r = http_get(port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	CHECK_STR_PREFIX(r, "HTTP/1.1 200 OK\r\n");
	CHECK(r && !strstr(r, "mcp_bpftrace_events_total"));
	CHECK(wait_ok(3));
	r = http_get(port, "GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	CHECK_STR_PREFIX(r, "HTTP/1.1 404 ");
	CHECK_STR_HAS(r, "metrics are on /metrics");
	r = http_get(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
	CHECK_STR_PREFIX(r, "HTTP/1.1 405 ");
	CHECK_STR_HAS(r, "Allow: GET, HEAD");
	CHECK(wait_ok(3)); /* 404 and 405 are no scrapes */
}

static void test_keep_alive(struct prom_server *ps)
{
	static char buf[65536];
	const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	int fd = connect_to(prom_port(ps));
	uint64_t before = board_ok();

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	for (int i = 0; i < 2; i++) {
		CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
		CHECK_EQ_INT(read_response(fd, buf, sizeof(buf)), 0);
		CHECK_STR_PREFIX(buf, "HTTP/1.1 200 OK\r\n");
	}
	close(fd);
	CHECK(wait_ok(before + 2));
}

/* Two idle clients (one connected and silent, one stuck in the middle of
 * its request line): a scrape beside them answers at once. */
static void test_idle_connection(struct prom_server *ps)
{
	int idle = connect_to(prom_port(ps)), half = connect_to(prom_port(ps));
	uint64_t t0;
	char *r;

	CHECK(idle >= 0 && half >= 0);
	CHECK(write(half, "GET /met", 8) == 8);
	usleep(50000); /* both accepted before the scrape comes */
	t0 = clock_mono_ns();
	r = http_get(prom_port(ps), "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	double took = (clock_mono_ns() - t0) / 1e9;

	CHECK_STR_PREFIX(r, "HTTP/1.1 200 OK\r\n");
	if (took >= 0.5)
		UNIT_FAIL("a scrape beside an idle connection took %.2f s", took);
	else
		UNIT_PASS();
	printf("scrape beside two idle connections: %.1f ms\n", took * 1e3);
	close(idle);
	close(half);
}

int main(void)
{
	struct resource_table rt;
	struct metric_store ms;
	struct export_opts eo = {0};
	struct export_status b[EXP_COUNT];
	char err[256] = "", want[64];
	struct prom_server *ps;

	clock_init();
	export_status_reset();
	unsetenv("OTEL_SERVICE_NAME");
	unsetenv("OTEL_RESOURCE_ATTRIBUTES");
	resources_init(&rt);
	CHECK_EQ_INT(ms_init(&ms), 0);
	health_set(&ms, HM_EVENTS, NULL, NULL, 5);

	CHECK(prom_start("1.2.3", &ms, &rt, &eo, err, sizeof(err)) == NULL);
	CHECK_STR_HAS(err, "--prometheus: expected [ADDR:]PORT");
	CHECK_EQ_INT(prom_check_addr("[::1]:9464", err, sizeof(err)), 0);
	CHECK_EQ_INT(prom_check_addr("9464", err, sizeof(err)), 0);
	CHECK_EQ_INT(prom_check_addr("127.0.0.1:70000", err, sizeof(err)), -1);
	ps = prom_start("127.0.0.1:0", &ms, &rt, &eo, err, sizeof(err));
	CHECK(ps != NULL);
	if (ps) {
		CHECK(prom_port(ps) > 0);
		export_status_get(b);
		snprintf(want, sizeof(want), "http://127.0.0.1:%d/metrics", prom_port(ps));
		CHECK(b[EXP_PROMETHEUS].configured);
		CHECK_STR_EQ(b[EXP_PROMETHEUS].target, want);
		CHECK(b[EXP_PROMETHEUS].signals[EXP_METRICS] && !b[EXP_PROMETHEUS].signals[EXP_TRACES]);
		/* The port is taken: a second server says so. */
		snprintf(want, sizeof(want), "127.0.0.1:%d", prom_port(ps));
		CHECK(prom_start(want, &ms, &rt, &eo, err, sizeof(err)) == NULL);
		CHECK_STR_HAS(err, "Address already in use");
		test_answers(ps);
		test_keep_alive(ps);
		test_idle_connection(ps);
		export_status_get(b);
		CHECK_EQ_INT(b[EXP_PROMETHEUS].errors, 0);
		prom_stop(ps);
	}
	ms_destroy(&ms);
	resources_free(&rt);
	UNIT_DONE();
}
