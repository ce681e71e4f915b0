/* Before injecting into a Python process: may we (capabilities, Yama), is it
 * a CPython 3 with the two functions we call, and which thread to borrow.
 * Nothing here stops or attaches to the process. */
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "source/python/py_inject.h"
#include "source/python/py_inject_int.h"
#include "target/proc_maps.h"
#include "source/uprobe/elf_symbols.h"

int py_inject_access_verdict(bool cap_sys_ptrace, int yama_scope, char *err, size_t errlen)
{
	if (!cap_sys_ptrace) {
		snprintf(err, errlen, "injecting into a Python process needs CAP_SYS_PTRACE "
			 "(run as root, or grant the capability)%s; nothing was changed",
			 yama_scope >= 1 ? " and Yama's ptrace_scope asks for it too" : "");
		return -1;
	}
	/* Yama: 1 (children only) and 2 (admin only) let CAP_SYS_PTRACE
	 * through; 3 forbids every attach until reboot. */
	if (yama_scope >= 3) {
		snprintf(err, errlen, "Yama forbids ptrace on this machine "
			 "(/proc/sys/kernel/yama/ptrace_scope = %d: no attaching until reboot); "
			 "nothing was changed", yama_scope);
		return -1;
	}
	return 0;
}

int py_inject_check_access(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { 0 };
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re"); /* absent: no Yama */
	bool cap;
	int scope = 0;

	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = 0;
		fclose(f);
	}
	cap = syscall(SYS_capget, &hdr, data) == 0 &&
	      (data[CAP_SYS_PTRACE / 32].effective & (1u << (CAP_SYS_PTRACE % 32)));
	return py_inject_access_verdict(cap, scope, err, errlen);
}

/* Both functions in one ELF object of the target; also PyUnicode_AsUTF8,
 * which only Python 3 has (Python 2.7 has the other two). 1 found, 0 not,
 * -1 unreadable. */
static int syms_in(pid_t pid, const struct proc_maps *m, const char *path, struct py_syms *out,
		   bool *py2)
{
	char file[4096], e[256];
	struct elf_info info;
	const struct elf_func *add, *run, *v3;
	int rc = 0;

	snprintf(file, sizeof(file), "/proc/%d/root%s", (int)pid, path);
	if (elf_info_load(file, &info, e, sizeof(e)))
		return -1;
	add = elf_find_func(&info, "Py_AddPendingCall");
	run = elf_find_func(&info, "PyRun_SimpleString");
	v3 = elf_find_func(&info, "PyUnicode_AsUTF8");
	if (add && run && !v3)
		*py2 = true;
	if (add && run && v3) {
		out->add_pending_call = proc_maps_runtime_addr(m, path, add->offset);
		out->run_simple_string = proc_maps_runtime_addr(m, path, run->offset);
		snprintf(out->object, sizeof(out->object), "%s", path);
		rc = out->add_pending_call && out->run_simple_string;
	}
	elf_info_free(&info);
	return rc;
}

/* The executable (a static libpython, like Debian's /usr/bin/python3.11)
 * first, then any libpython3 it mapped (a shared one, like pyenv's). */
static bool candidate(const struct proc_map *p, const char *exe)
{
	const char *base;

	if (!p->path || p->path[0] != '/' || !strchr(p->perms, 'x'))
		return false;
	base = strrchr(p->path, '/') + 1;
	return !strcmp(p->path, exe) || !strncmp(base, "libpython", 9);
}

int py_inject_find_syms(pid_t pid, struct py_syms *out, char *err, size_t errlen)
{
	char link[64], exe[4096] = "";
	struct proc_maps m;
	bool py2 = false, unreadable = false;
	ssize_t n;
	int found = 0;

	memset(out, 0, sizeof(*out));
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n < 0 || proc_maps_read(pid, &m)) {
		snprintf(err, errlen, "process %d: %s", (int)pid,
			 errno == ENOENT || errno == ESRCH ? "no such process" : strerror(errno));
		return -1;
	}
	exe[n] = 0;
	for (size_t i = 0; i < m.n && found <= 0; i++) {
		bool seen = false;

		if (!candidate(&m.v[i], exe))
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = candidate(&m.v[j], exe) && !strcmp(m.v[j].path, m.v[i].path);
		if (seen)
			continue;
		found = syms_in(pid, &m, m.v[i].path, out, &py2);
		unreadable |= found < 0;
	}
	proc_maps_free(&m);
	if (found > 0)
		return 0;
	if (py2)
		snprintf(err, errlen, "process %d (%s) is Python 2; injection needs CPython 3", (int)pid, exe);
	else
		snprintf(err, errlen, "process %d (%s) is not a CPython 3 process: no Py_AddPendingCall "
			 "and PyRun_SimpleString in its executable or a libpython%s", (int)pid, exe,
			 unreadable ? " (some of its files could not be read)" : "");
	return -1;
}

