/* The probe-map location of Node.js bindings (README.md, "Node.js
 * functions"): node:MODULE:PATH, e.g.
 * node:./agents.js:AgentCoordinator.prototype.coordinate. MODULE is what
 * the program's require() would be given from its working directory
 * (./file.js, ../lib/x.js, /abs/file.js) or a require.cache key / package
 * name; PATH a dotted path of JavaScript identifiers from the module's
 * exports to the function. The attribute lines are those of python:
 * bindings (probe_map_python.c): param NAME (by the function's parameter
 * names, or argN), len(param NAME), ret, ret.FIELD, fail if raises (a
 * throw or a rejected promise). */
#include <stdlib.h>
#include <string.h>
#include "probe_map_int.h"

#define JS_IDENT_FIRST "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$"
#define JS_IDENT_CHARS IDENT_CHARS "$"
/* Module specifiers: paths and package names; no ':' (it ends MODULE). */
#define JS_MODULE_CHARS IDENT_CHARS "$./@-+~"

/* IDENT(.IDENT)* of JavaScript identifiers (ASCII) spanning exactly n bytes. */
static bool js_dotted(const char *s, int n)
{
	const char *end = s + n;

	while (s < end) {
		if (!strchr(JS_IDENT_FIRST, *s))
			return false;
		s += strspn(s, JS_IDENT_CHARS);
		if (s > end)
			return false;
		if (s == end)
			return true;
		if (*s++ != '.' || s == end)
			return false;
	}
	return false;
}

int pm_node_parse_location(struct parser *p, struct pm_binding *b, char *s, int n)
{
	char *mod = s + 5, *end = s + n, *colon = memchr(mod, ':', (size_t)(end - mod));
	size_t ml = colon ? (size_t)(colon - mod) : 0;

	if (!colon || !ml || strspn(mod, JS_MODULE_CHARS) < ml ||
	    !js_dotted(colon + 1, (int)(end - colon - 1)))
		return perr(p, "bad Node.js location %s (expected node:MODULE:PATH, e.g. "
			    "node:./agents.js:AgentCoordinator.prototype.coordinate)",
			    QUOTE(s, (size_t)n));
	b->node_module = strndup(mod, ml);
	b->node_path = strndup(colon + 1, (size_t)(end - colon - 1));
	b->symbol = strndup(mod, (size_t)(end - mod)); /* MODULE:PATH, as rows show it */
	b->builtin = "node"; /* served through the inspector (source/node), not uprobes */
	free(b->object);
	b->object = NULL;
	return b->node_module && b->node_path && b->symbol ? 0 : perr(p, "out of memory");
}
