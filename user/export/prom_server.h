/* --prometheus [ADDR:]PORT: GET /metrics answered with the store in the
 * text exposition format (prom.h), by libmicrohttpd on its own polling
 * thread: many connections at once (an idle one delays nobody), keep-alive,
 * idle connections closed after PROM_CONN_TIMEOUT_S, bounded request size.
 * The consumer is never blocked beyond the store lock, taken while a scrape
 * renders. Scrapes served (and failed) go to the status board. */
#ifndef PROM_SERVER_H
#define PROM_SERVER_H

#include <stddef.h>
#include "export_opts.h"
#include "aggregate/metrics.h"
#include "target/resources.h"

#define PROM_CONN_TIMEOUT_S 10
#define PROM_MAX_CONNS 64

struct prom_server;

/* Whether ADDR:PORT is well formed ("9464" or ":9464" mean 127.0.0.1;
 * "[::1]:9464" for IPv6). 0, or -1 with err set. */
int prom_check_addr(const char *addr, char *err, size_t errlen);
/* Binds ADDR:PORT and starts serving. NULL on failure (err says why). */
struct prom_server *prom_start(const char *addr, struct metric_store *ms,
			       const struct resource_table *rt, const struct export_opts *eo,
			       char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
int prom_port(const struct prom_server *ps);
void prom_stop(struct prom_server *ps);

#endif