/* Our call returns by a fault (ptrace_call.c): the kernel resets an
 * ignored SIGSEGV to SIG_DFL when it raises one, which would change the
 * program for good. Such a rare program is refused. */
int py_inject_check_signals(pid_t pid, char *err, size_t errlen)
{
	char path[64], line[256];
	unsigned long long ign = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re"))) {
		snprintf(err, errlen, "process %d: no such process", (int)pid);
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigIgn: %llx", &ign) == 1)
			break;
	fclose(f);
	if (ign & (1ULL << (SIGSEGV - 1))) {
		snprintf(err, errlen, "process %d ignores SIGSEGV, which the injection's return "
			 "would reset; nothing was changed", (int)pid);
		return -1;
	}
	return 0;
}

int py_inject_check(pid_t pid, char *err, size_t errlen)
{
	struct py_syms s;

	if (py_inject_check_access(err, errlen) || py_inject_find_syms(pid, &s, err, errlen))
		return -1;
	return py_inject_check_signals(pid, err, errlen);
}

/* System calls that, interrupted by a ptrace stop with no signal handler
 * run, are restarted by the kernel as if nothing happened (-ERESTARTSYS,
 * -ERESTARTNOHAND, restart_syscall). epoll_wait, sigtimedwait, io_getevents
 * and a few others return EINTR to the program instead: a thread sitting in
 * one is borrowed only when nothing better is there (Python retries on
 * EINTR, PEP 475; C code may not). */
static bool restarts(long nr)
{
	static const long ok[] = {
		0 /* read */, 1 /* write */, 7 /* poll */, 17, 18, 19, 20 /* p/readv/writev */,
		23 /* select */, 34 /* pause */, 35 /* nanosleep */, 42, 43, 44, 45, 46, 47 /* socket */,
		61 /* wait4 */, 202 /* futex */, 230 /* clock_nanosleep */, 247 /* waitid */,
		270 /* pselect6 */, 271 /* ppoll */, 288 /* accept4 */,
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (ok[i] == nr)
			return true;
	return false;
}

/* 3: blocked in a system call that restarts; 2: running user code; 1: in
 * another system call; 0: unknown. A thread blocked in a system call
 * cannot be inside the few instructions where CPython holds its
 * pending-calls lock (taken and released with no system call in between),
 * so Py_AddPendingCall called from it cannot wait on itself. */
int py_inject_thread_merit(const char *syscall_line)
{
	long nr;

	if (!strncmp(syscall_line, "running", 7))
		return 2;
	if (sscanf(syscall_line, "%ld", &nr) != 1 || nr < 0)
		return 0;
	return restarts(nr) ? 3 : 1;
}

static int merit(pid_t pid, pid_t tid)
{
	char path[96], line[256] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return py_inject_thread_merit(line);
}

/* Other threads go before the main one at equal merit: the main thread is
 * the one that must come back to Python to run the call, and a tracer that
 * started the process (`-- cmd`) may be waiting for the main thread with
 * waitpid, which would also see our ptrace stops. */
pid_t py_inject_pick_thread(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	pid_t best = pid;
	int best_merit = merit(pid, pid);

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return pid;
	while ((e = readdir(d))) {
		pid_t tid = (pid_t)atoi(e->d_name);
		int mt;

		if (tid <= 0 || tid == pid)
			continue;
		mt = merit(pid, tid);
		if (mt >= best_merit) {
			best = tid;
			best_merit = mt;
		}
	}
	closedir(d);
	return best;
}
