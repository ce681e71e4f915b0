/* Borrowing one thread of a running process with ptrace to make it run a
 * system call or call a function for us, then giving it back exactly as it
 * was (x86-64). Used by py_inject.c to map a page in the target and to call
 * Py_AddPendingCall there without ever calling the target's malloc.
 *
 * The thread is taken with PTRACE_SEIZE + PTRACE_INTERRUPT (no SIGSTOP is
 * sent, so nothing in the target sees a stop signal); its registers, its
 * extended FPU/SSE/AVX state and its signal mask are saved, and restored by
 * ptrace_release on every path. While we hold it, every signal it may
 * block is blocked (PTRACE_SETSIGMASK), so signals sent to it stay pending
 * with their own siginfo and are delivered once it is back; the few that
 * cannot be blocked and still stop it are re-sent on release, never
 * swallowed. */
#ifndef PTRACE_CALL_H
#define PTRACE_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#define PTRACE_CALL_MAX_SIGS 8

struct ptrace_thread {
	pid_t pid, tid;
	bool attached;
	bool gone;       /* the thread (or process) exited while we held it */
	bool in_syscall; /* it was stopped inside a system call (restarted on release) */
	bool saved_ok;   /* registers, FPU state and mask saved: release restores them */
	bool at_syscall_stop; /* last stopped at a syscall exit, not in the signal path */
	struct user_regs_struct saved;
	uint64_t saved_mask;
	uint8_t *xstate; /* PTRACE_GETREGSET NT_X86_XSTATE, or NULL (then FP regs) */
	size_t xstate_len;
	struct user_fpregs_struct fpregs;
	uint64_t syscall_insn; /* address of a `syscall` instruction in the target */
	int sigs[PTRACE_CALL_MAX_SIGS]; /* signals that stopped it while borrowed */
	int nsigs;
};

/* Seizes thread tid of process pid and stops it (PTRACE_INTERRUPT), saving
 * what ptrace_release restores. 0, or -1 with err (the thread is left
 * detached). */
int ptrace_borrow(pid_t pid, pid_t tid, struct ptrace_thread *t, char *err, size_t errlen);

/* Makes the borrowed thread run system call nr with up to six arguments;
 * *ret gets the kernel's return value (-errno on failure). 0, or -1 with err
 * when the thread could not be made to run it (it exited: t->gone). */
int ptrace_syscall(struct ptrace_thread *t, long nr, const uint64_t args[6], int64_t *ret,
		   char *err, size_t errlen);

/* Calls fn(a0, a1) in the borrowed thread on its own stack (below its red
 * zone) and returns with *ret = its rax. The call returns to address 0,
 * which faults back to us. When it has not returned within timeout_ms the
 * thread is interrupted wherever it is and -1 is returned (err says so):
 * the caller must assume the call may have partly run. */
int ptrace_call(struct ptrace_thread *t, uint64_t fn, uint64_t a0, uint64_t a1, uint64_t *ret,
		int timeout_ms, char *err, size_t errlen);

/* Restores registers, FPU state and signal mask, re-sends the signals that
 * arrived meanwhile and detaches. Safe to call on any path, also after
 * ptrace_borrow failed or the thread exited. 0, or -1 with err. */
int ptrace_release(struct ptrace_thread *t, char *err, size_t errlen);

/* Reads/writes len bytes at addr in process pid (process_vm_readv/writev).
 * 0, or -1 with errno set. */
int ptrace_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);
int ptrace_mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len);

#endif
