/* Content-Encoding of an HTTP body, undone incrementally: gzip and deflate
 * with zlib, br with libbrotli. Fed the body as it arrives (after chunked
 * framing is removed), it hands the decoded bytes to a sink in pieces; no
 * whole body is ever held here. */
#ifndef TLS_BODY_DECODER_H
#define TLS_BODY_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

enum body_coding { BC_IDENTITY, BC_GZIP, BC_DEFLATE, BC_BR, BC_UNSUPPORTED };

/* The coding a Content-Encoding value names ("gzip", "x-gzip", "deflate",
 * "br", "identity", none); anything else (zstd, a list of codings) is
 * BC_UNSUPPORTED: the body is not decoded and so not parsed. */
enum body_coding body_coding_parse(const char *content_encoding);
const char *body_coding_name(enum body_coding c);

typedef void (*body_sink)(void *ud, const char *p, size_t n);

struct body_decoder {
	enum body_coding coding;
	bool failed;   /* corrupt or unsupported input: no more output */
	bool ended;    /* the compressed stream reached its end */
	bool started;  /* zlib/brotli state made */
	bool raw_deflate; /* "deflate" sent without its zlib header (some servers do) */
	z_stream z;
	void *br;      /* BrotliDecoderState */
	uint64_t out_bytes;
};

void body_decoder_init(struct body_decoder *d, enum body_coding coding);
/* Decodes n more bytes; returns false once the input is found corrupt
 * (then d->failed stays set and later bytes are ignored). */
bool body_decoder_feed(struct body_decoder *d, const char *p, size_t n, body_sink sink, void *ud);
/* Whether the whole body decoded cleanly (identity: always). */
bool body_decoder_complete(const struct body_decoder *d);
void body_decoder_free(struct body_decoder *d);

#endif
