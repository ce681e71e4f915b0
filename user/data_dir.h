/* Where the tracer's data files are (the price table and whatever else
 * ships under data/ in the checkout, under PREFIX/share/mcp-bpftrace once
 * installed). Found from the executable's own location first, so a copy
 * installed under any DESTDIR/PREFIX, or run from its build directory,
 * reads its own files and never a checkout's by accident; then the
 * PREFIX it was built for. */
#ifndef DATA_DIR_H
#define DATA_DIR_H

#include <stddef.h>

/* The data directory into buf (cap bytes), or NULL when none of the
 * places exists. */
const char *data_dir(char *buf, size_t cap);
/* The places data_dir() looks, in order, for messages and --version:
 * fills up to max entries (each cap bytes) and returns how many. */
int data_dir_candidates(char (*out)[4096], int max);

#endif
