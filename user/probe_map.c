/* Probe-map parser (README.md, "Probe maps"). One pass, line by line, over a
 * private copy of the text; the first bad line stops it with
 * "PATH:LINE: message" and nothing of the half-built map survives. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "probe_map.h"

#define SHOW 40 /* at most this many characters of a bad token in messages */
#define IDENT_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
#define BLANKS " \t\r" /* \r: files edited on Windows */

struct parser {
	const char *name;
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

static int __attribute__((format(printf, 2, 3))) perr(struct parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->name, p->line, msg);
	return -1;
}

static char *skip_ws(char *s) { return s + strspn(s, BLANKS); }
static bool is_word_char(char c) { return c && strchr(IDENT_CHARS ".", c); }
/* A word: keys, operations, types, labels, keywords. */
static int word_len(const char *s) { return (int)strspn(s, IDENT_CHARS "."); }
/* Up to the next blank: operations, locations, paths. */
static int token_len(const char *s) { return (int)strcspn(s, BLANKS); }
static int clamp(int n) { return n < SHOW ? n : SHOW; }
/* How much of the token at `s` a message quotes. */
static int shown(const char *s) { return clamp(token_len(s)); }
static bool word_is(const char *s, int n, const char *w) { return (size_t)n == strlen(w) && !strncmp(s, w, n); }
static struct pm_binding *current(struct parser *p) { return &p->pm->bindings[p->pm->n - 1]; }

/* Cuts the line at a `#` outside a quoted constant. Escapes are skipped the
 * way parse_constant reads them, so both agree on where a constant ends. */
static void strip_comment(char *s)
{
	bool quoted = false;

	for (; *s; s++) {
		if (quoted && *s == '\\' && s[1])
			s++;
		else if (*s == '"')
			quoted = !quoted;
		else if (*s == '#' && !quoted)
			break;
	}
	*s = 0;
}

/* Decimal or 0x hexadecimal, optionally negative. A leading 0 stays decimal
 * (no octal): offsets are copied from struct dumps, where 010 means ten. */
static bool parse_number(char **s, long long *v)
{
	char *p = *s + (**s == '-'), *end;
	bool neg = p != *s, hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
	unsigned long long u;

	p += hex ? 2 : 0;
	if (!(hex ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p)))
		return false;
	errno = 0;
	u = strtoull(p, &end, hex ? 16 : 10);
	if (errno || is_word_char(*end) || u > (unsigned long long)LLONG_MAX + neg)
		return false;
	*v = neg ? (long long)(0 - u) : (long long)u;
	*s = end;
	return true;
}

static void free_capture(struct pm_capture *c)
{
	free(c->constant);
	c->constant = NULL;
	for (int i = 0; i < c->nlabels; i++)
		free(c->labels[i]);
	c->nlabels = 0;
}

