/* The tls source: LLM API calls in the HTTPS plaintext of the traced
 * processes (bpf/tls.bpf.c: SSL_read/SSL_write in libssl and in
 * executables that carry OpenSSL), reassembled as HTTP/1.1 (http1.c),
 * read as LLM calls (llm_api.c), priced (prices.c) and handed on as calls
 * of the catalog's llm_* operations (tls_emit.c). No probe map needed. */
#ifndef TLS_SOURCE_H
#define TLS_SOURCE_H

#include "source/source.h"

extern const struct source_ops tls_source_ops;

/* --prices FILE: 0 when it reads and parses as a price table, else -1 with
 * err naming the file, the line and what is wrong (main: bad usage, said
 * before anything loads). */
int tls_prices_check(const char *path, char *err, size_t errlen);

/* Whether a target uses OpenSSL now: maps a libssl, carries OpenSSL in its
 * executable (exports SSL_write), or needs libssl (its libraries', too).
 * why gets a sentence saying which, or why not (--list prints it). */
bool tls_target_uses_openssl(const struct source_target *t, char *why, size_t len);

#endif
