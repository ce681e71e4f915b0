/* A shared library the tracer needs only for some options (libcurl for
 * --otlp, libmicrohttpd for --prometheus), loaded when first used instead
 * of linked: a linked library and all it depends on are mapped, relocated
 * and initialised before main() on every run (BENCHMARKS.md, start-up). */
#ifndef MCP_LAZY_LIB_H
#define MCP_LAZY_LIB_H

#include <stdbool.h>
#include <stddef.h>

/* dlopen()s `lib` and looks up each of the n `names` into slots[i]; all of
 * them or none (every slot NULL: a partial set would fail mid-run). */
bool lazy_lib_load(const char *lib, const char *const names[], void *slots[], size_t n);

#endif
