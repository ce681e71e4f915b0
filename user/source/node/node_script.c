/* node_script_build: the binding table as JSON, applied to the wrapper. */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "source/node/node_script.h"
#include "source/node/node_wrapper_js.h"

const char node_restore_js[] =
	"(() => { const k = Symbol.for('mcp-bpftrace.node');"
	" if (!globalThis[k]) return 'none'; globalThis[k].restore(); return 'restored'; })()";

int node_bindings_count(const struct probe_map *pm)
{
	int n = 0;

	for (size_t i = 0; i < pm->n; i++)
		n += pm->bindings[i].builtin && !strcmp(pm->bindings[i].builtin, "node");
	return n;
}

static const char *src_name(const struct pm_capture *c)
{
	switch (c->py_src) {
	case PY_PARAM: return "param";
	case PY_PARAM_LEN: return "len";
	case PY_RET: return "ret";
	case PY_EXC_TYPE: return "exc";
	case PY_RAISED: return "raised"; /* `fail if raises`: 1 when it threw */
	default: return NULL;
	}
}

static const char *type_name(enum pm_type t)
{
	switch (t) {
	case PT_STR: return "s";
	case PT_DOUBLE: return "f";
	case PT_BOOL: return "b";
	default: return "i";
	}
}

/* One binding: {id, mod, path, point, nstrs, caps: [{src, name, field, key,
 * type, slot, bit, when}]}; bit numbers the non-constant captures as the
 * BPF spec does (probe_map_to_spec), which is what `failed` bits index. */
static cJSON *binding_json(const struct pm_binding *b, int id)
{
	cJSON *o = cJSON_CreateObject(), *caps = cJSON_AddArrayToObject(o, "caps");
	struct mcp_binding_spec spec;
	int bit = 0;

	probe_map_to_spec(b, false, &spec);
	cJSON_AddNumberToObject(o, "id", id);
	cJSON_AddStringToObject(o, "mod", b->node_module);
	cJSON_AddStringToObject(o, "path", b->node_path);
	cJSON_AddBoolToObject(o, "point", b->kind == PM_POINT);
	cJSON_AddNumberToObject(o, "nstrs", spec.nstrs);
	for (int k = 0; k < b->ncaps; k++) {
		const struct pm_capture *c = &b->caps[k];

		if (c->type == PT_CONST)
			continue;
		const char *src = src_name(c);

		if (src) {
			cJSON *j = cJSON_CreateObject();

			cJSON_AddStringToObject(j, "src", src);
			if (c->py_name)
				cJSON_AddStringToObject(j, "name", c->py_name);
			if (c->py_field)
				cJSON_AddStringToObject(j, "field", c->py_field);
			cJSON_AddBoolToObject(j, "key", c->py_key);
			cJSON_AddStringToObject(j, "type", type_name(c->type));
			cJSON_AddNumberToObject(j, "slot", c->spec.slot);
			cJSON_AddNumberToObject(j, "bit", bit);
			cJSON_AddNumberToObject(j, "when", c->spec.when);
			cJSON_AddItemToArray(caps, j);
		}
		bit++;
	}
	return o;
}

char *node_script_build(const struct probe_map *pm, unsigned short port, const char *token)
{
	cJSON *arr = cJSON_CreateArray(), *name = cJSON_CreateObject(), *fmt = cJSON_CreateObject();
	char *table, *lname, *ftext, *out = NULL;

	for (size_t i = 0; i < pm->n; i++)
		if (pm->bindings[i].builtin && !strcmp(pm->bindings[i].builtin, "node"))
			cJSON_AddItemToArray(arr, binding_json(&pm->bindings[i], (int)i));
	cJSON_AddNumberToObject(fmt, "magic", MCP_PY_MAGIC);
	cJSON_AddNumberToObject(fmt, "version", MCP_PY_VERSION);
	cJSON_AddNumberToObject(fmt, "entry", MCP_PY_ENTRY);
	cJSON_AddNumberToObject(fmt, "ret", MCP_PY_RETURN);
	cJSON_AddNumberToObject(fmt, "raise", MCP_PY_RAISE);
	cJSON_AddNumberToObject(fmt, "point", MCP_PY_POINT);
	cJSON_AddNumberToObject(fmt, "aentry", MCP_PY_ASYNC_ENTRY);
	cJSON_AddNumberToObject(fmt, "aend", MCP_PY_ASYNC_END);
	cJSON_AddNumberToObject(fmt, "vals", offsetof(struct mcp_py_marker, vals));
	cJSON_AddNumberToObject(fmt, "strs", offsetof(struct mcp_py_marker, strs));
	cJSON_AddNumberToObject(fmt, "strlen", MCP_STR_LEN);
	cJSON_AddNumberToObject(name, "port", port);
	cJSON_AddStringToObject(name, "token", token);
	table = cJSON_PrintUnformatted(arr);
	lname = cJSON_PrintUnformatted(name);
	ftext = cJSON_PrintUnformatted(fmt);
	if (table && lname && ftext &&
	    asprintf(&out, "%s(%s, %s, %s)", node_wrapper_js, table, lname, ftext) < 0)
		out = NULL;
	free(table);
	free(lname);
	free(ftext);
	cJSON_Delete(arr);
	cJSON_Delete(name);
	cJSON_Delete(fmt);
	return out;
}
