/* --list: what a target offers to bind, and a proposed probe map. */
#ifndef LIST_H
#define LIST_H

#include "cli.h"

/* Prints to stdout; returns the process exit status. */
int list_main(const struct config *cfg);
/* --list-ops: the catalog, as a table or (markdown) as docs/catalog.md. */
int list_ops(bool markdown);

#endif
