/* The injected script: the runtime, then a call with the bindings as a
 * Python literal. Names in it come from the probe-map parser, which lets
 * only identifiers, dots and key characters ([A-Za-z0-9_.-]) through, so
 * they are written between quotes as they are. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "source/python/py_script.h"

bool py_script_has_bindings(const struct probe_map *pm)
{
	for (size_t i = 0; pm && i < pm->n; i++)
		if (pm->bindings[i].py_module)
			return true;
	return false;
}

static char src_char(enum pm_py_src s)
{
	switch (s) {
	case PY_PARAM: return 'p';
	case PY_PARAM_LEN: return 'l';
	case PY_RET: return 'r';
	case PY_RAISED: return 'x';
	case PY_EXC_TYPE: return 'e';
	}
	return '?';
}

static char type_char(enum pm_type t)
{
	return t == PT_STR ? 's' : t == PT_DOUBLE ? 'f' : t == PT_BOOL ? 'b' : 'i';
}

/* (bid, 'MODULE', 'QUALNAME', is_point, nstrs, [(spec_index, src, 'NAME',
 * 'FIELD' or None, is_key, type, slot), ...]) */
static void put_binding(FILE *f, const struct pm_binding *b, size_t id)
{
	int nstrs = 0, si = 0;

	for (int i = 0; i < b->ncaps; i++)
		if (b->caps[i].type == PT_STR && b->caps[i].spec.slot + 1 > nstrs)
			nstrs = b->caps[i].spec.slot + 1;
	fprintf(f, "(%zu, '%s', '%s', %s, %d, [", id, b->py_module, b->py_qualname,
		b->kind == PM_POINT ? "True" : "False", nstrs);
	for (int i = 0; i < b->ncaps; i++) {
		const struct pm_capture *c = &b->caps[i];

		if (c->type == PT_CONST)
			continue; /* no spec index: the decoder adds it */
		fprintf(f, "(%d, '%c', '%s', ", si++, src_char(c->py_src), c->py_name ? c->py_name : "");
		if (c->py_field)
			fprintf(f, "'%s', ", c->py_field);
		else
			fputs("None, ", f);
		fprintf(f, "%s, '%c', %u), ", c->py_key ? "True" : "False", type_char(c->type), c->spec.slot);
	}
	fputs("]),\n", f);
}

char *py_script_table(const struct probe_map *pm)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("[\n", f);
	for (size_t i = 0; i < pm->n; i++)
		if (pm->bindings[i].py_module)
			put_binding(f, &pm->bindings[i], i);
	fputs("]", f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *py_script_build(const struct probe_map *pm, const char *run, bool undo)
{
	char *table = undo ? strdup("[]") : py_script_table(pm), *out = NULL;

	if (!table)
		return NULL;
	/* The runtime's function and its call leave no name in __main__. */
	if (asprintf(&out, "%s\ntry:\n    _mcp_bpftrace_run('%s', %s, %s)\nfinally:\n    del _mcp_bpftrace_run\n", py_runtime_text,
		     run, table, undo ? "True" : "False") < 0)
		out = NULL;
	free(table);
	return out;
}
