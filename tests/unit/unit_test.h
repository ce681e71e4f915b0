/* A few assertion macros shared by the unit tests. Failures print where and
 * what, execution goes on, and UNIT_DONE() ends main() with the tally. */
#ifndef UNIT_TEST_H
#define UNIT_TEST_H

#include <stdio.h>
#include <string.h>

static int unit_passed __attribute__((unused));
static int unit_failed __attribute__((unused));

#define UNIT_PASS() (unit_passed++)
#define UNIT_FAIL(...)                                            \
	do {                                                      \
		unit_failed++;                                    \
		fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                     \
		fputc('\n', stderr);                              \
	} while (0)

#define CHECK(cond)                                  \
	do {                                         \
		if (cond)                            \
			UNIT_PASS();                 \
		else                                 \
			UNIT_FAIL("CHECK(%s)", #cond); \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                          \
	do {                                                                        \
		long long a_ = (long long)(a), b_ = (long long)(b);                 \
		if (a_ == b_)                                                       \
			UNIT_PASS();                                                \
		else                                                                \
			UNIT_FAIL("%s == %s: %lld != %lld", #a, #b, a_, b_);        \
	} while (0)

/* NULL only equals NULL. */
#define CHECK_STR_EQ(a, b)                                                            \
	do {                                                                          \
		const char *a_ = (a), *b_ = (b);                                      \
		if (a_ == b_ || (a_ && b_ && !strcmp(a_, b_)))                        \
			UNIT_PASS();                                                  \
		else                                                                  \
			UNIT_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", \
				  b_ ? b_ : "(null)");                                \
	} while (0)

#define CHECK_STR_PREFIX(s, prefix)                                                  \
	do {                                                                         \
		const char *s_ = (s), *p_ = (prefix);                                \
		if (s_ && !strncmp(s_, p_, strlen(p_)))                              \
			UNIT_PASS();                                                 \
		else                                                                 \
			UNIT_FAIL("\"%s\" starts with \"%s\"", s_ ? s_ : "(null)", p_); \
	} while (0)

#define CHECK_STR_HAS(s, needle)                                                   \
	do {                                                                       \
		const char *s_ = (s), *n_ = (needle);                              \
		if (s_ && strstr(s_, n_))                                          \
			UNIT_PASS();                                               \
		else                                                               \
			UNIT_FAIL("\"%s\" contains \"%s\"", s_ ? s_ : "(null)", n_); \
	} while (0)

#define UNIT_DONE()                                                     \
	do {                                                            \
		printf("%d passed, %d failed\n", unit_passed, unit_failed); \
		return unit_failed ? 1 : 0;                             \
	} while (0)

#endif
