/* A BPF ring buffer read by the tracer itself, not by libbpf's
 * ring_buffer: it tells the kernel how far it has read once per batch of
 * records, not after each one (ring_reader.c says why). Only for a ring
 * that no other reader drains. */
#ifndef MCP_RING_READER_H
#define MCP_RING_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called for each record, as libbpf's ring_buffer_sample_fn is. */
typedef int (*ring_record_fn)(void *ctx, void *data, size_t len);

struct ring_reader {
	int map_fd;
	size_t size; /* the data area, a power of two */
	void *cons;  /* the consumer page (ours to write) */
	void *prod;  /* the producer page, then the data mapped twice */
	ring_record_fn fn;
	void *ctx;
};

/* Maps ring buffer map `map_fd`. 0, or a negative errno. */
int ring_reader_open(struct ring_reader *r, int map_fd, ring_record_fn fn, void *ctx);
/* Reads every complete record; returns how many, or the first negative
 * value a callback returned. */
int64_t ring_reader_consume(struct ring_reader *r);
void ring_reader_close(struct ring_reader *r);

/* How many records the reader lets pass before it publishes its position
 * (also after 1/16 of the ring, and at the end of every batch). */
#define RING_READER_PUBLISH_EVERY 64

#endif
