/* Probe-map lines of python: bindings (README.md, "Python functions
 * (--inject)"): the location python:MODULE:QUALNAME and the attribute
 * sources a wrapper reads by name (param NAME[.FIELD|["KEY"]],
 * len(param NAME), ret[.FIELD|["KEY"]]), `fail if raises`, and the default
 * error.type (the exception's type name). A capture still gets a slot and a
 * spec like a native one, so that a marker record decodes as a uprobe
 * record does (source/uprobe/uprobe_decode.c); only py_* says what to read. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "probe_map_int.h"

#define PY_IDENT_FIRST "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
#define PY_KEY_CHARS IDENT_CHARS "-."

/* A Python identifier (ASCII): its length, 0 when `s` does not start one. */
static int ident_len(const char *s)
{
	return *s && strchr(PY_IDENT_FIRST, *s) ? (int)strspn(s, IDENT_CHARS) : 0;
}

/* IDENT(.IDENT)* spanning exactly n bytes. */
static bool dotted(const char *s, int n)
{
	const char *end = s + n;

	for (;;) {
		int k = ident_len(s);

		if (!k || s + k > end)
			return false;
		s += k;
		if (s == end)
			return true;
		if (*s++ != '.')
			return false;
	}
}

int pm_py_parse_location(struct parser *p, struct pm_binding *b, char *s, int n)
{
	char *mod = s + 7, *end = s + n, *colon = memchr(mod, ':', (size_t)(end - mod));

	if (!colon || !dotted(mod, (int)(colon - mod)) || !dotted(colon + 1, (int)(end - colon - 1)))
		return perr(p, "bad Python location %s (expected python:MODULE:QUALNAME, e.g. "
			    "python:mcp.agents:AgentCoordinator.coordinate)", QUOTE(s, (size_t)n));
	b->py_module = strndup(mod, (size_t)(colon - mod));
	b->py_qualname = strndup(colon + 1, (size_t)(end - colon - 1));
	b->symbol = strndup(mod, (size_t)(end - mod)); /* MODULE:QUALNAME, as rows show it */
	b->builtin = "python"; /* served by the python source, not the uprobe loader */
	/* An `object` directive above names an ELF for native bindings. */
	free(b->object);
	b->object = NULL;
	return b->py_module && b->py_qualname && b->symbol ? 0 : perr(p, "out of memory");
}

/* .FIELD or ["KEY"] after a source, one level. */
static int parse_access(struct parser *p, char **s, struct pm_capture *c)
{
	char *q = *s;
	int n;

	if (*q == '.') {
		if (!(n = ident_len(q + 1)))
			return perr(p, "expected a field name after '.', found %s", QTOK(q + 1));
		if (q[1 + n] == '.' || q[1 + n] == '[')
			return perr(p, "one level of field or key only: %s", QTOK(q));
		c->py_field = strndup(q + 1, (size_t)n);
		*s = q + 1 + n;
		return c->py_field ? 0 : perr(p, "out of memory");
	}
	if (*q != '[')
		return 0;
	q = skip_ws(q + 1);
	n = *q == '"' ? (int)strspn(q + 1, PY_KEY_CHARS) : 0;
	if (!n || q[1 + n] != '"')
		return perr(p, "expected [\"KEY\"] (KEY of letters, digits, '_', '-', '.'), found %s", QTOK(*s));
	c->py_field = strndup(q + 1, (size_t)n);
	c->py_key = true;
	q = skip_ws(q + 2 + n);
	if (*q != ']')
		return perr(p, "expected ']' after the key");
	*s = q + 1;
	return c->py_field ? 0 : perr(p, "out of memory");
}

/* `param NAME`, the part after `param`. */
static int parse_param(struct parser *p, char **s, struct pm_capture *c)
{
	char *q = skip_ws(*s);
	int n = ident_len(q);

	if (q == *s || !n)
		return perr(p, "expected a parameter name after 'param', found %s", QTOK(q));
	if (!(c->py_name = strndup(q, (size_t)n)))
		return perr(p, "out of memory");
	*s = q + n;
	return 0;
}

static const struct { const char *name; enum pm_type type; } py_types[] = {
	{"str", PT_STR}, {"int", PT_LONG}, {"float", PT_DOUBLE}, {"bool", PT_BOOL},
};

static int parse_py_type(struct parser *p, char **s, struct pm_capture *c)
{
	char *q = skip_ws(*s);
	int n = word_len(q);

	for (size_t i = 0; i < sizeof(py_types) / sizeof(py_types[0]); i++) {
		if (word_is(q, n, py_types[i].name)) {
			c->type = py_types[i].type;
			*s = q + n;
			return 0;
		}
	}
	return perr(p, "unknown type %s for a Python value (expected str, int, float or bool)", QTOK(q));
}

