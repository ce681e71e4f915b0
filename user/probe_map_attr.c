/* Probe-map attribute lines (README.md, "Probe maps"): the indented lines
 * under a binding, KEY = SOURCE [@entry] [as TYPE] [content], KEY = "text"
 * and fail if SOURCE OP NUMBER. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "probe_map_int.h"


/* The parsed source of a capture, before it becomes a struct mcp_cap_spec. */
struct src {
	bool ret;   /* ret rather than argN */
	int arg;
	bool mem;   /* [OFF]: memory behind the pointer */
	int off;
	bool entry; /* @entry */
};

/* Type names and the bytes read from memory (0 for strings: MCP_STR_LEN). */
static const struct { const char *name; unsigned char size; } types[] = {
	[PT_INT] = {"int", 4}, [PT_UINT] = {"uint", 4}, [PT_LONG] = {"long", 8},
	[PT_ULONG] = {"ulong", 8}, [PT_SHORT] = {"short", 2}, [PT_CHAR] = {"char", 1},
	[PT_BOOL] = {"bool", 1}, [PT_DOUBLE] = {"double", 8}, [PT_FLOAT] = {"float", 4},
	[PT_STR] = {"str", 0}, [PT_STRPTR] = {"strptr", 0}, [PT_ENUM] = {"enum", 4},
};

static const struct { const char *op; enum pm_cmp cmp; } cmps[] = {
	{"<=", PM_LE}, {">=", PM_GE}, {"==", PM_EQ}, {"!=", PM_NE}, {"<", PM_LT}, {">", PM_GT},
};
#define NCMPS (int)(sizeof(cmps) / sizeof(cmps[0]))

enum num { NUM_OK, NUM_BAD, NUM_RANGE };

/* Decimal or 0x hexadecimal, optionally negative. A leading 0 stays decimal
 * (no octal): offsets are copied from struct dumps, where 010 means ten.
 * NUM_RANGE: a number, but not one a long long holds. */
static enum num parse_number(char **s, long long *v)
{
	char *p = *s + (**s == '-'), *end;
	bool neg = p != *s, hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
	unsigned long long u;

	p += hex ? 2 : 0;
	if (!(hex ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p)))
		return NUM_BAD;
	errno = 0;
	u = strtoull(p, &end, hex ? 16 : 10);
	if (is_word_char(*end))
		return NUM_BAD;
	if (errno || u > (unsigned long long)LLONG_MAX + neg)
		return NUM_RANGE;
	*v = neg ? (long long)(0 - u) : (long long)u;
	*s = end;
	return NUM_OK;
}

void pm_free_capture(struct pm_capture *c)
{
	free(c->constant);
	c->constant = NULL;
	free(c->py_name);
	free(c->py_field);
	c->py_name = c->py_field = NULL;
	for (int i = 0; i < c->nlabels; i++)
		free(c->labels[i]);
	c->nlabels = 0;
}

/* argN, ret, argN[OFF] or ret[OFF], then an optional @entry. */
static int parse_source(struct parser *p, char **s, struct src *src)
{
	char *c = *s;
	int n = word_len(c);
	long long off = 0;
	enum num e;

	if (word_is(c, n, "ret")) {
		src->ret = true;
	} else if (n >= 4 && !strncmp(c, "arg", 3) && (int)strspn(c + 3, "0123456789") == n - 3) {
		if (n != 4 || c[3] > '5')
			return perr(p, "argument index %s out of range (arg0..arg5)", QUOTE(c + 3, (size_t)n - 3));
		src->arg = c[3] - '0';
	} else {
		return perr(p, "expected a source (argN, ret, argN[OFF], ret[OFF]) or a \"constant\", found %s",
			    QTOK(c));
	}
	c += n;
	if (*c == '[') {
		const char *num = c = skip_ws(c + 1);

		if ((e = parse_number(&c, &off)) == NUM_BAD)
			return perr(p, "bad offset %s (expected a decimal or 0x hex number)",
				    QUOTE(num, strcspn(num, "]" BLANKS)));
		/* The BPF side adds it to a pointer as an int. */
		if (e == NUM_RANGE || off < INT_MIN || off > INT_MAX)
			return perr(p, "offset %s out of range (%d..%d)", QUOTE(num, strcspn(num, "]" BLANKS)),
				    INT_MIN, INT_MAX);
		c = skip_ws(c);
		if (*c++ != ']')
			return perr(p, "expected ']' after the offset");
		src->mem = true;
		src->off = (int)off;
	}
	if (*c == '@') {
		if (strncmp(c, "@entry", 6) || is_word_char(c[6]))
			return perr(p, "unknown qualifier %s (expected @entry)", QTOK(c));
		src->entry = true;
		c += 6;
	}
	*s = c;
	return 0;
}

