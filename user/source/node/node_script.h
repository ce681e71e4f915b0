/* The script injected into a Node.js target for the probe map's node:
 * bindings (node_wrapper_js.h applied to a JSON table of them). */
#ifndef NODE_SCRIPT_H
#define NODE_SCRIPT_H

#include "probe_map.h"

/* The bindings served by the Node.js injector (builtin "node"). */
int node_bindings_count(const struct probe_map *pm);

/* The JavaScript expression (malloc'd) that wraps pm's node: bindings and
 * takes the lease: connects to 127.0.0.1:port and sends token. NULL when
 * out of memory. */
char *node_script_build(const struct probe_map *pm, unsigned short port, const char *token);

/* The expression that puts the originals back now (a second evaluate; the
 * lease does the same without one). */
extern const char node_restore_js[];

#endif
