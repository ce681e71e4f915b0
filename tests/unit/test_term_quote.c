/* Unit tests of user/term_quote.c: what messages echo of user input. */
#include <stdio.h>
#include <string.h>
#include "term_quote.h"
#include "unit_test.h"

static void test_quote(void)
{
	char big[2000], out[QUOTE_BUF];

	CHECK_STR_EQ(QUOTE_STR("abc"), "'abc'");
	CHECK_STR_EQ(QUOTE_STR(""), "''");
	CHECK_STR_EQ(QUOTE("abcdef", 3), "'abc'");
	CHECK_STR_EQ(QUOTE_STR("it's a\\b"), "'it\\'s a\\\\b'");
	CHECK_STR_EQ(QUOTE_STR("\x1b[2J\t\r\n\x7f"), "'\\x1b[2J\\x09\\x0d\\x0a\\x7f'");
	CHECK_STR_EQ(QUOTE_STR("\xef\xbb\xbfspan"), "'\\xef\\xbb\\xbfspan'");
	CHECK_STR_EQ(QUOTE_STR("h\xc3\xa9"), "'h\\xc3\\xa9'"); /* non-ASCII: escaped too */
	CHECK_STR_EQ(QUOTE("a\0b", 3), "'a\\x00b'");
	CHECK_STR_EQ(QUOTE(NULL, 5), "''");

	/* Exactly QUOTE_MAX_CHARS: whole; one more: cut, and the length said. */
	memset(big, 'x', sizeof(big));
	big[QUOTE_MAX_CHARS] = 0;
	quote_for_terminal(out, sizeof(out), big, QUOTE_MAX_CHARS);
	CHECK_EQ_INT(strlen(out), QUOTE_MAX_CHARS + 2);
	quote_for_terminal(out, sizeof(out), big, 1999);
	CHECK_STR_HAS(out, "'... (1999 bytes)");
	CHECK_EQ_INT(strlen(out), QUOTE_MAX_CHARS + 2 + strlen("... (1999 bytes)"));

	/* The worst case fits QUOTE_BUF: every byte escaped, and the cut. */
	memset(big, 0x1b, sizeof(big));
	quote_for_terminal(out, sizeof(out), big, (size_t)-1 / 2);
	CHECK_EQ_INT(strlen(out), 1 + 4 * QUOTE_MAX_CHARS + strlen("'... (9223372036854775807 bytes)"));

	/* Small buffers: cut short, always terminated, never overrun. */
	char small[8];

	memset(small, 'z', sizeof(small));
	quote_for_terminal(small, 2, "abc", 3);
	CHECK_STR_EQ(small, "");
	quote_for_terminal(small, sizeof(small), "abcdef", 6);
	CHECK(strlen(small) < sizeof(small));
	CHECK_STR_PREFIX(small, "'");
}

static void test_escape(void)
{
	char out[16];

	CHECK_STR_EQ(term_escape(out, sizeof(out), "a/b.probes", 10), "a/b.probes");
	CHECK_STR_EQ(term_escape(out, sizeof(out), "a\x1b" "b", 3), "a\\x1bb");
	CHECK_STR_EQ(term_escape(out, sizeof(out), "it's", 4), "it's"); /* no quotes: ' stays */
	/* Never half an escape at the end of the buffer. */
	CHECK_STR_EQ(term_escape(out, 8, "abcd\x1b", 5), "abcd");
	CHECK_STR_EQ(term_escape(out, 1, "abc", 3), "");
}

int main(void)
{
	test_quote();
	test_escape();
	UNIT_DONE();
}
