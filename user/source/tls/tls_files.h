/* Where OpenSSL lives for a traced process: the libssl files it maps, an
 * executable that carries OpenSSL itself (node exports SSL_write), the
 * system's libssl.so.3 (for children and dlopen later). */
#ifndef TLS_FILES_H
#define TLS_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Whether an ELF file exports SSL_write (.dynsym): it carries OpenSSL
 * itself (node) and is probed as a libssl is. */
bool tls_elf_exports_ssl(const char *path);
/* Whether an ELF file needs a libssl, itself or through the libraries it
 * needs (curl -> libcurl -> libssl), as the dynamic loader would find them
 * (RUNPATH, the standard directories; 4 levels deep). `via`, when given,
 * gets the name of the object that needs libssl directly. */
bool tls_elf_needs_libssl(const char *path, char *via, size_t via_cap);
/* The system's libssl.so.3, or NULL. */
const char *tls_system_libssl(void);
/* Calls fn for every libssl*.so* process pid maps, as a path the tracer
 * can open (/proc/PID/root/...). Returns how many. */
int tls_mapped_libssl(pid_t pid, void (*fn)(void *ctx, const char *path), void *ctx);
/* The libssl.so.3 a process would load from its own root (a container's
 * image: /proc/PID/root/usr/lib/...), into out. false: none there. */
bool tls_rooted_libssl(pid_t pid, char *out, size_t cap);
/* --all: calls fn for every OpenSSL file of every process running now
 * but `self`: the libssls it maps, its executable when that exports
 * SSL_write (node), the libssl of its root (python's _ssl is loaded
 * later). The same file may come more than once (fn keeps it once). */
void tls_scan_processes(pid_t self, void (*fn)(void *ctx, const char *path), void *ctx);

#endif
