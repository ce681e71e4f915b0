/* The python source's reads and writes of a target (py_proc.c). */
#ifndef PY_PROC_H
#define PY_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* CLOCK_MONOTONIC in ns: the clock of time.monotonic_ns() and of records. */
uint64_t py_mono_ns(void);

/* Writes the wrappers' lease (an int64 deadline, CLOCK_MONOTONIC ns, at
 * addr in pid): past it, they write no markers. 0 or -1 (errno). */
int py_lease_write(pid_t pid, uint64_t addr, int64_t deadline_ns);

/* The libc that pid maps (through /proc/PID/root), else the host's when
 * it has not mapped one yet (`running` false: a command held at the door). */
int py_libc_path(pid_t pid, bool running, char *out, size_t len);

/* Whether pid's CPython has finished initialising (_PyRuntime.initialized,
 * read with process_vm_readv): 1 yes, 0 not yet, -1 cannot tell (no
 * _PyRuntime symbol found, the process is gone). */
int py_interpreter_ready(pid_t pid);

#endif