/* (LABEL|LABEL|...) after `enum`: value 0 is the first label. */
static int parse_enum_labels(struct parser *p, char **s, struct pm_capture *c)
{
	char *q = *s;
	int n;

	if (*q != '(')
		return perr(p, "expected enum(LABEL|LABEL|...)");
	do {
		q = skip_ws(q + 1);
		if (!(n = word_len(q)))
			return perr(p, "expected an enum label (letters, digits, '_', '.') at %s", QTOK(q));
		if (c->nlabels == PM_MAX_LABELS)
			return perr(p, "too many enum labels (at most %d)", PM_MAX_LABELS);
		if (!(c->labels[c->nlabels++] = strndup(q, n)))
			return perr(p, "out of memory");
		q = skip_ws(q + n);
	} while (*q == '|');
	if (*q != ')')
		return perr(p, "expected '|' or ')' in enum(...), found %s", QTOK(q));
	*s = q + 1;
	return 0;
}

static int parse_type(struct parser *p, char **s, struct pm_capture *c)
{
	char *q = skip_ws(*s);
	int n = word_len(q);

	for (int t = PT_INT; t <= PT_ENUM; t++) {
		if (!word_is(q, n, types[t].name))
			continue;
		c->type = t;
		*s = q + n;
		return t == PT_ENUM ? parse_enum_labels(p, s, c) : 0;
	}
	if (!*q)
		return perr(p, "expected a type after 'as'");
	return perr(p, "unknown type %s (expected int, uint, long, ulong, short, char, bool, "
		    "double, float, str, strptr or enum(a|b|...))", QTOK(q));
}

/* SOURCE [as TYPE], leaving `s` at what follows and c->type 0 without `as`. */
static int parse_typed_source(struct parser *p, char **s, struct src *src, struct pm_capture *c)
{
	int n;

	if (parse_source(p, s, src))
		return -1;
	*s = skip_ws(*s);
	n = word_len(*s);
	if (word_is(*s, n, "as")) {
		*s += n;
		if (parse_type(p, s, c))
			return -1;
		*s = skip_ws(*s);
	}
	return 0;
}

/* Refuses what the BPF side cannot read, then fills c->spec but its slot. */
static int set_spec(struct parser *p, enum pm_kind kind, const struct src *src, struct pm_capture *c)
{
	struct mcp_cap_spec *sp = &c->spec;

	if (kind == PM_POINT && src->ret)
		return perr(p, "ret is not available to a point (it fires at function entry)");
	if (src->ret && current(p)->usdt_provider)
		return perr(p, "ret is not available to a span on USDT probes (no function returns)");
	if (src->entry && kind == PM_POINT)
		return perr(p, "@entry applies to spans only (a point reads everything at entry)");
	if (src->entry && !src->mem)
		return perr(p, "@entry applies to memory sources (argN[OFF]); registers are read at entry anyway");
	if (src->entry && src->ret)
		return perr(p, "ret[OFF]@entry: the return value is only known at return");
	if (!src->mem && (c->type == PT_DOUBLE || c->type == PT_FLOAT))
		return perr(p, "floating-point arguments are in SSE registers uprobes cannot read; "
			    "capture them through memory (argN[OFF] as double)");
	if (src->ret)
		sp->src = src->mem ? MCP_SRC_RET_MEM : MCP_SRC_RET;
	else
		sp->src = src->mem ? MCP_SRC_ARG_MEM : MCP_SRC_ARG;
	sp->arg = src->arg;
	sp->off = src->off;
	sp->read = c->type == PT_STR ? MCP_READ_STR : c->type == PT_STRPTR ? MCP_READ_STRPTR : MCP_READ_NUM;
	/* Registers get their type's size too: the BPF side copies the whole
	 * register regardless, user space truncates by it. */
	sp->size = types[c->type].size;
	/* A span reads argument registers at entry (they are gone by return) but
	 * memory at return, where out-parameters have been filled in. */
	sp->when = kind == PM_SPAN && (src->ret || (src->mem && !src->entry)) ? MCP_AT_RETURN : MCP_AT_ENTRY;
	return 0;
}

