/* libFuzzer: the probe-map parser (user/probe_map*.c) on any bytes, as
 * probe_map_load hands a file's to it, with and without --capture-content.
 * Checks beyond the sanitizers': a failure leaves nothing behind and says
 * "NAME:LINE: ..." in printable ASCII; a success gives bindings whose specs
 * stay inside the BPF side's limits.
 * fuzz-covers: user/probe_map.c user/probe_map_attr.c user/term_quote.c */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "probe_map.h"

static void check_ok(const struct probe_map *pm)
{
	if (!pm->n || pm->n > MCP_MAX_BINDINGS || strcmp(pm->path, "f.probes"))
		abort();
	for (size_t i = 0; i < pm->n; i++) {
		const struct pm_binding *b = &pm->bindings[i];
		struct mcp_binding_spec spec;

		if (b->op < 0 || b->op >= catalog_nops || b->ncaps > PM_MAX_CAPTURES ||
		    !b->symbol == !b->usdt_name || !b->usdt_name != !b->usdt_provider)
			abort();
		probe_map_to_spec(b, true, &spec);
		if (spec.ncaps > MCP_MAX_CAPS || spec.nstrs > MCP_MAX_STRS)
			abort();
		for (int c = 0; c < spec.ncaps; c++)
			if (spec.caps[c].arg > 5 || spec.caps[c].slot >= MCP_MAX_CAPS)
				abort();
	}
}

static void check_err(const char *err)
{
	if (strncmp(err, "f.probes", 8))
		abort();
	for (const char *s = err; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink; /* the warnings of the second pass: written, not kept */

	if (!sink && !(sink = fopen("/dev/null", "w")))
		abort();
	for (int content = 0; content < 2; content++) {
		struct probe_map pm;
		char err[1024] = "";

		if (probe_map_parse_bytes((const char *)data, size, "f.probes", content, content ? sink : NULL,
					  &pm, err, sizeof(err)) == 0) {
			check_ok(&pm);
			probe_map_free(&pm);
		} else {
			if (pm.n || pm.bindings || pm.path)
				abort();
			check_err(err);
		}
	}
	return 0;
}
