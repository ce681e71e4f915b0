/*
 * mcp-demo: parse args → prefault → (wait for SIGUSR1) → run workers →
 * merge their ledgers → write the ledger → one summary line.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "ledger.h"
#include "prefault.h"
#include "sim.h"
#include "worker.h"

static atomic_bool stop;

static void on_stop_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, true);
}

static void install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigset_t usr1;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Blocked everywhere (threads inherit it): a late SIGUSR1 is harmless. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
}

/* Returns once SIGUSR1 arrived, or SIGINT/SIGTERM asked to stop. */
static void wait_for_start(void)
{
	struct timespec poll = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
	sigset_t usr1;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	fprintf(stderr, "mcp-demo: pid %d waiting for SIGUSR1\n", (int)getpid());
	while (!atomic_load(&stop))
		if (sigtimedwait(&usr1, NULL, &poll) == SIGUSR1)
			return;
}

/* Opened before any work, so a bad path fails at once and not after the run. */
static FILE *open_ledger(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");

	if (!f)
		fprintf(stderr, "mcp-demo: --ledger: cannot write '%s': %s\n", path,
			strerror(errno));
	return f;
}

static int write_ledger(const struct ledger *l, FILE *f, const char *path)
{
	int rc = ledger_write_json(l, f);

	if (f == stdout ? fflush(f) != 0 : fclose(f) != 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "mcp-demo: writing ledger %s failed: %s\n", path,
			strerror(errno));
	return rc;
}

int main(int argc, char **argv)
{
	struct demo_config cfg;
	struct worker *workers = NULL;
	pthread_t *tids = NULL;
	FILE *ledger_file = NULL;
	struct ledger *total = NULL;
	uint64_t start = 0, elapsed = 0, spans, errors;
	long ops_done = 0;
	int started = 0, status = 1;

	switch (cli_parse(argc, argv, &cfg)) {
	case CLI_EXIT_OK:
		return 0;
	case CLI_EXIT_USAGE:
		return 2;
	}
	if (cfg.ledger_path && !(ledger_file = open_ledger(cfg.ledger_path)))
		return 2;
	sim_configure(cfg.error_rate, cfg.time_scale);
	prefault_executable();
	install_signals();

	workers = calloc((size_t)cfg.threads, sizeof(*workers));
	tids = calloc((size_t)cfg.threads, sizeof(*tids));
	total = ledger_new();
	if (!workers || !tids || !total) {
		fputs("mcp-demo: out of memory\n", stderr);
		goto cleanup;
	}
	for (int i = 0; i < cfg.threads; i++) {
		workers[i] = (struct worker){
			.index = i,
			.cfg = &cfg,
			.ops_target = cfg.ops / cfg.threads + (i < cfg.ops % cfg.threads),
			.stop = &stop,
			.ledger = ledger_new(),
		};
		if (!workers[i].ledger) {
			fputs("mcp-demo: out of memory\n", stderr);
			goto cleanup;
		}
	}

	/* Stopped before starting: the workers see the flag and do nothing. */
	if (cfg.wait_signal)
		wait_for_start();

	start = clock_ns();
	for (int i = 0; i < cfg.threads; i++) {
		int err;

		workers[i].start_ns = start;
		err = pthread_create(&tids[i], NULL, worker_run, &workers[i]);
		if (err) {
			fprintf(stderr, "mcp-demo: pthread_create: %s\n", strerror(err));
			atomic_store(&stop, true);
			break;
		}
		started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	elapsed = clock_ns() - start;

	for (int i = 0; i < cfg.threads; i++) {
		ledger_merge(total, workers[i].ledger);
		ops_done += workers[i].ops_done;
	}
	ledger_totals(total, &spans, &errors);
	status = started == cfg.threads ? 0 : 1;
	if (ledger_file && write_ledger(total, ledger_file, cfg.ledger_path) < 0)
		status = 1;
	ledger_file = NULL;
	fprintf(stderr, "mcp-demo: %ld ops, %llu spans, %llu errors, %.3f s elapsed\n",
		ops_done, (unsigned long long)spans, (unsigned long long)errors,
		(double)elapsed / 1e9);

cleanup:
	if (workers)
		for (int i = 0; i < cfg.threads; i++)
			ledger_free(workers[i].ledger);
	if (ledger_file && ledger_file != stdout)
		fclose(ledger_file);
	free(workers);
	free(tids);
	ledger_free(total);
	return status;
}
