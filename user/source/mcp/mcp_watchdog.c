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

int mcp_watchdog_main(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], MCP_WATCHDOG_ARG))
		return -1;
	signal(SIGINT, SIG_IGN); /* a Ctrl-C reaches the process group */
	signal(SIGTERM, SIG_IGN);
	watch(3, 4);
	return 0;
}

int mcp_watchdog_start(int traced_map_fd)
{
	int p[2];
	char self[4096];
	/* The tracer's own file, as the kernel (or valgrind, which runs it)
	 * names it: exec'd in the child, the watchdog is a small fresh process,
	 * not a copy of the tracer's memory that a tool like valgrind would
	 * report at its exit or that its copy-on-write pages keep alive. */
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = 0;

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
		/* nothing of the tracer's but the pipe and the map (fds 3 and 4,
		 * kept across exec): its links and rings must go when it does */
		signal(SIGINT, SIG_IGN); /* a Ctrl-C reaches the process group */
		signal(SIGTERM, SIG_IGN);
		int rd = fcntl(p[0], F_DUPFD, 64), map = fcntl(traced_map_fd, F_DUPFD, 64);
		if (rd < 0 || map < 0 || dup2(rd, 3) < 0 || dup2(map, 4) < 0)
			_exit(1);
		close_range(5, ~0U, 0);
		close(p[1]);
		if (self[0]) {
			char arg0[] = "mcp-bpftrace: mcp watchdog", arg1[] = MCP_WATCHDOG_ARG;
			char *args[] = {arg0, arg1, NULL}, *env[] = {NULL};

			execve(self, args, env); /* main(): mcp_watchdog_main */
		}
		/* the file is gone (upgraded under us): watch from this copy */
		name_self();
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
