/* JSON text writer (json_writer.h). */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_writer.h"

void jw_init(struct jw *w, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = malloc(cap ? cap : 256);
	w->cap = w->buf ? (cap ? cap : 256) : 0;
	w->oom = !w->buf;
}

/* Room for n more bytes and a NUL. */
static bool reserve(struct jw *w, size_t n)
{
	if (w->oom)
		return false;
	if (w->len + n + 1 <= w->cap)
		return true;
	size_t cap = w->cap * 2;

	while (cap < w->len + n + 1)
		cap *= 2;
	char *p = realloc(w->buf, cap);

	if (!p) {
		w->oom = true;
		return false;
	}
	w->buf = p;
	w->cap = cap;
	return true;
}

void jw_rawn(struct jw *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

void jw_raw(struct jw *w, const char *s)
{
	jw_rawn(w, s, strlen(s));
}

void jw_str(struct jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(s);

	/* Worst case: every byte as \u00XX. */
	if (!reserve(w, n * 6 + 2))
		return;
	char *o = w->buf + w->len;

	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20) {
			*o++ = '\\';
			switch (c) {
			case '\b': *o++ = 'b'; break;
			case '\f': *o++ = 'f'; break;
			case '\n': *o++ = 'n'; break;
			case '\r': *o++ = 'r'; break;
			case '\t': *o++ = 't'; break;
			default:
				*o++ = 'u';
				*o++ = '0';
				*o++ = '0';
				*o++ = hex[c >> 4];
				*o++ = hex[c & 15];
			}
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	w->len = (size_t)(o - w->buf);
}

static void printf_num(struct jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_num(struct jw *w, const char *fmt, ...)
{
	va_list ap;

	if (!reserve(w, 32))
		return;
	va_start(ap, fmt);
	int n = vsnprintf(w->buf + w->len, 32, fmt, ap);
	va_end(ap);
	if (n > 0 && n < 32)
		w->len += (size_t)n;
}

/* Digits of v, written backwards into the end of buf; returns the start. */
static char *u64_digits(uint64_t v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

void jw_u64_str(struct jw *w, uint64_t v)
{
	char buf[24], *end = buf + sizeof(buf), *p;

	*--end = '"';
	p = u64_digits(v, end);
	*--p = '"';
	jw_rawn(w, p, (size_t)(buf + sizeof(buf) - p));
}

void jw_i64_str(struct jw *w, int64_t v)
{
	char buf[24], *end = buf + sizeof(buf), *p;

	*--end = '"';
	p = u64_digits(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, end);
	if (v < 0)
		*--p = '-';
	*--p = '"';
	jw_rawn(w, p, (size_t)(buf + sizeof(buf) - p));
}

void jw_int(struct jw *w, long long v)
{
	printf_num(w, "%lld", v);
}

void jw_double(struct jw *w, double d)
{
	char buf[32];

	if (!isfinite(d)) {
		jw_raw(w, "null");
		return;
	}
	/* 15 digits when they are enough to read back the same value. */
	snprintf(buf, sizeof(buf), "%1.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, sizeof(buf), "%1.17g", d);
	jw_raw(w, buf);
}

char *jw_finish(struct jw *w)
{
	char *out = w->buf;

	if (w->oom) {
		free(w->buf);
		out = NULL;
	} else {
		out[w->len] = 0;
	}
	memset(w, 0, sizeof(*w));
	return out;
}
