#include <time.h>
#include "clock.h"

static int64_t offset_ns;

static uint64_t read_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void clock_init(void)
{
	/* Take the pair whose monotonic reads are closest together: the
	 * realtime read in between is then known to within that gap. */
	uint64_t best_gap = UINT64_MAX;

	for (int i = 0; i < 5; i++) {
		uint64_t m1 = read_ns(CLOCK_MONOTONIC);
		uint64_t r = read_ns(CLOCK_REALTIME);
		uint64_t m2 = read_ns(CLOCK_MONOTONIC);

		if (m2 - m1 < best_gap) {
			best_gap = m2 - m1;
			offset_ns = (int64_t)r - (int64_t)(m1 + (m2 - m1) / 2);
		}
	}
}

uint64_t clock_mono_ns(void)
{
	return read_ns(CLOCK_MONOTONIC);
}

uint64_t clock_to_unix_ns(uint64_t mono_ns)
{
	return (uint64_t)((int64_t)mono_ns + offset_ns);
}
