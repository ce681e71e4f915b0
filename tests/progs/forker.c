/*
 * forker: a target that starts many short-lived children, for the process
 * source's tests (tests/e2e/test_proc_many.sh).
 *
 *   forker N ROUNDS WAITFILE
 *
 * ROUNDS times: forks N children one after another (each _exit(0)s at
 * once; the parent reaps it), prints "round R done" and waits until
 * WAITFILE.R exists, so that the test can look at the tracer between rounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: forker N ROUNDS WAITFILE\n");
		return 2;
	}
	long n = atol(argv[1]), rounds = atol(argv[2]);

	for (long r = 1; r <= rounds; r++) {
		for (long i = 0; i < n; i++) {
			pid_t p = fork();

			if (p == 0)
				_exit(0);
			if (p < 0 || waitpid(p, NULL, 0) != p) {
				perror("forker");
				return 1;
			}
		}
		printf("round %ld done\n", r);
		fflush(stdout);
		char path[4096];

		snprintf(path, sizeof(path), "%s.%ld", argv[3], r);
		while (access(path, F_OK) != 0)
			usleep(10000);
	}
	return 0;
}