/* The source of a capture: param ..., len(param NAME), ret ... */
static int parse_py_source(struct parser *p, char **s, struct pm_capture *c)
{
	char *q = *s;
	int n = ident_len(q);

	if (word_is(q, n, "param")) {
		c->py_src = PY_PARAM;
		q += n;
		if (parse_param(p, &q, c) || parse_access(p, &q, c))
			return -1;
	} else if (word_is(q, n, "len") && *skip_ws(q + n) == '(') {
		c->py_src = PY_PARAM_LEN;
		q = skip_ws(skip_ws(q + n) + 1);
		if (!word_is(q, ident_len(q), "param"))
			return perr(p, "expected len(param NAME), found %s", QTOK(*s));
		q += 5;
		if (parse_param(p, &q, c))
			return -1;
		q = skip_ws(q);
		if (*q++ != ')')
			return perr(p, "expected ')' after len(param %s", c->py_name);
		c->type = PT_LONG;
	} else if (word_is(q, n, "ret")) {
		if (current(p)->kind == PM_POINT)
			return perr(p, "ret is not available to a point (it fires at function entry)");
		c->py_src = PY_RET;
		q += n;
		if (parse_access(p, &q, c))
			return -1;
	} else {
		return perr(p, "expected a Python source (param NAME, param NAME.FIELD, len(param NAME), "
			    "ret, ret.FIELD, ret[\"KEY\"]) or a \"constant\", found %s", QTOK(q));
	}
	*s = q;
	return 0;
}

int pm_py_parse_capture(struct parser *p, char *s, struct pm_capture *c)
{
	int n;

	if (parse_py_source(p, &s, c))
		return -1;
	s = skip_ws(s);
	n = word_len(s);
	if (word_is(s, n, "as")) {
		if (c->py_src == PY_PARAM_LEN)
			return perr(p, "len(...) is an int: no 'as TYPE'");
		s += n;
		if (parse_py_type(p, &s, c))
			return -1;
		s = skip_ws(s);
		n = word_len(s);
	}
	if (word_is(s, n, "content")) {
		c->content = true;
		s = skip_ws(s + n);
	}
	if (*s)
		return perr(p, "unexpected %s (expected SOURCE [as str|int|float|bool] [content])", QTOK(s));
	if (!c->type)
		c->type = PT_STR;
	c->spec.src = c->py_src == PY_RET ? MCP_SRC_RET_MEM : MCP_SRC_ARG_MEM;
	c->spec.when = c->py_src == PY_RET ? MCP_AT_RETURN : MCP_AT_ENTRY;
	c->spec.read = c->type == PT_STR ? MCP_READ_STR : MCP_READ_NUM;
	c->spec.size = c->type == PT_BOOL ? 1 : 8;
	return 0;
}

int pm_py_parse_fail(struct parser *p, char *s, struct pm_capture *c)
{
	struct pm_binding *b = current(p);
	int n;

	if (b->kind != PM_SPAN)
		return perr(p, "'fail if' applies to spans only (a point does not fail)");
	if (b->fail.present)
		return perr(p, "second 'fail if' (first on line %d)", b->caps[b->fail.cap].line);
	s = skip_ws(s);
	n = word_len(s);
	if (word_is(s, n, "if")) {
		s = skip_ws(s + n);
		n = word_len(s);
	}
	if (!word_is(s, n, "raises") || *skip_ws(s + n))
		return perr(p, "a Python binding fails with 'fail if raises' (the only form), found %s",
			    QTOK(s));
	/* The hidden value: 1 when the call raised, compared != 0. */
	c->type = PT_BOOL;
	c->py_src = PY_RAISED;
	c->spec = (struct mcp_cap_spec){.src = MCP_SRC_RET, .when = MCP_AT_RETURN, .read = MCP_READ_NUM, .size = 1};
	b->fail.cmp = PM_NE;
	b->fail.value = 0;
	return 0;
}

/* After the last line: a python: binding with `fail if raises` and no
 * error.type of its own gets the exception's type name. */
int pm_py_finish(struct parser *p)
{
	for (size_t i = 0; i < p->pm->n; i++) {
		struct pm_binding *b = &p->pm->bindings[i];
		int ncap = 0, nstr = 0;

		if (!pm_by_name(b) || !b->fail.present || b->error_type_cap >= 0)
			continue;
		for (int k = 0; k < b->ncaps; k++) {
			if (b->caps[k].type == PT_CONST)
				continue;
			ncap++;
			nstr += b->caps[k].type == PT_STR;
		}
		p->line = b->caps[b->fail.cap].line;
		if (ncap == MCP_MAX_CAPS || nstr == MCP_MAX_STRS || b->ncaps == PM_MAX_CAPTURES)
			return perr(p, "no capture left for error.type, the exception's type name "
				    "(at most %d captures, %d strings): bind error.type or drop an attribute",
				    MCP_MAX_CAPS, MCP_MAX_STRS);
		struct pm_capture *c = &b->caps[b->ncaps];

		*c = (struct pm_capture){.type = PT_STR, .py_src = PY_EXC_TYPE, .line = p->line};
		strcpy(c->key, "error.type");
		c->spec = (struct mcp_cap_spec){.src = MCP_SRC_RET_MEM, .when = MCP_AT_RETURN,
						.read = MCP_READ_STR, .slot = (unsigned char)nstr};
		b->error_type_cap = b->ncaps++;
	}
	return 0;
}
