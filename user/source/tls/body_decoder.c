/* Incremental Content-Encoding decoding: see body_decoder.h. */
#include "source/tls/body_decoder.h"

#include <brotli/decode.h>
#include <string.h>
#include <strings.h>

#define OUT_CHUNK 16384

enum body_coding body_coding_parse(const char *ce)
{
	if (!ce)
		return BC_IDENTITY;
	while (*ce == ' ' || *ce == '\t')
		ce++;
	size_t n = strlen(ce);
	while (n && (ce[n - 1] == ' ' || ce[n - 1] == '\t'))
		n--;
	if (n == 0 || (n == 8 && !strncasecmp(ce, "identity", 8)))
		return BC_IDENTITY;
	if ((n == 4 && !strncasecmp(ce, "gzip", 4)) || (n == 6 && !strncasecmp(ce, "x-gzip", 6)))
		return BC_GZIP;
	if (n == 7 && !strncasecmp(ce, "deflate", 7))
		return BC_DEFLATE;
	if (n == 2 && !strncasecmp(ce, "br", 2))
		return BC_BR;
	return BC_UNSUPPORTED;
}

const char *body_coding_name(enum body_coding c)
{
	switch (c) {
	case BC_IDENTITY: return "identity";
	case BC_GZIP: return "gzip";
	case BC_DEFLATE: return "deflate";
	case BC_BR: return "br";
	default: return "unsupported";
	}
}

void body_decoder_init(struct body_decoder *d, enum body_coding coding)
{
	memset(d, 0, sizeof(*d));
	d->coding = coding;
	if (coding == BC_UNSUPPORTED)
		d->failed = true;
}

static bool zlib_start(struct body_decoder *d, const char *p, size_t n)
{
	int bits = MAX_WBITS + 16; /* gzip */
	if (d->coding == BC_DEFLATE) {
		/* RFC 9110 says zlib-wrapped; some servers send raw deflate.
		 * A zlib header is CMF/FLG with method 8 and a multiple of 31. */
		unsigned char b0 = (unsigned char)p[0], b1 = n > 1 ? (unsigned char)p[1] : 0;
		bool zlib = (b0 & 0x0f) == 8 && (n < 2 || ((b0 << 8) | b1) % 31 == 0);
		d->raw_deflate = !zlib;
		bits = zlib ? MAX_WBITS : -MAX_WBITS;
	}
	if (inflateInit2(&d->z, bits) != Z_OK) {
		d->failed = true;
		return false;
	}
	d->started = true;
	return true;
}

static bool zlib_feed(struct body_decoder *d, const char *p, size_t n, body_sink sink, void *ud)
{
	char out[OUT_CHUNK];
	if (!d->started && !zlib_start(d, p, n))
		return false;
	d->z.next_in = (Bytef *)p;
	d->z.avail_in = (uInt)n;
	for (;;) {
		if (d->ended) {
			/* gzip allows members one after another; anything else
			 * after the end is junk we ignore. */
			if (d->z.avail_in == 0 || d->coding != BC_GZIP || *d->z.next_in != 0x1f)
				return true;
			if (inflateReset(&d->z) != Z_OK) {
				d->failed = true;
				return false;
			}
			d->ended = false;
		}
		d->z.next_out = (Bytef *)out;
		d->z.avail_out = sizeof(out);
		int rc = inflate(&d->z, Z_NO_FLUSH);
		size_t got = sizeof(out) - d->z.avail_out;
		if (got) {
			d->out_bytes += got;
			sink(ud, out, got);
		}
		if (rc == Z_STREAM_END) {
			d->ended = true;
			continue;
		}
		if (rc == Z_BUF_ERROR)
			return true; /* no progress possible: needs more input */
		if (rc != Z_OK) {
			d->failed = true;
			return false;
		}
		if (d->z.avail_in == 0 && d->z.avail_out != 0)
			return true;
	}
}

static bool br_feed(struct body_decoder *d, const char *p, size_t n, body_sink sink, void *ud)
{
	char out[OUT_CHUNK];
	if (!d->started) {
		d->br = BrotliDecoderCreateInstance(NULL, NULL, NULL);
		if (!d->br) {
			d->failed = true;
			return false;
		}
		d->started = true;
	}
	const uint8_t *in = (const uint8_t *)p;
	size_t avail_in = n;
	for (;;) {
		uint8_t *next_out = (uint8_t *)out;
		size_t avail_out = sizeof(out);
		BrotliDecoderResult r = BrotliDecoderDecompressStream(d->br, &avail_in, &in, &avail_out, &next_out, NULL);
		size_t got = sizeof(out) - avail_out;
		if (got) {
			d->out_bytes += got;
			sink(ud, out, got);
		}
		switch (r) {
		case BROTLI_DECODER_RESULT_SUCCESS:
			d->ended = true;
			return true; /* trailing bytes, if any, are ignored */
		case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
			return true;
		case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
			continue;
		default:
			d->failed = true;
			return false;
		}
	}
}

bool body_decoder_feed(struct body_decoder *d, const char *p, size_t n, body_sink sink, void *ud)
{
	if (d->failed)
		return false;
	if (n == 0)
		return true;
	switch (d->coding) {
	case BC_IDENTITY:
		d->out_bytes += n;
		sink(ud, p, n);
		return true;
	case BC_GZIP:
	case BC_DEFLATE:
		if (d->ended && d->coding == BC_DEFLATE)
			return true;
		return zlib_feed(d, p, n, sink, ud);
	case BC_BR:
		if (d->ended)
			return true;
		return br_feed(d, p, n, sink, ud);
	default:
		d->failed = true;
		return false;
	}
}

bool body_decoder_complete(const struct body_decoder *d)
{
	if (d->failed)
		return false;
	if (d->coding == BC_IDENTITY)
		return true;
	return d->ended || !d->started; /* an empty body is complete */
}

void body_decoder_free(struct body_decoder *d)
{
	if (d->started && (d->coding == BC_GZIP || d->coding == BC_DEFLATE))
		inflateEnd(&d->z);
	if (d->br)
		BrotliDecoderDestroyInstance(d->br);
	d->br = NULL;
	d->started = false;
}
