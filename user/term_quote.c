/* Quoting user input for messages: see term_quote.h. */
#include <stdbool.h>
#include <stdio.h>
#include "term_quote.h"

/* "'... (18446744073709551615 bytes)" and its NUL. */
#define CUT_NOTE 34

/* Appends one input byte, escaped; false when `out` has no room for it
 * (then nothing of it is written: no half escape). */
static bool put(char *out, size_t outlen, size_t *w, unsigned char c, bool quoted)
{
	char tmp[5];
	int n;

	if (c == '\\' || (quoted && c == '\''))
		n = snprintf(tmp, sizeof(tmp), "\\%c", c);
	else if (c >= 0x20 && c < 0x7f)
		n = snprintf(tmp, sizeof(tmp), "%c", c);
	else
		n = snprintf(tmp, sizeof(tmp), "\\x%02x", c);
	if (*w + (size_t)n >= outlen)
		return false;
	memcpy(out + *w, tmp, (size_t)n);
	*w += (size_t)n;
	return true;
}

static size_t escape(char *out, size_t outlen, const char *s, size_t n, bool quoted)
{
	size_t w = 0;

	for (size_t i = 0; i < n && put(out, outlen, &w, (unsigned char)s[i], quoted); i++)
		;
	out[w] = 0;
	return w;
}

const char *term_escape(char *out, size_t outlen, const char *s, size_t n)
{
	if (!outlen)
		return out;
	escape(out, outlen, s ? s : "", s ? n : 0, false);
	return out;
}

const char *quote_for_terminal(char *out, size_t outlen, const char *s, size_t n)
{
	size_t shown = n > QUOTE_MAX_CHARS ? QUOTE_MAX_CHARS : n, w;

	if (outlen < 3) {
		if (outlen)
			out[0] = 0;
		return out;
	}
	if (!s)
		s = "", n = shown = 0;
	out[0] = '\'';
	/* Room kept for the closing quote and the cut note. */
	w = 1 + escape(out + 1, outlen > CUT_NOTE + 2 ? outlen - 1 - CUT_NOTE : 2, s, shown, true);
	if (n > shown)
		snprintf(out + w, outlen - w, "'... (%zu bytes)", n);
	else
		snprintf(out + w, outlen - w, "'");
	return out;
}
