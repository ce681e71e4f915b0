/* Between py_inject.c (the run) and py_inject_check.c (what is checked and
 * looked up before touching the process). */
#ifndef PY_INJECT_INT_H
#define PY_INJECT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Where the two functions we call are in the target. */
struct py_syms {
	uint64_t add_pending_call; /* Py_AddPendingCall */
	uint64_t run_simple_string; /* PyRun_SimpleString */
	char object[256];           /* the file they were found in, as the target sees it */
};

/* CAP_SYS_PTRACE and Yama: 0, or -1 with err. */
int py_inject_check_access(char *err, size_t errlen);
/* The rule alone: with or without CAP_SYS_PTRACE, under Yama scope 0-3. */
int py_inject_access_verdict(bool cap_sys_ptrace, int yama_scope, char *err, size_t errlen);
/* A thread's merit for borrowing, from its /proc/PID/task/TID/syscall
 * line: 3 in a system call that restarts transparently, 2 running user
 * code, 1 in another system call, 0 unknown. */
int py_inject_thread_merit(const char *syscall_line);
/* Finds both functions in the executable or a libpython mapped by pid,
 * reading the files through /proc/PID/root. 0, or -1 with err. */
int py_inject_find_syms(pid_t pid, struct py_syms *out, char *err, size_t errlen);
/* A call queued by a run that timed out, defused, its page left mapped
 * (py_inject_pending.c): remembered, so that the same script in the same
 * process re-arms it rather than queueing another. take: 1 and the page
 * (forgotten here) when there is one, else 0. */
/* queued_ns: when the call was queued (CLOCK_MONOTONIC), kept across re-arms */
void py_pending_add(pid_t pid, uint64_t page, size_t size, const char *script, uint64_t queued_ns);
int py_pending_take(pid_t pid, const char *script, uint64_t *page, size_t *size, uint64_t *queued_ns);
/* Refuses a process that ignores SIGSEGV (py_inject_check.c says why). */
int py_inject_check_signals(pid_t pid, char *err, size_t errlen);
/* The thread to borrow: one blocked in a system call that restarts
 * transparently, else one running user code, else the main thread; other
 * threads before the main one at equal merit (py_inject_check.c says why). */
pid_t py_inject_pick_thread(pid_t pid);

#endif
