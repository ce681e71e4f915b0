/* Borrows the threads of tests/progs/py_ptrace_target.c in turn, ROUNDS
 * times: each time a system call (getpid) and a call of its bump(r, 7),
 * both results checked (every tenth time after a call of hang(), which
 * must time out and leave the thread able to go on), while a child process showers the target and each
 * of its threads with SIGRTMIN. Prints
 *   "rounds=R failures=F sent=S held_ms_avg=A held_ms_max=M"
 * (the target then prints how many calls and signals it saw; the test
 * compares). Usage: py-ptrace-stress PID ROUNDS */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "source/python/ptrace_call.h"
#include "source/uprobe/elf_symbols.h"
#include "target/proc_maps.h"

static int tids(pid_t pid, pid_t *out, int max)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if (!(d = opendir(path)))
		return 0;
	while ((e = readdir(d)) && n < max)
		if (atoi(e->d_name) > 0)
			out[n++] = atoi(e->d_name);
	closedir(d);
	return n;
}

static uint64_t find_func(pid_t pid, const char *name)
{
	char link[64], exe[2048] = "", file[4096], err[256];
	struct proc_maps m;
	struct elf_info info;
	const struct elf_func *f;
	uint64_t addr = 0;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	if (readlink(link, exe, sizeof(exe) - 1) < 0 || proc_maps_read(pid, &m))
		return 0;
	snprintf(file, sizeof(file), "/proc/%d/root%s", (int)pid, exe);
	if (!elf_info_load(file, &info, err, sizeof(err))) {
		if ((f = elf_find_func(&info, name)))
			addr = proc_maps_runtime_addr(&m, exe, f->offset);
		elf_info_free(&info);
	}
	proc_maps_free(&m);
	return addr;
}

/* The child: SIGRTMIN to the process and to each thread, until SIGTERM;
 * then how many were accepted, on its stdout pipe. */
static void shower(pid_t pid, int out)
{
	struct timespec zero = { 0, 0 };
	sigset_t term;
	long sent = 0;
	pid_t t[64];

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL); /* taken with sigtimedwait below */
	while (sigtimedwait(&term, NULL, &zero) != SIGTERM) {
		int n = tids(pid, t, 64);

		if (!kill(pid, SIGRTMIN))
			sent++;
		for (int i = 0; i < n; i++)
			if (!syscall(SYS_tgkill, pid, t[i], SIGRTMIN))
				sent++;
		usleep(300);
	}
	if (write(out, &sent, sizeof(sent)) != sizeof(sent))
		_exit(1);
	_exit(0);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	pid_t pid, t[64], child;
	int rounds, failures = 0, fds[2];
	uint64_t bump, hang;
	long sent = -1;
	double held_sum = 0, held_max = 0;
	char err[512];

	if (argc != 3)
		return 2;
	pid = atoi(argv[1]);
	rounds = atoi(argv[2]);
	if (!(bump = find_func(pid, "bump")) || !(hang = find_func(pid, "hang"))) {
		fprintf(stderr, "no bump() or hang() in process %d\n", (int)pid);
		return 1;
	}
	if (pipe(fds) || (child = fork()) < 0)
		return 1;
	if (child == 0)
		shower(pid, fds[1]);
	for (int r = 0; r < rounds; r++) {
		int n = tids(pid, t, 64);
		struct ptrace_thread th;
		uint64_t args[6] = { 0 }, ret = 0;
		int64_t sret = 0;
		double t0 = now_ms(), held;
		int rc = ptrace_borrow(pid, t[r % n], &th, err, sizeof(err));

		if (!rc)
			rc = ptrace_syscall(&th, SYS_getpid, args, &sret, err, sizeof(err));
		if (!rc && sret != pid)
			snprintf(err, sizeof(err), "getpid returned %lld", (long long)sret), rc = -1;
		/* Every tenth round, first a call that never returns: taken back
		 * after 50 ms, the thread as it was. */
		if (!rc && r % 10 == 0 && !ptrace_call(&th, hang, 0, 0, &ret, 50, err, sizeof(err)))
			snprintf(err, sizeof(err), "hang() returned"), rc = -1;
		else if (!rc && r % 10 == 0 && !strstr(err, "did not return within 50 ms"))
			rc = -1;
		if (!rc)
			rc = ptrace_call(&th, bump, r, 7, &ret, 1000, err, sizeof(err));
		if (!rc && (int)ret != r + 7)
			snprintf(err, sizeof(err), "bump returned %d", (int)ret), rc = -1;
		if (ptrace_release(&th, err + strlen(err), sizeof(err) - strlen(err)))
			rc = -1;
		held = now_ms() - t0;
		held_sum += held;
		held_max = held > held_max ? held : held_max;
		if (rc) {
			failures++;
			fprintf(stderr, "round %d, thread %d: %s\n", r, (int)t[r % n], err);
		}
	}
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	if (read(fds[0], &sent, sizeof(sent)) != sizeof(sent))
		sent = -1;
	printf("rounds=%d failures=%d sent=%ld held_ms_avg=%.3f held_ms_max=%.3f\n", rounds, failures,
	       sent, held_sum / rounds, held_max);
	return failures ? 1 : 0;
}
