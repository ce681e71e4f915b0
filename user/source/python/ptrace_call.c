/* Borrowing a thread with ptrace: system calls and function calls made in
 * the target on our behalf, then everything put back (ptrace_call.h). */
#include <elf.h>
#include <sys/auxv.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "source/python/ptrace_call.h"

/* How long a thread may take to reach a ptrace stop after PTRACE_INTERRUPT
 * (a thread in uninterruptible sleep, D, stops only when it wakes). */
#define STOP_WAIT_MS 2000
/* Room for the largest XSAVE area (AVX-512 ~2.7 KiB, AMX ~11 KiB). */
#define XSTATE_MAX 16384
/* How long ptrace_release waits for a stop that had not come yet. */
#define DETACH_WAIT_MS 10000

enum stop_kind { STOP_GONE, STOP_TIMEOUT, STOP_EVENT, STOP_SIGNAL, STOP_SYSCALL };

struct stop {
	enum stop_kind kind;
	int sig;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The next ptrace stop of t->tid, or its exit, or STOP_TIMEOUT. waitpid has
 * no timeout, so this polls: a few microseconds at first (a borrowed system
 * call takes that long), backing off to a millisecond. */
static struct stop wait_stop(struct ptrace_thread *t, int timeout_ms)
{
	double deadline = now_ms() + timeout_ms;
	long nap_ns = 2000;

	for (;;) {
		int st;
		pid_t r = waitpid(t->tid, &st, __WALL | WNOHANG);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (r > 0 && (WIFEXITED(st) || WIFSIGNALED(st)))) {
			/* ECHILD: no longer ours to wait for, it is gone. */
			t->gone = true;
			t->attached = false;
			return (struct stop){ STOP_GONE, 0 };
		}
		if (r > 0 && WIFSTOPPED(st)) {
			int sig = WSTOPSIG(st);

			if (sig == (SIGTRAP | 0x80))
				return (struct stop){ STOP_SYSCALL, 0 };
			if (st >> 16)
				return (struct stop){ STOP_EVENT, sig };
			return (struct stop){ STOP_SIGNAL, sig };
		}
		if (now_ms() >= deadline)
			return (struct stop){ STOP_TIMEOUT, 0 };
		nanosleep(&(struct timespec){ 0, nap_ns }, NULL);
		if (nap_ns < 1000000)
			nap_ns *= 2;
	}
}

/* A signal that stopped the thread while it worked for us: kept, to be
 * sent again once the thread is back where it was (never swallowed). */
static void keep_signal(struct ptrace_thread *t, int sig)
{
	if (t->nsigs < PTRACE_CALL_MAX_SIGS)
		t->sigs[t->nsigs++] = sig;
}

static int gone_err(struct ptrace_thread *t, char *err, size_t errlen)
{
	snprintf(err, errlen, "process %d exited during injection (thread %d gone)", t->pid, t->tid);
	return -1;
}

/* process_vm_readv/writev, all of len or -1 (EFAULT when short). */
static int mem_rw(pid_t pid, uint64_t addr, void *buf, size_t len, bool write)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = write ? process_vm_writev(pid, &local, 1, &remote, 1, 0)
			  : process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		errno = EFAULT;
	return -1;
}

int ptrace_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	return mem_rw(pid, addr, buf, len, false);
}

int ptrace_mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
	return mem_rw(pid, addr, (void *)buf, len, true);
}

/* Where the target's vDSO is: AT_SYSINFO_EHDR in /proc/PID/auxv (its
 * maps line has no file, so proc_maps does not list it). 0 if none. */
static uint64_t vdso_base(pid_t pid)
{
	char path[64];
	uint64_t av[2], base = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fread(av, sizeof(av), 1, f) == 1 && av[0] != AT_NULL)
		if (av[0] == AT_SYSINFO_EHDR)
			base = av[1];
	fclose(f);
	return base;
}

/* A `syscall` instruction (0f 05) the thread can be pointed at. A thread
 * stopped inside a system call has one just before its rip. Otherwise the
 * vDSO: every x86-64 vDSO has its fallback `syscall`s, it is mapped in every
 * process, and reading it changes nothing. (Writing our own instruction
 * would need an executable page, which is what we want never to create.) */
