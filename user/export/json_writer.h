/* A JSON text writer that appends to one growing buffer: no tree, no
 * allocation per value. For the hot encoders (spans in OTLP/JSON); the
 * caller writes the punctuation, the writer the values. */
#ifndef JSON_WRITER_H
#define JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jw {
	char *buf;
	size_t len, cap;
	bool oom; /* a failed allocation: the text is incomplete, finish returns NULL */
};

void jw_init(struct jw *w, size_t cap);
/* Appends text as it is (punctuation, keys known to need no escaping). */
void jw_raw(struct jw *w, const char *s);
void jw_rawn(struct jw *w, const char *s, size_t n);
/* A JSON string: quotes, and escapes for ", \ and control characters
 * (as cJSON writes them); other bytes, UTF-8 included, as they are. */
void jw_str(struct jw *w, const char *s);
/* "123": 64-bit integers as strings, as the protobuf JSON mapping wants. */
void jw_u64_str(struct jw *w, uint64_t v);
void jw_i64_str(struct jw *w, int64_t v);
void jw_int(struct jw *w, long long v);
/* The shortest form that reads back to the same double; null for NaN/inf. */
void jw_double(struct jw *w, double d);
/* The text, NUL-terminated, malloc'd (the caller frees it); NULL after a
 * failed allocation. The writer is empty afterwards. */
char *jw_finish(struct jw *w);

#endif
