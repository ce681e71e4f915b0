/* cost-hot: a hot loop for the cost tests (tests/e2e/test_cost_*.sh).
 *
 * Batches of work for --seconds S (wall clock): each batch (cost_batch, a
 * span) does --work W iterations of arithmetic, and calls cost_step (an
 * inner span) and cost_tick (a point) --inner N times each. With probes on
 * the inner two, most of its CPU time goes to the probes; without them,
 * almost none. Prints a ledger of the calls made and its CPU time per
 * batch, key=value lines:
 *   batches=B steps=S ticks=T cpu_ns_per_batch=C */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile long sink;

__attribute__((noinline)) long cost_tick(long x)
{
	__asm__ volatile("" : : "r"(x) : "memory");
	return x + 1;
}

__attribute__((noinline)) long cost_step(long x)
{
	__asm__ volatile("" : : "r"(x) : "memory");
	return x * 3;
}

static long work, inner;

__attribute__((noinline)) long cost_batch(long seed)
{
	unsigned long h = (unsigned long)seed;

	for (long i = 0; i < work; i++) /* the batch's own work */
		h = h * 6364136223846793005UL + 1442695040888963407UL;
	for (long i = 0; i < inner; i++) {
		h += (unsigned long)cost_step(i);
		h += (unsigned long)cost_tick(i);
	}
	return (long)(h & 0xffff);
}

static double now_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = 5, t0, c0;
	long batches = 0;

	work = 2000000;
	inner = 1000;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--work"))
			work = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--inner"))
			inner = atol(argv[i + 1]);
		else {
			fprintf(stderr, "usage: cost-hot [--seconds S] [--work W] [--inner N]\n");
			return 2;
		}
	}
	t0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	while (now_s(CLOCK_MONOTONIC) - t0 < seconds) {
		sink += cost_batch(batches);
		batches++;
	}
	printf("batches=%ld\nsteps=%ld\nticks=%ld\ncpu_ns_per_batch=%.0f\n", batches, batches * inner, batches * inner,
	       (now_s(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e9 / (double)(batches ? batches : 1));
	return 0;
}
