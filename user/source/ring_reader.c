/*
 * A BPF ring buffer read without libbpf's ring_buffer (ring_reader.h).
 *
 * Why: libbpf 1.1 stores the consumer position after every record. The
 * producer (a BPF program in the traced thread, on another CPU) reads that
 * position at every reserve and commit, so each store costs the traced
 * call a cache-line transfer while the tracer drains the ring: part of
 * the ~95 ns a record cost span_exit. Stored once per
 * RING_READER_PUBLISH_EVERY records (and at the end of each batch), the
 * line stays put. The ring frees space a few records later, which its
 * size makes irrelevant. A second reader of the same ring would read a
 * stale position and read records again: rings other sources drain
 * themselves keep libbpf's reader.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "source/ring_reader.h"

int ring_reader_open(struct ring_reader *r, int map_fd, ring_record_fn fn, void *ctx)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	memset(r, 0, sizeof(*r));
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	r->cons = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (r->cons == MAP_FAILED)
		return -errno;
	/* The data pages twice in a row: a record that wraps reads whole. */
	r->prod = mmap(NULL, page + 2 * (size_t)info.max_entries, PROT_READ, MAP_SHARED, map_fd, (off_t)page);
	if (r->prod == MAP_FAILED) {
		int e = -errno;

		munmap(r->cons, page);
		r->cons = NULL;
		return e;
	}
	r->map_fd = map_fd;
	r->size = info.max_entries;
	r->fn = fn;
	r->ctx = ctx;
	return 0;
}

int64_t ring_reader_consume(struct ring_reader *r)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned long *cons_pos = r->cons, *prod_pos = r->prod;
	const char *data = (const char *)r->prod + page;
	unsigned long cons = __atomic_load_n(cons_pos, __ATOMIC_ACQUIRE), prod;
	int64_t n = 0;
	unsigned unpublished = 0;
	unsigned long published = cons;
	bool more;

	if (!r->cons)
		return 0;
	do {
		more = false;
		prod = __atomic_load_n(prod_pos, __ATOMIC_ACQUIRE);
		while (cons < prod) {
			const uint32_t *hdr = (const uint32_t *)(data + (cons & (r->size - 1)));
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

			if (len & BPF_RINGBUF_BUSY_BIT) /* still being written */
				goto out;
			len &= ~BPF_RINGBUF_DISCARD_BIT;
			more = true;
			cons += (BPF_RINGBUF_HDR_SZ + len + 7) & ~7UL;
			if (!(*hdr & BPF_RINGBUF_DISCARD_BIT)) {
				int e = r->fn(r->ctx, (void *)(hdr + 2), len);

				n++;
				if (e < 0) {
					__atomic_store_n(cons_pos, cons, __ATOMIC_RELEASE);
					return e;
				}
			}
			/* Every few records, or 1/16 of a small ring: its space back. */
			if (++unpublished == RING_READER_PUBLISH_EVERY || cons - published >= r->size / 16) {
				__atomic_store_n(cons_pos, cons, __ATOMIC_RELEASE);
				unpublished = 0;
				published = cons;
			}
		}
	} while (more);
out:
	if (unpublished)
		__atomic_store_n(cons_pos, cons, __ATOMIC_RELEASE);
	return n;
}

void ring_reader_close(struct ring_reader *r)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (r->cons)
		munmap(r->cons, page);
	if (r->prod)
		munmap(r->prod, page + 2 * r->size);
	memset(r, 0, sizeof(*r));
}
