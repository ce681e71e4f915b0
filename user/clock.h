/* Kernel timestamps are CLOCK_MONOTONIC; OTLP wants Unix-epoch nanoseconds.
 * The offset is measured once, at start, and applied at export. */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

void clock_init(void);
uint64_t clock_mono_ns(void);
uint64_t clock_to_unix_ns(uint64_t mono_ns);

#endif