static uint64_t find_syscall_insn(struct ptrace_thread *t)
{
	uint8_t buf[2], page[4096];
	uint64_t base = vdso_base(t->pid);

	if (t->in_syscall && t->saved.rip >= 2 &&
	    !ptrace_mem_read(t->pid, t->saved.rip - 2, buf, 2) && buf[0] == 0x0f && buf[1] == 0x05)
		return t->saved.rip - 2;
	/* Page by page: the vDSO is two or three pages; reading stops at its end. */
	for (uint64_t at = base; base && at < base + 4 * sizeof(page); at += sizeof(page)) {
		if (ptrace_mem_read(t->pid, at, page, sizeof(page)))
			break;
		for (size_t j = 0; j + 1 < sizeof(page); j++)
			if (page[j] == 0x0f && page[j + 1] == 0x05)
				return at + j;
	}
	return 0;
}

static int save_state(struct ptrace_thread *t, char *err, size_t errlen)
{
	struct iovec iov;
	/* Every signal it can block, but the ones a fault raises: a blocked
	 * SIGSEGV raised by a fault would make the kernel reset the target's
	 * handler to SIG_DFL, and our call's return is such a fault. */
	uint64_t mask = ~0ULL;

	if (ptrace(PTRACE_GETREGS, t->tid, 0, &t->saved) < 0) {
		snprintf(err, errlen, "ptrace(GETREGS) of thread %d: %s", t->tid, strerror(errno));
		return -1;
	}
	t->in_syscall = (int64_t)t->saved.orig_rax >= 0;
	t->xstate = malloc(XSTATE_MAX);
	iov = (struct iovec){ t->xstate, XSTATE_MAX };
	if (t->xstate && ptrace(PTRACE_GETREGSET, t->tid, NT_X86_XSTATE, &iov) == 0) {
		t->xstate_len = iov.iov_len;
	} else {
		free(t->xstate);
		t->xstate = NULL;
		if (ptrace(PTRACE_GETFPREGS, t->tid, 0, &t->fpregs) < 0) {
			snprintf(err, errlen, "ptrace(GETFPREGS) of thread %d: %s", t->tid, strerror(errno));
			return -1;
		}
	}
	if (ptrace(PTRACE_GETSIGMASK, t->tid, sizeof(uint64_t), &t->saved_mask) < 0) {
		snprintf(err, errlen, "ptrace(GETSIGMASK) of thread %d: %s", t->tid, strerror(errno));
		return -1;
	}
	t->saved_ok = true;
	for (int s = 1; s <= 64; s++)
		if (s == SIGSEGV || s == SIGBUS || s == SIGILL || s == SIGFPE || s == SIGTRAP || s == SIGSYS)
			mask &= ~(1ULL << (s - 1));
	if (ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(uint64_t), &mask) < 0) {
		snprintf(err, errlen, "ptrace(SETSIGMASK) of thread %d: %s", t->tid, strerror(errno));
		return -1;
	}
	t->syscall_insn = find_syscall_insn(t);
	if (!t->syscall_insn) {
		snprintf(err, errlen, "no syscall instruction found in process %d (no vDSO?)", t->pid);
		return -1;
	}
	return 0;
}

/* Waits for the PTRACE_INTERRUPT stop (PTRACE_EVENT_STOP with SIGTRAP),
 * handing on signals that stop the thread first, so that the thread ends
 * up stopped inside the kernel's signal path: from there, once detached,
 * a system call it was interrupted in restarts. */
static int wait_interrupt_stop(struct ptrace_thread *t, bool keep, char *err, size_t errlen)
{
	for (;;) {
		struct stop s = wait_stop(t, STOP_WAIT_MS);

		switch (s.kind) {
		case STOP_GONE:
			return gone_err(t, err, errlen);
		case STOP_TIMEOUT:
			snprintf(err, errlen, "thread %d of process %d did not stop within %d ms "
				 "(uninterruptible sleep?)", t->tid, t->pid, STOP_WAIT_MS);
			return -1;
		case STOP_EVENT:
			if (s.sig == SIGTRAP)
				return 0;
			snprintf(err, errlen, "process %d is stopped (signal %d, job control); "
				 "injection needs it running", t->pid, s.sig);
			return -1;
		case STOP_SIGNAL:
		case STOP_SYSCALL:
			/* Before we hold it, a signal goes on as it would have. */
			if (s.kind == STOP_SIGNAL && keep)
				keep_signal(t, s.sig);
			if (ptrace(PTRACE_CONT, t->tid, 0, keep ? 0 : s.sig) < 0)
				return gone_err(t, err, errlen);
			break;
		}
	}
}

/* Not a zombie (Z) nor dead (X), by /proc/PID/task/TID/stat. */
static bool thread_alive(pid_t pid, pid_t tid)
{
	char path[96], line[512], *p;
	FILE *f;
	bool alive = false;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')) && p[1] == ' ')
		alive = p[2] != 'Z' && p[2] != 'X';
	fclose(f);
	return alive;
}