/* SOURCE [@entry] [as TYPE] [content] */
static int parse_capture(struct parser *p, char *s, struct pm_capture *c)
{
	struct src src = {0};
	int n;

	if (parse_typed_source(p, &s, &src, c))
		return -1;
	c->type = c->type ? c->type : PT_LONG;
	n = word_len(s);
	if (word_is(s, n, "content")) {
		c->content = true;
		s = skip_ws(s + n);
	}
	if (*s)
		return perr(p, "unexpected %s (expected SOURCE [@entry] [as TYPE] [content])", QTOK(s));
	return set_spec(p, current(p)->kind, &src, c);
}

/* "text": \" and \\ escape a quote and a backslash; other backslashes stay. */
static int parse_constant(struct parser *p, char *s, struct pm_capture *c)
{
	char *out = malloc(strlen(s) + 1);
	size_t n = 0;

	if (!out)
		return perr(p, "out of memory");
	for (s++; *s && *s != '"'; s++) {
		if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
			s++;
		out[n++] = *s;
	}
	out[n] = 0;
	c->type = PT_CONST;
	c->constant = out;
	if (!*s)
		return perr(p, "unterminated constant (missing closing '\"')");
	s = skip_ws(s + 1);
	if (*s)
		return perr(p, "unexpected %s after the constant", QTOK(s));
	return 0;
}

/* fail if SRC [as TYPE] OP NUMBER, `s` just past "fail": the compared value
 * becomes the hidden capture `c` (key ""), the test goes to the binding. */
static int parse_fail(struct parser *p, char *s, struct pm_capture *c)
{
	struct pm_binding *b = current(p);
	struct src src = {0};
	int n, k = 0;

	if (b->kind != PM_SPAN)
		return perr(p, "'fail if' applies to spans only (a point does not fail)");
	if (b->fail.present)
		return perr(p, "second 'fail if' (first on line %d)", b->caps[b->fail.cap].line);
	s = skip_ws(s);
	n = word_len(s);
	if (!word_is(s, n, "if"))
		return perr(p, "expected 'fail if SRC OP NUMBER'");
	s = skip_ws(s + n);
	if (parse_typed_source(p, &s, &src, c))
		return -1;
	if (!src.ret && !src.mem)
		return perr(p, "'fail if' reads ret, ret[OFF] or argN[OFF], not an argument register");
	/* A C function that reports failure in its return value mostly returns int. */
	if (!c->type)
		c->type = src.ret && !src.mem ? PT_INT : PT_LONG;
	if (c->type > PT_BOOL)
		return perr(p, "'fail if' compares integers: the type must be int, uint, long, ulong, short, char or bool");
	while (k < NCMPS && strncmp(s, cmps[k].op, strlen(cmps[k].op)))
		k++;
	if (k == NCMPS)
		return perr(p, "expected a comparison (< <= == != > >=), found %s", QTOK(s));
	s = skip_ws(s + strlen(cmps[k].op));
	switch (parse_number(&s, &b->fail.value)) {
	case NUM_OK: break;
	case NUM_BAD: return perr(p, "bad number %s (expected a decimal or 0x hex number)", QTOK(s));
	case NUM_RANGE: return perr(p, "number %s out of range (a 64-bit integer)", QTOK(s));
	}
	s = skip_ws(s);
	if (*s)
		return perr(p, "unexpected %s after 'fail if'", QTOK(s));
	b->fail.cmp = cmps[k].cmp;
	return set_spec(p, PM_SPAN, &src, c);
}

