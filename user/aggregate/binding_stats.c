#include <stdlib.h>
#include "binding_stats.h"

int binding_stats_init(struct binding_stats *os, const struct probe_map *pm)
{
	os->n = (int)pm->n;
	os->v = calloc(pm->n ? pm->n : 1, sizeof(*os->v));
	if (!os->v)
		return -1;
	for (size_t i = 0; i < pm->n; i++) {
		os->v[i].b = &pm->bindings[i];
		os->v[i].lat = exph_new(160, 20);
	}
	return 0;
}

void binding_stats_free(struct binding_stats *os)
{
	for (int i = 0; i < os->n; i++)
		exph_free(os->v[i].lat);
	free(os->v);
	os->v = NULL;
	os->n = 0;
}

void binding_stats_record(struct binding_stats *os, const struct call *c)
{
	int i = c->rec.binding;

	if (i >= os->n)
		return;
	os->v[i].calls++;
	os->v[i].errors += c->failed;
	os->v[i].capture_errors += c->rec.capture_errors;
	if (c->rec.kind == CALL_END)
		exph_record(os->v[i].lat, (double)(c->rec.end_ns - c->rec.start_ns) / 1e9);
}
