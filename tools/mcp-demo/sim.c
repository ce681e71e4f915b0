#include "sim.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double error_rate = 0.05;
static double time_scale = 1.0;
static __thread struct rng *rng;

/* Keeps the CPU work from being optimized away (per thread: no sharing). */
static __thread volatile uint64_t work_sink;

void sim_configure(double rate, double scale)
{
	error_rate = rate;
	time_scale = scale;
}

void sim_bind_rng(struct rng *r)
{
	rng = r;
}

bool sim_chance(double p)
{
	return rng_unit(rng) < p;
}

int sim_range(int lo, int hi)
{
	return rng_range(rng, lo, hi);
}

bool sim_inject(void)
{
	return sim_chance(error_rate);
}

void sim_work(const char *input, unsigned us_min, unsigned us_max)
{
	unsigned us = (unsigned)rng_range(rng, (int)us_min, (int)us_max);
	uint64_t h = 0xcbf29ce484222325ull;
	double ns = (double)us * 1000.0 * time_scale;

	for (int round = 0; round < 16; round++)
		for (const char *p = input; *p; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	work_sink += h;

	if (ns >= 1.0) {
		struct timespec ts = {
			.tv_sec = (time_t)(ns / 1e9),
			.tv_nsec = (long)((uint64_t)ns % 1000000000ull),
		};

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

long sim_fail_as(char error_type[32], const char *name, int code)
{
	snprintf(error_type, 32, "%s", name);
	return -(long)code;
}

long sim_fail(char error_type[32], const struct sim_error *kinds, size_t n)
{
	const struct sim_error *k = &kinds[rng_range(rng, 0, (int)n - 1)];

	return sim_fail_as(error_type, k->name, k->code);
}
