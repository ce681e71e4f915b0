/* The Python the tracer injects (README, "Python functions (--inject)"):
 * the runtime (py_runtime.c) and, after it, one call that carries the
 * run's python: bindings as a Python literal, or that undoes a run. */
#ifndef PY_SCRIPT_H
#define PY_SCRIPT_H

#include <stdbool.h>
#include "probe_map.h"

extern const char py_runtime_text[];

/* Whether the probe map binds Python functions (python:MODULE:QUALNAME). */
bool py_script_has_bindings(const struct probe_map *pm);

/* The script that wraps every python: binding of pm (undo false), or that
 * restores the originals and closes the marker descriptor (undo true).
 * `run` names this tracer run: a script of another run finds the earlier
 * run's wrappers and undoes them first. Malloc'd; NULL when out of memory. */
char *py_script_build(const struct probe_map *pm, const char *run, bool undo);

/* The bindings' table alone, as the script's literal (for the tests). */
char *py_script_table(const struct probe_map *pm);

#endif