int ptrace_borrow(pid_t pid, pid_t tid, struct ptrace_thread *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tid = tid;
	if (ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_TRACESYSGOOD) < 0) {
		int e = errno;

		snprintf(err, errlen, "ptrace(SEIZE) of thread %d of process %d: %s%s", tid, pid,
			 strerror(e), e == EPERM ? " (another debugger attached, or no CAP_SYS_PTRACE)" : "");
		/* An exiting thread refuses with EPERM too. */
		if (e == ESRCH || !thread_alive(pid, tid))
			snprintf(err, errlen, "process %d exited (thread %d gone)", pid, tid);
		return -1;
	}
	t->attached = true;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0)
		return gone_err(t, err, errlen);
	if (wait_interrupt_stop(t, false, err, errlen) || save_state(t, err, errlen))
		return -1;
	return 0;
}

int ptrace_syscall(struct ptrace_thread *t, long nr, const uint64_t args[6], int64_t *ret,
		   char *err, size_t errlen)
{
	struct user_regs_struct r = t->saved;
	int stops = 0;

	r.rip = t->syscall_insn;
	r.rax = nr;
	r.orig_rax = -1; /* not in a system call now: no restart on resume */
	r.rdi = args[0], r.rsi = args[1], r.rdx = args[2];
	r.r10 = args[3], r.r8 = args[4], r.r9 = args[5];
	t->at_syscall_stop = false;
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &r) < 0 || ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
		return gone_err(t, err, errlen);
	while (stops < 2) { /* entry, then exit */
		struct stop s = wait_stop(t, STOP_WAIT_MS);

		if (s.kind == STOP_GONE)
			return gone_err(t, err, errlen);
		if (s.kind == STOP_TIMEOUT) {
			snprintf(err, errlen, "system call %ld in thread %d did not return within %d ms",
				 nr, t->tid, STOP_WAIT_MS);
			ptrace(PTRACE_INTERRUPT, t->tid, 0, 0);
			wait_interrupt_stop(t, true, err, errlen);
			return -1;
		}
		if (s.kind == STOP_SYSCALL)
			stops++;
		else if (s.kind == STOP_SIGNAL)
			keep_signal(t, s.sig);
		if (stops == 2)
			break;
		if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
			return gone_err(t, err, errlen);
	}
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &r) < 0)
		return gone_err(t, err, errlen);
	*ret = (int64_t)r.rax;
	t->at_syscall_stop = true; /* see to_signal_path */
	return 0;
}

/* A syscall-exit stop is not in the kernel's signal path, where the system
 * call the thread was in when we took it is restarted (with the registers
 * ptrace_release puts back). Today's kernels go through that path after
 * PTRACE_DETACH anyway (the detach wakes the thread as for a signal); we do
 * not rely on it: before release the thread is moved to an interrupt stop,
 * as ptrace_borrow left it, at the cost of one more stop. (Before another
 * syscall or call there is no need: we set every register then.) */
static int to_signal_path(struct ptrace_thread *t, char *err, size_t errlen)
{
	t->at_syscall_stop = false;
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0) < 0 || ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
		return gone_err(t, err, errlen);
	return wait_interrupt_stop(t, true, err, errlen);
}

/* The thread stopped with SIGSEGV: our call's return to address 0 (1),
 * or a fault of its own inside the call (0, err set). */
static int returned(struct ptrace_thread *t, uint64_t *ret, char *err, size_t errlen)
{
	struct user_regs_struct r;

	if (ptrace(PTRACE_GETREGS, t->tid, 0, &r) < 0)
		return gone_err(t, err, errlen);
	if (r.rip == 0) {
		*ret = r.rax;
		return 1;
	}
	snprintf(err, errlen, "the call faulted in thread %d at 0x%llx; its registers are "
		 "restored", t->tid, (unsigned long long)r.rip);
	return 0;
}

