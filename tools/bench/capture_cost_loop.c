/* The workload of tools/bench/capture_cost.sh: write() of 64 bytes in a
 * loop, to /dev/null or to a pipe drained by `cat` (another process, so
 * that only the writer is ever traced). Prints ns per write, by the wall
 * clock and by the writing thread's CPU time (user + system: what the
 * capture charges to the traced thread, whoever else runs meanwhile).
 *   capture-cost-loop null|pipe ITERATIONS */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	char buf[64];
	int fd, pfd[2];
	pid_t drain = -1;

	if (argc != 3 || (strcmp(argv[1], "null") && strcmp(argv[1], "pipe"))) {
		fprintf(stderr, "usage: capture-cost-loop null|pipe ITERATIONS\n");
		return 2;
	}
	long n = atol(argv[2]);
	memset(buf, 'x', sizeof(buf));
	buf[63] = '\n';
	if (!strcmp(argv[1], "null")) {
		fd = open("/dev/null", O_WRONLY);
	} else {
		if (pipe(pfd))
			return perror("pipe"), 1;
		drain = fork();
		if (drain == 0) {
			dup2(pfd[0], 0);
			close(pfd[1]);
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
			execlp("cat", "cat", (char *)NULL);
			_exit(127);
		}
		close(pfd[0]);
		fd = pfd[1];
	}
	if (fd < 0)
		return perror("open"), 1;
	for (long i = 0; i < n / 10; i++) /* warm up: caches, the drain running */
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			return perror("write"), 1;
	double t0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	for (long i = 0; i < n; i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			return perror("write"), 1;
	double t1 = now_ns(CLOCK_MONOTONIC), c1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	close(fd);
	if (drain > 0)
		waitpid(drain, NULL, 0);
	printf("ns_per_write=%.1f cpu_ns_per_write=%.1f writes=%ld\n", (t1 - t0) / n, (c1 - c0) / n,
	       n + n / 10);
	return 0;
}
