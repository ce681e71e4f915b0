/* Inside the probe-map parser: what probe_map.c (lines, bindings) and
 * probe_map_attr.c (the indented attribute lines) share. Not for others. */
#ifndef PROBE_MAP_INT_H
#define PROBE_MAP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "probe_map.h"
#include "term_quote.h"

#define IDENT_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
#define BLANKS " \t\r" /* \r: files edited on Windows */

struct parser {
	const char *name;
	char *shown_name; /* name as messages show it (term_escape) */
	bool capture_content;
	struct probe_map *pm;
	char *object; /* last `object` directive; NULL = the target's executable */
	int line;
	char *err;
	size_t errlen;
	/* Per binding: slots handed out, and the `content` keys left out (kept
	 * so that a duplicate key is an error with or without --capture-content). */
	int nvals, nstrs;
	struct { char key[PM_KEY_LEN]; int line; } dropped[PM_MAX_CAPTURES];
	int ndropped;
};

/* "PATH:LINE: message" into p->err; returns -1. */
int __attribute__((format(printf, 2, 3))) perr(struct parser *p, const char *fmt, ...);

static inline char *skip_ws(char *s) { return s + strspn(s, BLANKS); }
static inline bool is_word_char(char c) { return c && strchr(IDENT_CHARS ".", c); }
/* A word: keys, operations, types, labels, keywords. */
static inline int word_len(const char *s) { return (int)strspn(s, IDENT_CHARS "."); }
/* Up to the next blank: operations, locations, paths. */
static inline int token_len(const char *s) { return (int)strcspn(s, BLANKS); }
/* The token at `s`, quoted for a message (term_quote.h). */
#define QTOK(s) QUOTE((s), (size_t)token_len(s))
static inline bool word_is(const char *s, int n, const char *w) { return (size_t)n == strlen(w) && !strncmp(s, w, n); }
/* The binding being parsed: the last one. */
static inline struct pm_binding *current(struct parser *p) { return &p->pm->bindings[p->pm->n - 1]; }

/* An indented line (KEY = SOURCE ..., KEY = "constant", fail if ...) of the
 * current binding; `s` at its first non-blank. probe_map_attr.c */
int pm_parse_attr(struct parser *p, char *s);
void pm_free_capture(struct pm_capture *c);

/* python: bindings (probe_map_python.c): the location (`s` at "python:",
 * n bytes), a capture's source after '=', `fail if raises` after "fail",
 * and the default error.type once every line is read. */
int pm_py_parse_location(struct parser *p, struct pm_binding *b, char *s, int n);
int pm_py_parse_capture(struct parser *p, char *s, struct pm_capture *c);
int pm_py_parse_fail(struct parser *p, char *s, struct pm_capture *c);
int pm_py_finish(struct parser *p);
/* node:MODULE:PATH (probe_map_node.c); its attribute lines are python:'s. */
int pm_node_parse_location(struct parser *p, struct pm_binding *b, char *s, int n);

#endif