/* argN, ret, argN[OFF] or ret[OFF], then an optional @entry. */
static int parse_source(struct parser *p, char **s, struct src *src)
{
	char *c = *s;
	int n = word_len(c);
	long long off;

	if (word_is(c, n, "ret")) {
		src->ret = true;
	} else if (n >= 4 && !strncmp(c, "arg", 3) && (int)strspn(c + 3, "0123456789") == n - 3) {
		if (n != 4 || c[3] > '5')
			return perr(p, "argument index %.*s out of range (arg0..arg5)", clamp(n - 3), c + 3);
		src->arg = c[3] - '0';
	} else {
		return perr(p, "expected a source (argN, ret, argN[OFF], ret[OFF]) or a \"constant\", found '%.*s'",
			    shown(c), c);
	}
	c += n;
	if (*c == '[') {
		c = skip_ws(c + 1);
		if (!parse_number(&c, &off) || off < INT_MIN || off > INT_MAX)
			return perr(p, "bad offset '%.*s' (expected a decimal or 0x hex number)",
				    clamp((int)strcspn(c, "]" BLANKS)), c);
		c = skip_ws(c);
		if (*c++ != ']')
			return perr(p, "expected ']' after the offset");
		src->mem = true;
		src->off = (int)off;
	}
	if (*c == '@') {
		if (strncmp(c, "@entry", 6) || is_word_char(c[6]))
			return perr(p, "unknown qualifier '%.*s' (expected @entry)", shown(c), c);
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
			return perr(p, "expected an enum label (letters, digits, '_', '.') at '%.*s'", shown(q), q);
		if (c->nlabels == PM_MAX_LABELS)
			return perr(p, "too many enum labels (at most %d)", PM_MAX_LABELS);
		if (!(c->labels[c->nlabels++] = strndup(q, n)))
			return perr(p, "out of memory");
		q = skip_ws(q + n);
	} while (*q == '|');
	if (*q != ')')
		return perr(p, "expected '|' or ')' in enum(...), found '%.*s'", shown(q), q);
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
	return perr(p, "unknown type '%.*s' (expected int, uint, long, ulong, short, char, bool, "
		    "double, float, str, strptr or enum(a|b|...))", shown(q), q);
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
		return perr(p, "unexpected '%.*s' (expected SOURCE [@entry] [as TYPE] [content])", shown(s), s);
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
		return perr(p, "unexpected '%.*s' after the constant", shown(s), s);
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
		return perr(p, "expected a comparison (< <= == != > >=), found '%.*s'", shown(s), s);
	s = skip_ws(s + strlen(cmps[k].op));
	if (!parse_number(&s, &b->fail.value))
		return perr(p, "bad number '%.*s' (expected a decimal or 0x hex number)", shown(s), s);
	s = skip_ws(s);
	if (*s)
		return perr(p, "unexpected '%.*s' after 'fail if'", shown(s), s);
	b->fail.cmp = cmps[k].cmp;
	return set_spec(p, PM_SPAN, &src, c);
}

static int check_duplicate(struct parser *p, const char *key)
{
	struct pm_binding *b = current(p);

	for (int i = 0; i < b->ncaps; i++)
		if (!strcmp(b->caps[i].key, key))
			return perr(p, "duplicate attribute '%s' (first on line %d)", key, b->caps[i].line);
	for (int i = 0; i < p->ndropped; i++)
		if (!strcmp(p->dropped[i].key, key))
			return perr(p, "duplicate attribute '%s' (first on line %d)", key, p->dropped[i].line);
	return 0;
}

/* An indented line into `c`: KEY = SOURCE ..., KEY = "constant" or fail if ... */
static int parse_attr_line(struct parser *p, char *s, struct pm_capture *c)
{
	int n = word_len(s);
	char *after = skip_ws(s + n);

	if (*after != '=' && word_is(s, n, "fail"))
		return parse_fail(p, s + n, c);
	if (*after != '=' && (word_is(s, n, "span") || word_is(s, n, "point") || word_is(s, n, "object")))
		return perr(p, "'%.*s' lines start at column 0 (indented lines are attributes)", n, s);
	if (!n || !(isalpha((unsigned char)*s) || *s == '_') || !strchr(BLANKS "=", s[n]))
		return perr(p, "bad attribute key '%.*s' (expected [A-Za-z_][A-Za-z0-9_.]*)",
			    clamp((int)strcspn(s, BLANKS "=")), s);
	if (n >= PM_KEY_LEN)
		return perr(p, "attribute key too long (at most %d characters)", PM_KEY_LEN - 1);
	memcpy(c->key, s, n);
	if (check_duplicate(p, c->key))
		return -1;
	if (*after != '=')
		return perr(p, "expected '=' after '%s'", c->key);
	s = skip_ws(after + 1);
	if (!*s)
		return perr(p, "expected a source or a \"constant\" after '='");
	return *s == '"' ? parse_constant(p, s, c) : parse_capture(p, s, c);
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
	free_capture(c);
	return rc;
}

