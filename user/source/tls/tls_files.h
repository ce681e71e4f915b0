/* Where OpenSSL lives for a traced process: the libssl files it maps, an
 * executable that carries OpenSSL itself (node exports SSL_write), the
 * system's libssl.so.3 (for children and dlopen later). */
#ifndef TLS_FILES_H
#define TLS_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Whether an ELF file exports SSL_write (.dynsym) or needs a libssl
 * (DT_NEEDED). Either makes it worth probing or following. */
bool tls_elf_exports_ssl(const char *path);
bool tls_elf_needs_libssl(const char *path);
/* The system's libssl.so.3, or NULL. */
const char *tls_system_libssl(void);
/* Calls fn for every libssl*.so* process pid maps, as a path the tracer
 * can open (/proc/PID/root/...). Returns how many. */
int tls_mapped_libssl(pid_t pid, void (*fn)(void *ctx, const char *path), void *ctx);

#endif
