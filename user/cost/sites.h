/* Which instruction each binding's probe sits on, in the targets' files:
 * a 5-byte nop costs a patched call, anything else a trap (calibrate.h). */
#ifndef COST_SITES_H
#define COST_SITES_H

#include "probe_map.h"
#include "cost/induced.h"

/* Fills b[i].site for the function bindings of the probe map (USDT ones
 * are COST_SITE_USDT already); a file or symbol it cannot find keeps the
 * trap (COST_SITE_INT3): the loader found them, so this is rare. Reads
 * ELF symbol tables: run off the main thread. */
void cost_sites_resolve(const struct probe_map *pm, struct cost_binding *b, int nb,
			const struct source_target *t, int nt);

#endif