int ptrace_call(struct ptrace_thread *t, uint64_t fn, uint64_t a0, uint64_t a1, uint64_t *ret,
		int timeout_ms, char *err, size_t errlen)
{
	struct user_regs_struct r = t->saved;
	/* Below the 128-byte red zone the interrupted code may be using, 16-byte
	 * aligned as after a `call`, whose return address we push: 0. */
	uint64_t sp = ((t->saved.rsp - 256) & ~15ULL) - 8, zero = 0;
	double deadline = now_ms() + timeout_ms;

	if (ptrace_mem_write(t->pid, sp, &zero, sizeof(zero))) {
		snprintf(err, errlen, "cannot write thread %d's stack at 0x%llx: %s", t->tid,
			 (unsigned long long)sp, strerror(errno));
		return -1;
	}
	r.rsp = sp;
	r.rip = fn;
	r.rdi = a0;
	r.rsi = a1;
	r.rax = 0;
	r.orig_rax = -1;
	r.eflags &= ~((1ULL << 10) | (1ULL << 8)); /* DF clear (the ABI), no single-step */
	t->at_syscall_stop = false;
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &r) < 0 || ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
		return gone_err(t, err, errlen);
	for (;;) {
		double left = deadline - now_ms();
		struct stop s = wait_stop(t, left > 0 ? (int)left + 1 : 0);
		int rc;

		switch (s.kind) {
		case STOP_GONE:
			return gone_err(t, err, errlen);
		case STOP_TIMEOUT:
			/* Blocked inside the call (say, on a lock this very thread held
			 * when we stopped it): take it back where it is; the caller
			 * restores the registers it had before. */
			snprintf(err, errlen, "the call in thread %d did not return within %d ms; "
				 "registers restored", t->tid, timeout_ms);
			if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0) < 0)
				return gone_err(t, err, errlen);
			wait_interrupt_stop(t, true, err, errlen);
			return -1;
		case STOP_SIGNAL:
			if (s.sig == SIGSEGV) {
				rc = returned(t, ret, err, errlen);
				if (rc != 0)
					return rc > 0 ? 0 : -1;
				return -1;
			}
			keep_signal(t, s.sig);
			break;
		case STOP_EVENT:
		case STOP_SYSCALL:
			break;
		}
		if (ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
			return gone_err(t, err, errlen);
	}
}

/* PTRACE_DETACH needs the thread in a ptrace stop. One we never saw (it
 * was still on its way out of an uninterruptible sleep when we gave up
 * waiting) is waited for a while longer, so as not to leave it stopped for
 * good; a signal it stops with then goes on with the detach. */
static int detach(struct ptrace_thread *t)
{
	struct stop s;

	if (ptrace(PTRACE_DETACH, t->tid, 0, 0) == 0)
		return 0;
	if (errno != ESRCH)
		return -1;
	if (!thread_alive(t->pid, t->tid))
		return 0;
	s = wait_stop(t, DETACH_WAIT_MS);
	if (s.kind == STOP_GONE)
		return 0;
	return ptrace(PTRACE_DETACH, t->tid, 0, s.kind == STOP_SIGNAL ? s.sig : 0) == 0 || errno == ESRCH
		       ? 0 : -1;
}

int ptrace_release(struct ptrace_thread *t, char *err, size_t errlen)
{
	int rc = 0;
	struct iovec iov = { t->xstate, t->xstate_len };

	/* Nothing saved (we never saw it stop): nothing of it was changed
	 * either, and writing back registers we do not have would kill it. */
	if (t->attached && !t->gone && t->saved_ok) {
		if (t->at_syscall_stop && to_signal_path(t, err, errlen))
			rc = -1;
	}
	if (t->attached && !t->gone && t->saved_ok) {
		if (ptrace(PTRACE_SETREGS, t->tid, 0, &t->saved) < 0 ||
		    (t->xstate ? ptrace(PTRACE_SETREGSET, t->tid, NT_X86_XSTATE, &iov)
			       : ptrace(PTRACE_SETFPREGS, t->tid, 0, &t->fpregs)) < 0 ||
		    ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(uint64_t), &t->saved_mask) < 0) {
			snprintf(err, errlen, "restoring thread %d of process %d: %s", t->tid, t->pid,
				 strerror(errno));
			rc = -1;
		}
	}
	if (t->attached && !t->gone) {
		/* Detached with no signal: from the SIGSEGV stop of our call's
		 * return that fault is dropped, as it is ours. Signals kept while we
		 * held the thread could not be blocked (SIGSTOP, a fault signal sent
		 * with kill): sent again now, to the same thread. Their siginfo
		 * then names us as the sender; the blockable ones stayed pending
		 * under the mask and arrive untouched. */
		if (detach(t) && !rc) {
			snprintf(err, errlen, "ptrace(DETACH) of thread %d: %s", t->tid, strerror(errno));
			rc = -1;
		}
		for (int i = 0; i < t->nsigs; i++)
			syscall(SYS_tgkill, t->pid, t->tid, t->sigs[i]);
	}
	t->attached = false;
	free(t->xstate);
	t->xstate = NULL;
	return rc;
}
