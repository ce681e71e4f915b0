/* Echoing what a user typed, or what a file holds, in a message. Messages
 * go to a terminal, where a raw control byte (ESC) can rewrite the screen
 * and a 1,000-character name buries the message: every echo of user input
 * (probe-map parser, command line) goes through here. */
#ifndef TERM_QUOTE_H
#define TERM_QUOTE_H

#include <stddef.h>
#include <string.h>

#define QUOTE_MAX_CHARS 40 /* input bytes shown before the cut */
/* Room for the worst case: every byte as \xNN, the quotes, the cut note. */
#define QUOTE_BUF (QUOTE_MAX_CHARS * 4 + 48)

/* Writes `n` bytes of `s` into `out` as printable ASCII: bytes 0x20..0x7e
 * as they are (a backslash as \\), every other byte (control bytes, DEL,
 * anything non-ASCII such as a UTF-8 byte-order mark) as \xNN. Never cuts
 * but at outlen (which it always NUL-terminates). Returns out. */
const char *term_escape(char *out, size_t outlen, const char *s, size_t n);

/* The same in single quotes (a quote inside as \'), cut after
 * QUOTE_MAX_CHARS input bytes with the length said: 'abc...'... (1000 bytes).
 * Returns out; outlen QUOTE_BUF always suffices. */
const char *quote_for_terminal(char *out, size_t outlen, const char *s, size_t n);

/* For a format argument: a buffer that lives until the end of the
 * enclosing block (the statement that prints it). */
#define QUOTE(s, n) quote_for_terminal((char[QUOTE_BUF]){0}, QUOTE_BUF, (s), (n))
#define QUOTE_STR(s) QUOTE((s), strlen(s))

#endif
