/* Message starts in a stream joined in the middle: see http1_sync.h. */
#include "source/tls/http1_sync.h"

#include <string.h>

/* '#': a digit; '?': the first byte of a request target ('/' origin form,
 * 'h' absolute form, '*' for OPTIONS). */
static const struct {
	const char *pat;
	int kind;
} starts[] = {
	{ "HTTP/1.# ###", START_RESPONSE },
	{ "GET ?", START_REQUEST },
	{ "POST ?", START_REQUEST },
	{ "PUT ?", START_REQUEST },
	{ "PATCH ?", START_REQUEST },
	{ "DELETE ?", START_REQUEST },
	{ "HEAD ?", START_REQUEST },
	{ "OPTIONS ?", START_REQUEST },
	{ "PRI * HTTP/2", START_H2 },
};

static bool byte_fits(char pat, char c)
{
	if (pat == '#')
		return c >= '0' && c <= '9';
	if (pat == '?')
		return c == '/' || c == 'h' || c == '*';
	return pat == c;
}

int http1_start_kind(const char *p, size_t n, unsigned kinds)
{
	int need_more = 0;
	for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
		if (!(kinds & (unsigned)starts[k].kind))
			continue;
		const char *pat = starts[k].pat;
		size_t len = strlen(pat), i = 0;
		while (i < len && i < n && byte_fits(pat[i], p[i]))
			i++;
		if (i == len)
			return starts[k].kind;
		if (i == n)
			need_more = START_NEED_MORE;
	}
	return need_more ? START_NEED_MORE : START_NONE;
}

int http1_sync_scan(struct http1_sync *s, unsigned kinds, const char *p, size_t n,
		    size_t *off, char carried[HTTP1_SYNC_CARRY], size_t *carry_len, uint64_t *skipped)
{
	*skipped = 0;
	*carry_len = 0;
	*off = 0;
	if (s->carry_len) {
		char tmp[2 * HTTP1_SYNC_CARRY];
		size_t cl = s->carry_len, m = n < HTTP1_SYNC_CARRY ? n : HTTP1_SYNC_CARRY;
		memcpy(tmp, s->carry, cl);
		memcpy(tmp + cl, p, m);
		int k = http1_start_kind(tmp, cl + m, kinds);
		if (k == START_NEED_MORE) {
			/* still too short: cl + n < the longest pattern < carry size */
			memcpy(s->carry + cl, p, n);
			s->carry_len += n;
			return START_NONE;
		}
		s->carry_len = 0;
		if (k != START_NONE) {
			memcpy(carried, s->carry, cl);
			*carry_len = cl;
			return k;
		}
		*skipped += cl;
	}
	/* Candidates: line starts, and the chunk's own start: one SSL_write
	 * or SSL_read usually begins where a message does. */
	size_t i = 0;
	while (i < n) {
		int k = http1_start_kind(p + i, n - i, kinds);
		if (k == START_NEED_MORE) {
			memcpy(s->carry, p + i, n - i);
			s->carry_len = n - i;
			*skipped += i;
			return START_NONE;
		}
		if (k != START_NONE) {
			*off = i;
			*skipped += i;
			return k;
		}
		const char *nl = memchr(p + i, '\n', n - i);
		if (!nl)
			break;
		i = (size_t)(nl - p) + 1;
	}
	*skipped += n;
	return START_NONE;
}
