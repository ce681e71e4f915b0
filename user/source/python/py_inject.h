/* Running a Python script inside an unmodified, running CPython 3.x process,
 * from outside, with ptrace (issue 19, item 2). The script is queued with
 * Py_AddPendingCall(PyRun_SimpleString, copy) from a borrowed thread and runs
 * in the main thread at the interpreter's next safe point; the tracer never
 * calls the target's malloc (the copy lives in a page the tracer makes the
 * target mmap) and the script comes inline, so a process in another mount
 * namespace (a container) works the same. */
#ifndef PY_INJECT_H
#define PY_INJECT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Runs `script` (Python source, UTF-8, NUL-free) in the main interpreter of
 * process pid at its next safe point (Py_AddPendingCall(PyRun_SimpleString,
 * copy)). Returns 0 when the script ran and finished without exception; -1
 * with err set otherwise: no CAP_SYS_PTRACE, Yama ptrace_scope forbids it,
 * not a CPython 3.x process (no Py_AddPendingCall / PyRun_SimpleString
 * symbol in its executable or libpython), the process exited, the script
 * raised (err holds the exception's type and message), or timeout_ms passed
 * before the main thread ran it ("the main thread has not returned to Python
 * in N ms (it is in a long C call or blocked); nothing was changed"). On
 * timeout the queued call is defused: when it runs later it does nothing
 * (its page stays mapped in the target for that reason: one or two pages).
 * Called again with the same script for the same process (a retry), it
 * re-arms that queued call rather than queueing another, so retrying never
 * fills CPython's queue of 32 pending calls. The script runs with the
 * target's own globals (__main__); the wrapper around it catches
 * everything it raises (reported here) and never writes to the target's
 * stdout/stderr. One thread of the target is stopped only while the call
 * is queued (0.2-0.7 ms measured here); it is detached on every path. Also
 * refused: a process that ignores SIGSEGV (the borrowed call returns by a
 * fault, which would reset that) or is stopped by job control. Calls for
 * one process must come from one thread of the caller at a time (ptrace
 * belongs to the thread that attached; the re-arm table is not locked). */
int py_inject_run(pid_t pid, const char *script, int timeout_ms, char *err, size_t errlen);

/* Whether injection can work for pid, without touching it (capabilities,
 * Yama, symbols, SIGSEGV not ignored): 0, or -1 with err naming what is
 * missing, for --list and
 * for refusing early. Reads /proc/PID/maps and the interpreter's ELF files
 * through /proc/PID/root (so a process in a container is checked against
 * its own files); never stops or attaches to the process. */
int py_inject_check(pid_t pid, char *err, size_t errlen);

/* What the last py_inject_run measured (for tests and benchmarks; one
 * copy for the whole program, not per thread). */
struct py_inject_stats {
	pid_t tid;         /* the thread borrowed to queue the call */
	double stopped_ms; /* how long that thread was held (mmap, write, call) */
	double run_ms;     /* from the start until the script's result was seen */
	uint64_t page;     /* where the script was put (unmapped again after a result) */
};
void py_inject_last_stats(struct py_inject_stats *out);

#endif
