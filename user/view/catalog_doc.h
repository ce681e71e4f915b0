/* --list-ops=markdown: the catalog document (docs/catalog.md), written by
 * walking the catalog's tables (catalog.c) and the tracer's own health
 * metrics (aggregate/health.c) — never a copy of them — so that the
 * document in the repository is what this binary emits and a test can
 * tell when the two differ (tests/e2e/test_catalog_doc.sh). */
#ifndef CATALOG_DOC_H
#define CATALOG_DOC_H

#include <stdio.h>

/* Writes the whole document to f. Returns 0, or 1 when writing failed. */
int catalog_doc_markdown(FILE *f);

#endif