static int parse_attr(struct parser *p, char *s)
{
	struct pm_binding *b = current(p);
	struct pm_capture c = {.line = p->line};
	int before = b->ncaps;

	if (parse_attr_line(p, s, &c)) {
		free_capture(&c);
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

/* usdt:PROVIDER:NAME or a function symbol, into a binding already counted in pm->n. */
static int parse_location(struct parser *p, struct pm_binding *b, char *s, int n)
{
	if (strncmp(s, "usdt:", 5)) {
		/* C identifiers, plus '.' (foo.cold) and '@' (symbol versions) */
		if (isdigit((unsigned char)*s) || (int)strspn(s, IDENT_CHARS ".@") != n)
			return perr(p, "bad function name '%.*s' (expected a symbol or usdt:PROVIDER:NAME)",
				    clamp(n), s);
		return (b->symbol = strndup(s, n)) ? 0 : perr(p, "out of memory");
	}
	if (b->kind != PM_POINT)
		return perr(p, "USDT probes bind point operations only");
	const char *prov = s + 5, *name = prov + strspn(prov, IDENT_CHARS) + 1;
	int pn = (int)(name - prov) - 1, nn = (int)strspn(name, IDENT_CHARS);

	if (!pn || name[-1] != ':' || !nn || name + nn != s + n)
		return perr(p, "bad USDT probe '%.*s' (expected usdt:PROVIDER:NAME)", clamp(n), s);
	b->usdt_provider = strndup(prov, pn);
	b->usdt_name = strndup(name, nn);
	return b->usdt_provider && b->usdt_name ? 0 : perr(p, "out of memory");
}

/* span|point OPERATION LOCATION, `s` just past the keyword. */
static int parse_binding(struct parser *p, char *s, enum pm_kind kind)
{
	struct probe_map *pm = p->pm;
	struct pm_binding *b;
	char opname[SHOW + 1];
	int n = token_len(s = skip_ws(s)), op;

	if (!n)
		return perr(p, "expected '%s OPERATION LOCATION'", kind == PM_SPAN ? "span" : "point");
	snprintf(opname, sizeof(opname), "%.*s", clamp(n), s);
	if ((op = n < SHOW ? catalog_find_op(opname) : -1) < 0)
		return perr(p, "unknown operation '%s' (see --list-ops)", opname);
	if (catalog_ops[op].point != (kind == PM_POINT)) {
		const char *k = catalog_ops[op].point ? "point" : "span";

		return perr(p, "'%s' is a %s operation: use '%s'", opname, k, k);
	}
	if (!(n = token_len(s = skip_ws(s + n))))
		return perr(p, "expected a function name or usdt:PROVIDER:NAME after '%s'", opname);
	if (*skip_ws(s + n))
		return perr(p, "unexpected '%.*s' after the location", shown(skip_ws(s + n)), skip_ws(s + n));
	if (pm->n == MCP_MAX_BINDINGS)
		return perr(p, "too many bindings (at most %d)", MCP_MAX_BINDINGS);
	if (!(b = realloc(pm->bindings, (pm->n + 1) * sizeof(*b))))
		return perr(p, "out of memory");
	pm->bindings = b;
	b = &pm->bindings[pm->n++];
	*b = (struct pm_binding){.line = p->line, .kind = kind, .op = op, .error_type_cap = -1};
	b->fail.cap = -1;
	p->nvals = p->nstrs = p->ndropped = 0;
	if (p->object && !(b->object = strdup(p->object)))
		return perr(p, "out of memory");
	return parse_location(p, b, s, n);
}

static int parse_object(struct parser *p, char *s)
{
	int n = token_len(s = skip_ws(s));

	if (!n)
		return perr(p, "expected 'object PATH'");
	if (*skip_ws(s + n))
		return perr(p, "unexpected '%.*s' after the object path", shown(skip_ws(s + n)), skip_ws(s + n));
	free(p->object);
	return (p->object = strndup(s, n)) ? 0 : perr(p, "out of memory");
}

static int parse_line(struct parser *p, char *line)
{
	char *s;
	int n;

	strip_comment(line);
	s = skip_ws(line);
	if (!*s)
		return 0;
	if (s != line) {
		if (!p->pm->n)
			return perr(p, "indented line before any binding (attributes go under a span or point line)");
		return parse_attr(p, s);
	}
	n = word_len(s);
	if (strchr(BLANKS, s[n])) { /* also at the NUL */
		if (word_is(s, n, "span"))
			return parse_binding(p, s + n, PM_SPAN);
		if (word_is(s, n, "point"))
			return parse_binding(p, s + n, PM_POINT);
		if (word_is(s, n, "object"))
			return parse_object(p, s + n);
	}
	return perr(p, "unknown directive '%.*s' (expected span, point or object%s)", shown(s), s,
		    strchr(s, '=') ? "; attribute lines are indented" : "");
}

static bool binds_key(const struct pm_binding *b, const char *key)
{
	for (int i = 0; i < b->ncaps; i++)
		if (!strcmp(b->caps[i].key, key))
			return true;
	return false;
}

/* Warns about attributes the operation's metrics read but the binding leaves
 * out (a dropped `content` capture counts as left out: it is, in this run).
 * Not an error: the metric still counts, under an empty attribute value. */
static int probe_map_check_attrs(const struct probe_map *pm, FILE *warn)
{
	int nwarn = 0;

	for (size_t i = 0; i < pm->n; i++) {
		const struct pm_binding *b = &pm->bindings[i];
		const char *def = catalog_ops[b->op].default_attr, *keys[32];
		int n = catalog_op_metric_attrs(b->op, keys, 32);

		for (int k = 0; k < n; k++) {
			if ((def && !strcmp(keys[k], def)) || binds_key(b, keys[k]))
				continue;
			fprintf(warn, "mcp-bpftrace: warning: %s:%d: %s binding does not bind %s, which its metrics read\n",
				pm->path, b->line, catalog_ops[b->op].name, keys[k]);
			nwarn++;
		}
	}
	return nwarn;
}

int probe_map_parse(const char *text, const char *name, bool capture_content,
		    struct probe_map *out, char *err, size_t errlen)
{
	struct parser p = {.name = name, .capture_content = capture_content, .pm = out,
			   .err = err, .errlen = errlen};
	char *buf = strdup(text), *line, *next;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!buf || !(out->path = strdup(name)))
		rc = perr(&p, "out of memory");
	for (line = buf; line && !rc; line = next) {
		p.line++;
		if ((next = strchr(line, '\n')))
			*next++ = 0;
		rc = parse_line(&p, line);
	}
	if (!rc && !out->n) {
		snprintf(err, errlen, "%s: no bindings", name);
		rc = -1;
	}
	free(buf);
	free(p.object);
	if (rc) {
		probe_map_free(out);
		return -1;
	}
	probe_map_check_attrs(out, stderr);
	return 0;
}

/* The whole file (up to a NUL byte, which a text file has none of); NULL
 * with errno set on failure. getdelim also reads pipes such as /dev/stdin. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int e;

	if (!f)
		return NULL;
	errno = 0;
	n = getdelim(&buf, &cap, 0, f);
	e = ferror(f) || errno || !buf ? (errno ? errno : ENOMEM) : 0;
	fclose(f);
	if (n < 0 && e) {
		free(buf);
		errno = e;
		return NULL;
	}
	if (n < 0) /* empty file */
		*buf = 0;
	return buf;
}

