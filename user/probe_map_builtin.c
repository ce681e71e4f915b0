/* Bindings the built-in sources add to the probe map (probe_map.h). */
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "probe_map.h"

int probe_map_add_builtin(struct probe_map *pm, int op, const char *source, const char *label)
{
	struct pm_binding *v = realloc(pm->bindings, (pm->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	pm->bindings = v;
	struct pm_binding *b = &v[pm->n];

	memset(b, 0, sizeof(*b));
	b->kind = catalog_ops[op].point ? PM_POINT : PM_SPAN;
	b->op = op;
	b->builtin = source;
	b->error_type_cap = -1;
	b->symbol = strdup(label);
	if (!b->symbol)
		return -1;
	return (int)pm->n++;
}
