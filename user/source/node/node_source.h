/* The node source: node: bindings through wrappers injected over the
 * inspector (node_source.c). */
#ifndef NODE_SOURCE_H
#define NODE_SOURCE_H

#include "source/source.h"

extern const struct source_ops node_source_ops;

#endif
