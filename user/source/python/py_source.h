/* The python source: python: bindings through injected wrappers (py_source.c). */
#ifndef PY_SOURCE_H
#define PY_SOURCE_H

#include "source/source.h"

extern const struct source_ops py_source_ops;

#endif
