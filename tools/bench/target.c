/* bench-target: the traced process of every benchmark. It calls one bound
 * function (bench_plain: an ordinary entry; bench_nop: a 5-byte nop entry)
 * in a tight loop and says how fast it went.
 *
 *   bench-target loop  --fn plain|nop --calls N [--rounds R]
 *       one thread; prints wall and CPU ns/call of each round and their medians
 *   bench-target load  --fn plain|nop [--threads T] (--seconds S | --calls N)
 *                      [--rate CALLS_PER_S] [--distinct K]
 *       T threads as fast as possible, or at a fixed total rate; prints the
 *       calls made (the tracer must account for each: records + dropped)
 *   --first-ts FILE    writes "MONO_NS REAL_NS" just before the first call
 *   --distinct K       arg0 cycles through K different strings (default: one)
 *
 * Output: key=value lines on stdout. */

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench_fn.h"

typedef long (*bench_fn)(const char *, long);

static bench_fn fn = bench_plain;
static long total_calls, rounds = 5, threads = 1, distinct;
static double seconds, rate;
static const char *first_ts;
static char (*names)[32];
static atomic_long made;
static volatile long sink_out; /* keeps the loops' results alive */

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void write_first_ts(void)
{
	FILE *f = fopen(first_ts, "w");

	if (!f) {
		perror(first_ts);
		exit(1);
	}
	fprintf(f, "%llu %llu\n", (unsigned long long)now_ns(CLOCK_MONOTONIC),
		(unsigned long long)now_ns(CLOCK_REALTIME));
	fclose(f);
}

static const char *name_for(long i)
{
	return distinct > 0 ? names[i % distinct] : "gpt-4";
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int run_loop(void)
{
	long per_round = total_calls / rounds, sink = 0;
	double ns[64], cpu[64];

	if (rounds < 1 || rounds > 64 || per_round < 1) {
		fprintf(stderr, "bench-target: --calls must be >= --rounds, --rounds 1..64\n");
		return 2;
	}
	if (first_ts)
		write_first_ts();
	sink += fn(name_for(0), 0); /* warm: the first hit installs what it installs */
	for (long r = 0; r < rounds; r++) {
		uint64_t t0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);

		for (long i = 0; i < per_round; i++)
			sink += fn(name_for(i), i);
		ns[r] = (double)(now_ns(CLOCK_MONOTONIC) - t0) / (double)per_round;
		cpu[r] = (double)(now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / (double)per_round;
		printf("round=%ld ns_per_call=%.2f cpu_ns_per_call=%.2f\n", r, ns[r], cpu[r]);
	}
	qsort(ns, (size_t)rounds, sizeof(ns[0]), cmp_double);
	qsort(cpu, (size_t)rounds, sizeof(cpu[0]), cmp_double);
	/* Wall time, and the CPU time the process was charged (user + system:
	 * uprobe handlers run in the caller's context): the latter does not
	 * count the time other processes held the CPU, on a busy machine. */
	printf("calls=%ld\nns_per_call=%.2f\ncpu_ns_per_call=%.2f\nsink=%ld\n", per_round * rounds + 1,
	       ns[rounds / 2], cpu[rounds / 2], sink);
	return 0;
}

struct worker {
	pthread_t th;
	long id, calls;
};

static uint64_t start_ns, stop_ns;

static void *work(void *arg)
{
	struct worker *w = arg;
	long limit = total_calls ? total_calls / threads + (w->id < total_calls % threads) : -1;
	double per_thread_rate = rate / (double)threads;
	long i = 0, sink = 0;

	while (limit < 0 || i < limit) {
		long batch = 64;

		if (limit >= 0 && limit - i < batch)
			batch = limit - i;
		for (long k = 0; k < batch; k++, i++)
			sink += fn(name_for(i * threads + w->id), i);
		uint64_t now = now_ns(CLOCK_MONOTONIC);

		if (stop_ns && now >= stop_ns)
			break;
		if (per_thread_rate > 0) {
			uint64_t due = start_ns + (uint64_t)((double)i * 1e9 / per_thread_rate);

			if (due > now + 20000) {
				struct timespec ts = {(time_t)(due / 1000000000ULL), (long)(due % 1000000000ULL)};

				while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
					;
			}
		}
	}
	w->calls = i;
	atomic_fetch_add(&made, i);
	sink_out = sink;
	return NULL;
}

static int run_load(void)
{
	struct worker *w = calloc((size_t)threads, sizeof(*w));

	if (!w || threads < 1 || (!total_calls && seconds <= 0)) {
		fprintf(stderr, "bench-target load: needs --threads >= 1 and --seconds or --calls\n");
		return 2;
	}
	if (first_ts)
		write_first_ts();
	start_ns = now_ns(CLOCK_MONOTONIC);
	stop_ns = seconds > 0 ? start_ns + (uint64_t)(seconds * 1e9) : 0;
	for (long t = 0; t < threads; t++) {
		w[t].id = t;
		if (pthread_create(&w[t].th, NULL, work, &w[t])) {
			fprintf(stderr, "bench-target: pthread_create failed\n");
			return 1;
		}
	}
	for (long t = 0; t < threads; t++)
		pthread_join(w[t].th, NULL);
	double el = (double)(now_ns(CLOCK_MONOTONIC) - start_ns) / 1e9;

	printf("calls=%ld\nelapsed_s=%.3f\ncalls_per_s=%.0f\n", atomic_load(&made), el,
	       (double)atomic_load(&made) / el);
	free(w);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"fn", required_argument, 0, 'f'},
		{"calls", required_argument, 0, 'n'},
		{"rounds", required_argument, 0, 'r'},
		{"threads", required_argument, 0, 't'},
		{"seconds", required_argument, 0, 's'},
		{"rate", required_argument, 0, 'R'},
		{"distinct", required_argument, 0, 'k'},
		{"first-ts", required_argument, 0, 'F'},
		{0, 0, 0, 0},
	};
	int c;

	if (argc < 2 || (strcmp(argv[1], "loop") && strcmp(argv[1], "load"))) {
		fprintf(stderr, "usage: bench-target loop|load [--fn plain|nop] [--calls N] [--rounds R]\n"
				"       [--threads T] [--seconds S] [--rate R] [--distinct K] [--first-ts FILE]\n");
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "plain"))
				fn = bench_plain;
			else if (!strcmp(optarg, "nop"))
				fn = bench_nop;
			else
				return fprintf(stderr, "bench-target: --fn plain|nop\n"), 2;
			break;
		case 'n': total_calls = atol(optarg); break;
		case 'r': rounds = atol(optarg); break;
		case 't': threads = atol(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'R': rate = atof(optarg); break;
		case 'k': distinct = atol(optarg); break;
		case 'F': first_ts = optarg; break;
		default: return 2;
		}
	}
	if (distinct > 0) {
		names = malloc((size_t)distinct * sizeof(*names));
		if (!names)
			return 1;
		for (long i = 0; i < distinct; i++)
			snprintf(names[i], sizeof(names[i]), "model-%08ld", i);
	}
	return !strcmp(argv[1], "loop") ? run_loop() : run_load();
}
