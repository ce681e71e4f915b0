/* A process the tracer launched (`-- cmd`, user/target/target.c) is its
 * child: while one thread injects into it (py_inject_run), the main thread
 * polls for its exit with waitpid, as main.c does. The poll must not see
 * the injector's ptrace stops (it would take the target for gone, and the
 * injector would wait in vain for the stop it took).
 *   py-inject-launched DIR ROUNDS PYTHON SCRIPT [ARGS...]
 * Launches PYTHON SCRIPT DIR ARGS..., injects ROUNDS times while polling,
 * then touches DIR/stop and waits for the exit. Prints
 * "rounds=R failures=F false_exits=X polls=P exit=S". */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "source/python/py_inject.h"
#include "target/target.h"

static struct target tg;
static int rounds;
static atomic_int failures, finished;

static void *injector(void *arg)
{
	char err[512], script[64];

	(void)arg;
	for (int r = 0; r < rounds; r++) {
		snprintf(script, sizeof(script), "INJECTED = 'L%d'", r);
		if (py_inject_run(tg.pid, script, 5000, err, sizeof(err))) {
			fprintf(stderr, "round %d: %s\n", r, err);
			atomic_fetch_add(&failures, 1);
		}
	}
	atomic_store(&finished, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	char err[512], path[4096];
	char *args[16] = { 0 };
	long polls = 0, false_exits = 0;
	pthread_t th;

	if (argc < 5 || argc > 14)
		return 2;
	rounds = atoi(argv[2]);
	args[0] = argv[3];
	args[1] = argv[4];
	args[2] = argv[1];
	for (int i = 5; i < argc; i++)
		args[i - 2] = argv[i];
	if (target_launch(args, &tg, err, sizeof(err)) || target_release(&tg, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/ready", argv[1]);
	while (access(path, F_OK))
		usleep(10000);
	pthread_create(&th, NULL, injector, NULL);
	while (!atomic_load(&finished)) {
		polls++;
		if (target_check_exited(&tg)) { /* it is not: count, and look again */
			false_exits++;
			tg.exited = false;
		}
		usleep(100);
	}
	pthread_join(th, NULL);
	snprintf(path, sizeof(path), "%s/stop", argv[1]);
	fclose(fopen(path, "w"));
	while (!target_check_exited(&tg))
		usleep(10000);
	printf("rounds=%d failures=%d false_exits=%ld polls=%ld exit=%d\n", rounds,
	       atomic_load(&failures), false_exits, polls,
	       WIFEXITED(tg.exit_status) ? WEXITSTATUS(tg.exit_status) : -1);
	return 0;
}
