/* Monotonic nanoseconds: the same clock the kernel uses for span timing. */
#ifndef MCP_DEMO_CLOCK_H
#define MCP_DEMO_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
