/* Small deterministic PRNG (xoshiro256**), one per worker thread. */
#ifndef MCP_DEMO_RNG_H
#define MCP_DEMO_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seeds from (seed, stream) so every thread has its own reproducible sequence. */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(struct rng *r);
/* Uniform integer in [lo, hi] (inclusive). */
int rng_range(struct rng *r, int lo, int hi);
/* Uniform double in [0, 1). */
double rng_unit(struct rng *r);

#endif
