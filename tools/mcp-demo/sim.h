/*
 * Simulated work and failures: every decision comes from the calling
 * thread's RNG, so a run is reproducible from --seed.
 */
#ifndef MCP_DEMO_SIM_H
#define MCP_DEMO_SIM_H

#include <stdbool.h>
#include <stddef.h>

#include "rng.h"

struct sim_error {
	const char *name; /* error.type, at most 31 chars */
	int code;         /* positive errno; returned negated */
};

#define SIM_ERRORS(a) (a), (sizeof(a) / sizeof((a)[0]))

/* Process-wide settings, fixed before any worker starts. */
void sim_configure(double error_rate, double time_scale);
/* The calling thread draws from r from now on. */
void sim_bind_rng(struct rng *r);

bool sim_chance(double p);
int sim_range(int lo, int hi);
/* True with probability --error-rate: this call will fail. */
bool sim_inject(void);

/*
 * Does some CPU work over input, then sleeps a random us_min..us_max
 * microseconds times --time-scale.
 */
void sim_work(const char *input, unsigned us_min, unsigned us_max);

/* Picks one of kinds, writes its name to error_type, returns -code. */
long sim_fail(char error_type[32], const struct sim_error *kinds, size_t n);
/* Fails with a given name and code. */
long sim_fail_as(char error_type[32], const char *name, int code);

#endif