static int check_duplicate(struct parser *p, const char *key)
{
	struct pm_binding *b = current(p);

	for (int i = 0; i < b->ncaps; i++)
		if (!strcmp(b->caps[i].key, key))
			return perr(p, "duplicate attribute %s (first on line %d)", QUOTE_STR(key), b->caps[i].line);
	for (int i = 0; i < p->ndropped; i++)
		if (!strcmp(p->dropped[i].key, key))
			return perr(p, "duplicate attribute %s (first on line %d)", QUOTE_STR(key), p->dropped[i].line);
	return 0;
}

/* An indented line into `c`: KEY = SOURCE ..., KEY = "constant" or fail if ... */
static int parse_attr_line(struct parser *p, char *s, struct pm_capture *c)
{
	int n = word_len(s);
	char *after = skip_ws(s + n);

	if (*after != '=' && word_is(s, n, "fail"))
		return pm_by_name(current(p)) ? pm_py_parse_fail(p, s + n, c) : parse_fail(p, s + n, c);
	if (*after != '=' && (word_is(s, n, "span") || word_is(s, n, "point") || word_is(s, n, "object")))
		return perr(p, "%s lines start at column 0 (indented lines are attributes)", QUOTE(s, (size_t)n));
	if (!n || !(isalpha((unsigned char)*s) || *s == '_') || !strchr(BLANKS "=", s[n]))
		return perr(p, "bad attribute key %s (expected [A-Za-z_][A-Za-z0-9_.]*)",
			    QUOTE(s, strcspn(s, BLANKS "=")));
	if (n >= PM_KEY_LEN)
		return perr(p, "attribute key too long (at most %d characters)", PM_KEY_LEN - 1);
	memcpy(c->key, s, n);
	if (check_duplicate(p, c->key))
		return -1;
	if (*after != '=')
		return perr(p, "expected '=' after %s", QUOTE_STR(c->key));
	s = skip_ws(after + 1);
	if (!*s)
		return perr(p, "expected a source or a \"constant\" after '='");
	if (*s == '"')
		return parse_constant(p, s, c);
	return pm_by_name(current(p)) ? pm_py_parse_capture(p, s, c) : parse_capture(p, s, c);
}

/* Moves `c` into the current binding (or drops it: `content` without
 * --capture-content) and hands out its slot. Owns `c` on every path. */
static int add_capture(struct parser *p, struct pm_capture *c)
{
	struct pm_binding *b = current(p);
	bool str = c->type == PT_STR || c->type == PT_STRPTR;
	int rc = 0;

	if (b->ncaps + p->ndropped == PM_MAX_CAPTURES) {
		rc = perr(p, "too many attributes (at most %d)", PM_MAX_CAPTURES);
	} else if (c->content && !p->capture_content) {
		memcpy(p->dropped[p->ndropped].key, c->key, PM_KEY_LEN);
		p->dropped[p->ndropped++].line = c->line;
	} else if (c->type != PT_CONST &&
		   (p->nvals + p->nstrs == MCP_MAX_CAPS || (str && p->nstrs == MCP_MAX_STRS))) {
		rc = perr(p, "too many captures (at most %d, of which %d strings)", MCP_MAX_CAPS, MCP_MAX_STRS);
	} else {
		if (c->type != PT_CONST)
			c->spec.slot = str ? p->nstrs++ : p->nvals++;
		b->caps[b->ncaps++] = *c;
		return 0;
	}
	pm_free_capture(c);
	return rc;
}

int pm_parse_attr(struct parser *p, char *s)
{
	struct pm_binding *b = current(p);
	struct pm_capture c = {.line = p->line};
	int before = b->ncaps;

	if (parse_attr_line(p, s, &c)) {
		pm_free_capture(&c);
		return -1;
	}
	if (add_capture(p, &c))
		return -1;
	if (b->ncaps == before) /* dropped */
		return 0;
	if (!c.key[0]) {
		b->fail.present = true;
		b->fail.cap = before;
	} else if (!strcmp(c.key, "error.type")) {
		b->error_type_cap = before;
	}
	return 0;
}
