/* The uprobe/USDT source: the probe map's bindings on functions and USDT
 * probes of the targets (loader.c), records decoded by uprobe_decode.c. */
#ifndef UPROBE_SOURCE_H
#define UPROBE_SOURCE_H

#include "source/source.h"

extern const struct source_ops uprobe_source_ops;

#endif