int probe_map_load(const char *path, bool capture_content, struct probe_map *out,
		   char *err, size_t errlen)
{
	char *text = read_file(path);
	int rc;

	if (!text) {
		memset(out, 0, sizeof(*out));
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	rc = probe_map_parse(text, path, capture_content, out, err, errlen);
	free(text);
	return rc;
}

void probe_map_free(struct probe_map *pm)
{
	for (size_t i = 0; i < pm->n; i++) {
		struct pm_binding *b = &pm->bindings[i];

		free(b->object);
		free(b->symbol);
		free(b->usdt_provider);
		free(b->usdt_name);
		for (int c = 0; c < b->ncaps; c++)
			free_capture(&b->caps[c]);
	}
	free(pm->bindings);
	free(pm->path);
	memset(pm, 0, sizeof(*pm));
}

void probe_map_to_spec(const struct pm_binding *b, bool emit_start, struct mcp_binding_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->flags = (b->kind == PM_POINT ? MCP_BIND_POINT : 0) | (emit_start ? MCP_BIND_EMIT_START : 0);
	spec->op = (unsigned short)b->op;
	for (int i = 0; i < b->ncaps && spec->ncaps < MCP_MAX_CAPS; i++) {
		const struct pm_capture *c = &b->caps[i];

		if (c->type == PT_CONST)
			continue;
		spec->caps[spec->ncaps++] = c->spec;
		if ((c->type == PT_STR || c->type == PT_STRPTR) && c->spec.slot + 1 > spec->nstrs)
			spec->nstrs = c->spec.slot + 1;
	}
}
