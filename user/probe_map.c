/* Probe-map parser (README.md, "Probe maps"). One pass, line by line, over a
 * private copy of the text; the first bad line stops it with
 * "PATH:LINE: message" and nothing of the half-built map survives. This
 * file: lines, directives, bindings; probe_map_attr.c: attribute lines;
 * probe_map_file.c: reading the file. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "probe_map_int.h"

int perr(struct parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->shown_name ? p->shown_name : "?", p->line, msg);
	return -1;
}

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


/* usdt:PROVIDER:NAME or a function symbol, into a binding already counted in pm->n. */
static int parse_location(struct parser *p, struct pm_binding *b, char *s, int n)
{
	if (!strncmp(s, "python:", 7))
		return pm_py_parse_location(p, b, s, n);
	if (!strncmp(s, "node:", 5))
		return pm_node_parse_location(p, b, s, n);
	if (strncmp(s, "usdt:", 5)) {
		/* C identifiers, plus '.' (foo.cold) and '@' (symbol versions) */
		if (isdigit((unsigned char)*s) || (int)strspn(s, IDENT_CHARS ".@") != n)
			return perr(p, "bad function name %s (expected a symbol or usdt:PROVIDER:NAME)",
				    QUOTE(s, (size_t)n));
		return (b->symbol = strndup(s, n)) ? 0 : perr(p, "out of memory");
	}
	/* The colon is looked at before anything after it: the location may
	 * end the text ("usdt:x" and no newline). */
	const char *prov = s + 5, *colon = prov + strspn(prov, IDENT_CHARS), *name = colon + (*colon == ':');
	int pn = (int)(colon - prov), nn = (int)strspn(name, IDENT_CHARS);

	if (!pn || *colon != ':' || !nn || name + nn != s + n)
		return perr(p, "bad USDT probe %s (expected usdt:PROVIDER:NAME)", QUOTE(s, (size_t)n));
	b->usdt_provider = strndup(prov, pn);
	b->usdt_name = strndup(name, nn);
	return b->usdt_provider && b->usdt_name ? 0 : perr(p, "out of memory");
}

/* A span on USDT probes: `usdt:P:START usdt:P:DONE` (query__start /
 * query__done, function__entry / function__return), nested per thread like
 * function spans. */
static int parse_usdt_done(struct parser *p, struct pm_binding *b, char *s, int n)
{
	struct pm_binding d = {0};

	if (!b->usdt_provider)
		return perr(p, "a second location is the USDT probe that ends the span: the first must be one too "
			    "(span OP usdt:P:START usdt:P:DONE)");
	if (b->kind != PM_SPAN)
		return perr(p, "a point fires once: one location");
	if (strncmp(s, "usdt:", 5))
		return perr(p, "expected usdt:PROVIDER:NAME for the probe that ends the span, got %s", QUOTE(s, (size_t)n));
	if (parse_location(p, &d, s, n))
		return -1;
	int same_prov = !strcmp(d.usdt_provider, b->usdt_provider), same_name = !strcmp(d.usdt_name, b->usdt_name);

	free(d.usdt_provider);
	if (!same_prov || same_name) {
		free(d.usdt_name);
		return perr(p, same_name ? "the span starts and ends at the same probe %s"
					 : "the probes that start and end a span are of one provider: %s",
			    QUOTE(s, (size_t)n));
	}
	b->usdt_done = d.usdt_name;
	return 0;
}

