/* uprobe/USDT call records -> calls. */
#ifndef UPROBE_DECODE_H
#define UPROBE_DECODE_H

#include <stddef.h>
#include "call.h"

/* Decodes record `r` (`len` bytes as received) through its binding `b`: a
 * start record has no return-time captures yet. -1 for a record whose
 * length does not match its header. */
int uprobe_decode(struct call *c, const struct mcp_call_rec *r, size_t len,
		  const struct pm_binding *b);

/* The same for a record as it comes off the ring: its type and binding
 * checked against the probe map first. */
int uprobe_decode_record(struct call *c, const void *data, size_t len, const struct probe_map *pm);

#endif
