/* The libc capture's watchdog: see mcp_watchdog.h. */
#include "source/mcp/mcp_watchdog.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Whether process pid is stopped (state T in /proc/PID/stat). */
static int stopped(uint32_t pid)
{
	char path[64], buf[512];
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	const char *p = strrchr(buf, ')'); /* the name may hold anything */
	return p && p[1] == ' ' && p[2] == 'T';
}

static void watch(int rd, int map)
{
	char c = 0;
	ssize_t n;

	while ((n = read(rd, &c, 1)) < 0 && errno == EINTR)
		;
	if (n == 1 && c == 'q')
		return; /* a normal end: nothing is held */
	uint32_t key, next, *prev = NULL;
	while (!bpf_map_get_next_key(map, prev, &next)) {
		if (stopped(next))
			kill((pid_t)next, SIGCONT);
		key = next;
		prev = &key;
	}
}

/* Not the tracer's command line (`pgrep -f TARGET` would find it too):
 * its own, written over the argv strings of its copy of the tracer's
 * memory (where /proc/PID/cmdline reads; PR_SET_MM would need
 * CAP_SYS_RESOURCE), and its own name. */
static void name_self(void)
{
	static const char name[] = "mcp-bpftrace: mcp watchdog";
	char buf[4096];
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = 0, k;

	while (fd >= 0 && (k = read(fd, buf, sizeof(buf))) > 0)
		n += k; /* its length */
	if (fd >= 0)
		close(fd);
	if (n > 0 && program_invocation_name) { /* argv[0]: the area starts there */
		memset(program_invocation_name, 0, (size_t)n);
		memcpy(program_invocation_name, name, (size_t)n - 1 < sizeof(name) - 1 ? (size_t)n - 1 : sizeof(name) - 1);
	}
	prctl(PR_SET_NAME, "mcp-watchdog", 0, 0, 0);
}

int mcp_watchdog_start(int traced_map_fd)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC)) {
		fprintf(stderr, "mcp-bpftrace: mcp: no watchdog (pipe: %s)\n", strerror(errno));
		return -1;
	}
	pid_t w = fork();
	if (w < 0) {
		fprintf(stderr, "mcp-bpftrace: mcp: no watchdog (fork: %s)\n", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (w == 0) {
		/* nothing of the tracer's but the pipe and the map: its links
		 * and rings must go when it does */
		name_self();
		signal(SIGINT, SIG_IGN); /* a Ctrl-C reaches the process group */
		signal(SIGTERM, SIG_IGN);
		int rd = fcntl(p[0], F_DUPFD, 64), map = fcntl(traced_map_fd, F_DUPFD, 64);
		if (rd < 0 || map < 0 || dup2(rd, 3) < 0 || dup2(map, 4) < 0)
			_exit(1);
		close_range(5, ~0U, 0);
		close(p[1]);
		watch(3, 4);
		_exit(0);
	}
	close(p[0]);
	return p[1];
}

void mcp_watchdog_stop(int fd)
{
	if (fd < 0)
		return;
	if (write(fd, "q", 1) != 1)
		fprintf(stderr, "mcp-bpftrace: mcp: watchdog: %s\n", strerror(errno));
	close(fd);
}