static bool same(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

/* Two bindings of one location put two probes on one address, and their
 * entries and returns corrupt each other's calls (one binding counts none,
 * the other returns without entry and abandoned frames). Caught here when
 * the text is the same; two names of one address only resolve to it later. */
static int check_location_unique(struct parser *p, const struct pm_binding *b, const char *loc, int n)
{
	for (const struct pm_binding *o = p->pm->bindings; o < b; o++) {
		if (!same(o->object, b->object) || !same(o->symbol, b->symbol) ||
		    !same(o->usdt_provider, b->usdt_provider) || !same(o->usdt_name, b->usdt_name))
			continue;
		return perr(p, "%s%s%s already bound at %s:%d (%s): one binding per function or USDT probe",
			    QUOTE(loc, (size_t)n), b->object ? " in " : "", b->object ? QUOTE_STR(b->object) : "",
			    p->shown_name, o->line, catalog_ops[o->op].name);
	}
	return 0;
}

/* span|point OPERATION LOCATION, `s` just past the keyword. */
static int parse_binding(struct parser *p, char *s, enum pm_kind kind)
{
	struct probe_map *pm = p->pm;
	struct pm_binding *b;
	char opname[64];
	int n = token_len(s = skip_ws(s)), op = -1;

	if (!n)
		return perr(p, "expected '%s OPERATION LOCATION'", kind == PM_SPAN ? "span" : "point");
	if (n < (int)sizeof(opname)) {
		snprintf(opname, sizeof(opname), "%.*s", n, s);
		op = catalog_find_op(opname);
	}
	if (op < 0)
		return perr(p, "unknown operation %s (see --list-ops)", QUOTE(s, (size_t)n));
	if (catalog_ops[op].point != (kind == PM_POINT)) {
		const char *k = catalog_ops[op].point ? "point" : "span";

		return perr(p, "'%s' is a %s operation: use '%s'", opname, k, k);
	}
	if (!(n = token_len(s = skip_ws(s + n))))
		return perr(p, "expected a function name or usdt:PROVIDER:NAME after '%s'", opname);
	char *done = skip_ws(s + n);
	int dn = token_len(done);

	if (*skip_ws(done + dn))
		return perr(p, "unexpected %s after the location", QTOK(skip_ws(done + dn)));
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
	if (parse_location(p, b, s, n))
		return -1;
	if (kind == PM_SPAN && b->usdt_provider && !dn)
		return perr(p, "a span on USDT probes needs the probe that ends it: span %s usdt:P:START usdt:P:DONE",
			    opname);
	if (dn && parse_usdt_done(p, b, done, dn))
		return -1;
	return check_location_unique(p, b, s, n);
}

static int parse_object(struct parser *p, char *s)
{
	int n = token_len(s = skip_ws(s));

	if (!n)
		return perr(p, "expected 'object PATH'");
	if (*skip_ws(s + n))
		return perr(p, "unexpected %s after the object path", QTOK(skip_ws(s + n)));
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
		return pm_parse_attr(p, s);
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
	return perr(p, "unknown directive %s (expected span, point or object%s)", QTOK(s),
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
static int probe_map_check_attrs(const struct probe_map *pm, const char *shown_name, FILE *warn)
{
	int nwarn = 0;

	for (size_t i = 0; warn && i < pm->n; i++) {
		const struct pm_binding *b = &pm->bindings[i];
		const char *def = catalog_ops[b->op].default_attr, *keys[32];
		int n = catalog_op_metric_attrs(b->op, keys, 32);

		for (int k = 0; k < n; k++) {
			if ((def && !strcmp(keys[k], def)) || binds_key(b, keys[k]))
				continue;
			fprintf(warn, "mcp-bpftrace: warning: %s:%d: %s binding does not bind %s, which its metrics read\n",
				shown_name, b->line, catalog_ops[b->op].name, keys[k]);
			nwarn++;
		}
	}
	return nwarn;
}

/* The line of byte `at`, counted from 1. */
static int line_of(const char *text, size_t at)
{
	int line = 1;

	for (const char *s = text; (s = memchr(s, '\n', at - (size_t)(s - text))); s++)
		line++;
	return line;
}

/* Parses the lines of buf (NUL-terminated, a private copy) into p->pm. */
static int parse_lines(struct parser *p, char *buf)
{
	int rc = 0;

	for (char *line = buf, *next; line && !rc; line = next) {
		p->line++;
		if ((next = strchr(line, '\n')))
			*next++ = 0;
		rc = parse_line(p, line);
	}
	return rc;
}

int probe_map_parse_bytes(const char *text, size_t len, const char *name, bool capture_content,
			  FILE *warn, struct probe_map *out, char *err, size_t errlen)
{
	struct parser p = {.name = name, .capture_content = capture_content, .pm = out,
			   .err = err, .errlen = errlen};
	size_t namelen = strlen(name), shown_len = namelen * 4 + 1;
	const char *nul;
	char *buf = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if ((p.shown_name = malloc(shown_len)))
		term_escape(p.shown_name, shown_len, name, namelen);
	/* An editor's UTF-8 byte-order mark says nothing to the parser. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		text += 3, len -= 3;
	nul = memchr(text, 0, len);
	if (!p.shown_name || !(out->path = strdup(name)) || !(buf = strndup(text, len))) {
		rc = perr(&p, "out of memory");
	} else if (nul) {
		/* A text file holds none: it would cut the map short, silently. */
		p.line = line_of(text, (size_t)(nul - text));
		rc = perr(&p, "NUL byte: a probe map is a text file");
	} else if (!(rc = parse_lines(&p, buf)) && !out->n) {
		snprintf(err, errlen, "%s: no bindings", p.shown_name);
		rc = -1;
	} else if (!rc) {
		rc = pm_py_finish(&p);
	}
	if (!rc)
		probe_map_check_attrs(out, p.shown_name, warn);
	free(buf);
	free(p.object);
	free(p.shown_name);
	if (rc) {
		probe_map_free(out);
		return -1;
	}
	return 0;
}

int probe_map_parse(const char *text, const char *name, bool capture_content,
		    struct probe_map *out, char *err, size_t errlen)
{
	return probe_map_parse_bytes(text, strlen(text), name, capture_content, stderr, out, err, errlen);
}

void probe_map_free(struct probe_map *pm)
{
	for (size_t i = 0; i < pm->n; i++) {
		struct pm_binding *b = &pm->bindings[i];

		free(b->object);
		free(b->symbol);
		free(b->usdt_provider);
		free(b->usdt_name);
		free(b->usdt_done);
		free(b->py_module);
		free(b->py_qualname);
		free(b->node_module);
		free(b->node_path);
		for (int c = 0; c < b->ncaps; c++)
			pm_free_capture(&b->caps[c]);
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
