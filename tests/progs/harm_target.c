/*
 * harm_target: a small program that does, under the tracer, the things a
 * real target does and a tracer must survive without harming it: fork,
 * exec, threads that start and exit (also in the middle of a traced call),
 * longjmp out of a traced function, exit in the middle of a traced call.
 * It writes a ledger of what it did, so that the tests compare exactly.
 *
 *   harm-target [--ledger FILE] STEP...
 *
 * Steps run in order:
 *   work:N        N calls of harm_work()
 *   nest:N        N calls of harm_outer(), each calling harm_work() once
 *   tail:N        N calls of harm_tail(), which ends in a tail call (a jmp)
 *                 to harm_work(): both frames share one return address
 *   threads:TxN   T threads, each N calls of harm_work(), joined
 *   recurse:DxN   N times, harm_recurse() D deep (the tracer keeps 16 levels)
 *   recurse-jump:DxN  the same, then longjmp from the deepest to the top
 *   thread-exit:T T threads that pthread_exit() inside harm_thread_exit(),
 *                 itself called from harm_thread_outer(): 2 frames each
 *   jump:N[xD]    N times, longjmp out of D nested traced frames (D = 1:
 *                 harm_jump(); D = 2: harm_jump_outer() -> harm_jump());
 *                 setjmp() is here, outside every traced function
 *   fork:N        N calls of harm_fork(), which forks inside the traced
 *                 call; each child does work:10, writes its own ledger
 *                 lines and exits 0; the parent checks every child's status
 *   exec          harm_exec() execs this program again with the steps
 *                 left (the ledger so far is written first)
 *   exit:S        harm_exit() writes the ledger and exit(S)s mid-call
 *   slow:MS       one call of harm_slow(), which sleeps MS milliseconds
 *   locked:N      N calls of harm_locked(), whose first instruction is
 *                 lock-prefixed: x86 uprobes cannot probe it (not counted)
 *   wait:PATH     wait until PATH exists (not traced)
 *   signals       ledger line with SigIgn, SigBlk and the open fds
 *   quick         nothing (a target that is gone in about a millisecond)
 *   usdt:N        N times: USDT probe harm:harm_usdt_span, two calls of
 *                 harm_work(), probe harm:harm_usdt_span_done (a span on two
 *                 USDT probes; the ledger counts it as fn=harm_usdt_span)
 *
 * Ledger (to FILE, appended with one write per process, or to stdout):
 *   pid=P fn=NAME entered=E returned=R    (every function entered at least once)
 *   pid=P sigign=HEX sigblk=HEX fds=0,1,2 (the `signals` step)
 *   pid=P exit=S                          (last line of a process that ends normally)
 * A traced call shows as one span when returned; entered - returned
 * frames were abandoned (longjmp, thread exit, exec, exit).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/sdt.h>
#include <time.h>
#include <unistd.h>

/* Exported (-rdynamic), never inlined nor cloned into .constprop copies:
 * the probe map binds these names, and every call must go through them. */
#define TRACED __attribute__((noipa, used, visibility("default")))

enum fn {
	F_WORK, F_OUTER, F_TAIL, F_RECURSE, F_THREAD_OUTER, F_THREAD_EXIT, F_JUMP_OUTER, F_JUMP,
	F_FORK, F_EXEC, F_EXIT, F_SLOW, F_USDT, F_COUNT
};
static const char *const fn_names[F_COUNT] = {
	"harm_work", "harm_outer", "harm_tail", "harm_recurse", "harm_thread_outer", "harm_thread_exit", "harm_jump_outer",
	"harm_jump", "harm_fork", "harm_exec", "harm_exit", "harm_slow",
	"harm_usdt_span", /* not a function: the USDT probes harm:harm_usdt_span(_done) */
};
static atomic_long entered[F_COUNT], returned[F_COUNT];
static const char *ledger_path;
static char extra[512]; /* the `signals` line, if any */
static char *self_exe;

/* Out of line: a traced function must not begin with the counter's
 * lock-prefixed add, an instruction x86 uprobes refuse (ENOTSUPP). */
static __attribute__((noinline)) void count(atomic_long *c)
{
	atomic_fetch_add(c, 1);
}
#define ENTER(f) count(&entered[f])
#define RETURN(f) count(&returned[f])

static void die(const char *what)
{
	fprintf(stderr, "harm-target: %s: %s\n", what, strerror(errno));
	exit(99);
}

/* One write(): lines of processes sharing the file never interleave. */
static void ledger_write(int status, int with_exit)
{
	char buf[4096];
	int n = 0, pid = (int)getpid();

	for (int f = 0; f < F_COUNT; f++)
		if (atomic_load(&entered[f]))
			n += snprintf(buf + n, sizeof(buf) - n, "pid=%d fn=%s entered=%ld returned=%ld\n",
				      pid, fn_names[f], atomic_load(&entered[f]), atomic_load(&returned[f]));
	if (extra[0])
		n += snprintf(buf + n, sizeof(buf) - n, "pid=%d %s\n", pid, extra);
	if (with_exit)
		n += snprintf(buf + n, sizeof(buf) - n, "pid=%d exit=%d\n", pid, status);
	int fd = ledger_path ? open(ledger_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : 1;

	if (fd < 0)
		die(ledger_path);
	if (write(fd, buf, n) != n)
		die("ledger write");
	if (fd != 1)
		close(fd);
}

/* What a compiler makes of a short function that bumps an atomic counter:
 * the lock-prefixed add comes first. The tracer must refuse to bind it. */
long harm_locked(void);
__asm__(".text\n"
	".globl harm_locked\n"
	".type harm_locked, @function\n"
	"harm_locked:\n"
	"	lock incq harm_locked_calls(%rip)\n"
	"	xorl %eax, %eax\n"
	"	ret\n"
	".size harm_locked, .-harm_locked\n");
__attribute__((used)) long harm_locked_calls;

TRACED long harm_work(long x)
{
	ENTER(F_WORK);
	__asm__ volatile("" : "+r"(x));
	x = x * 2 + 1;
	RETURN(F_WORK);
	return x;
}

TRACED long harm_outer(long x)
{
	ENTER(F_OUTER);
	x = harm_work(x);
	RETURN(F_OUTER);
	return x;
}

/* Counted as returned before it jumps: the jmp hands harm_work() this
 * frame's return address, so both return at once, harm_work() first. */
__attribute__((noinline, used, visibility("default"), optimize("optimize-sibling-calls")))
long harm_tail(long x)
{
	ENTER(F_TAIL);
	RETURN(F_TAIL);
	return harm_work(x + 1);
}

/* depth levels; at the bottom, longjmp to `jb` if there is one. */
TRACED long harm_recurse(long depth, jmp_buf *jb)
{
	long r = 0;

	ENTER(F_RECURSE);
	if (depth > 1)
		r = harm_recurse(depth - 1, jb);
	else if (jb)
		longjmp(*jb, 1);
	RETURN(F_RECURSE);
	return r + 1;
}

TRACED long harm_thread_exit(long x)
{
	ENTER(F_THREAD_EXIT);
	pthread_exit((void *)x); /* the frame and its caller's never return */
}

TRACED long harm_thread_outer(long x)
{
	ENTER(F_THREAD_OUTER);
	x = harm_thread_exit(x);
	RETURN(F_THREAD_OUTER);
	return x;
}

TRACED long harm_jump(jmp_buf *jb)
{
	ENTER(F_JUMP);
	longjmp(*jb, 1);
}

TRACED long harm_jump_outer(jmp_buf *jb)
{
	ENTER(F_JUMP_OUTER);
	long r = harm_jump(jb);

	RETURN(F_JUMP_OUTER);
	return r;
}

/* Forks inside a traced call: the child returns from it too (through the
 * uretprobe trampoline it inherited), then does its own work. */
TRACED long harm_fork(long x)
{
	ENTER(F_FORK);
	__asm__ volatile("" : : "r"(x)); /* an argument, as a real call has */
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	RETURN(F_FORK);
	return pid;
}

TRACED long harm_exec(char **argv)
{
	ENTER(F_EXEC);
	ledger_write(0, 0);
	execv(self_exe, argv);
	die("exec");
	return -1;
}

TRACED long harm_exit(long status)
{
	ENTER(F_EXIT);
	ledger_write((int)status, 1);
	exit((int)status);
}

TRACED long harm_slow(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	ENTER(F_SLOW);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	RETURN(F_SLOW);
	return ms;
}

static void *work_thread(void *arg)
{
	long n = (long)arg;

	for (long i = 0; i < n; i++)
		harm_work(i);
	return NULL;
}

static void *exit_thread(void *arg)
{
	harm_thread_outer((long)arg);
	return NULL;
}

static void run_threads(long t, void *(*fn)(void *), long arg)
{
	pthread_t th[256];

	if (t < 1 || t > 256) {
		fprintf(stderr, "harm-target: 1 to 256 threads\n");
		exit(2);
	}
	for (long i = 0; i < t; i++)
		if ((errno = pthread_create(&th[i], NULL, fn, (void *)arg)))
			die("pthread_create");
	for (long i = 0; i < t; i++)
		pthread_join(th[i], NULL);
}

static void do_jumps(long n, long depth)
{
	for (volatile long i = 0; i < n; i++) {
		jmp_buf jb;

		if (setjmp(jb) == 0) {
			if (depth == 2)
				harm_jump_outer(&jb);
			else
				harm_jump(&jb);
		}
	}
}

static void do_recursions(long depth, long n, bool jump)
{
	for (volatile long i = 0; i < n; i++) {
		jmp_buf jb;

		if (setjmp(jb) == 0)
			harm_recurse(depth, jump ? &jb : NULL);
	}
}

static void do_forks(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = (pid_t)harm_fork(i);
		int st;

		if (pid == 0) { /* the child: its own counts from zero */
			for (int f = 0; f < F_COUNT; f++)
				atomic_store(&entered[f], 0), atomic_store(&returned[f], 0);
			extra[0] = 0;
			work_thread((void *)10L);
			ledger_write(0, 1);
			_exit(0);
		}
		if (waitpid(pid, &st, 0) != pid)
			die("waitpid");
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "harm-target: child %d failed (status 0x%x)\n", (int)pid, st);
			exit(98);
		}
	}
}

static void signals_line(void)
{
	char line[256], ign[32] = "?", blk[32] = "?", fds[200] = "";
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		die("/proc/self/status");
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "SigIgn: %31s", ign);
		sscanf(line, "SigBlk: %31s", blk);
	}
	fclose(f);
	DIR *d = opendir("/proc/self/fd");
	int dfd = d ? dirfd(d) : -1, fd[64], n = 0;

	if (!d)
		die("/proc/self/fd");
	for (struct dirent *e; (e = readdir(d)) && n < 64;)
		if (e->d_name[0] != '.' && atoi(e->d_name) != dfd)
			fd[n++] = atoi(e->d_name);
	closedir(d);
	for (int i = 1; i < n; i++) /* readdir order is not numeric */
		for (int j = i; j > 0 && fd[j] < fd[j - 1]; j--) {
			int t = fd[j];

			fd[j] = fd[j - 1], fd[j - 1] = t;
		}
	for (int i = 0, m = 0; i < n; i++)
		m += snprintf(fds + m, sizeof(fds) - m, "%s%d", i ? "," : "", fd[i]);
	snprintf(extra, sizeof(extra), "sigign=%s sigblk=%s fds=%s", ign, blk, fds);
}

static void wait_for_file(const char *path)
{
	struct stat sb;

	fprintf(stderr, "harm-target: pid %d waiting for %s\n", (int)getpid(), path);
	while (stat(path, &sb))
		usleep(1000);
}

static long num(const char *s, const char *step)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || v < 0) {
		fprintf(stderr, "harm-target: %s: expected a number\n", step);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	int i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	self_exe = realpath("/proc/self/exe", NULL);
	if (!self_exe)
		die("/proc/self/exe");
	if (i + 1 < argc && !strcmp(argv[i], "--ledger"))
		ledger_path = argv[i + 1], i += 2;
	for (; i < argc; i++) {
		const char *s = argv[i], *v = strchr(s, ':');
		const char *x = v ? strchr(v, 'x') : NULL;

		v = v ? v + 1 : "";
		if (!strncmp(s, "work:", 5)) {
			work_thread((void *)num(v, s));
		} else if (!strncmp(s, "usdt:", 5)) {
			for (long k = num(v, s); k > 0; k--) {
				ENTER(F_USDT);
				DTRACE_PROBE1(harm, harm_usdt_span, k);
				harm_work(k);
				harm_work(k + 1);
				DTRACE_PROBE1(harm, harm_usdt_span_done, k);
				RETURN(F_USDT);
			}
		} else if (!strncmp(s, "nest:", 5)) {
			for (long k = num(v, s); k > 0; k--)
				harm_outer(k);
		} else if (!strncmp(s, "tail:", 5)) {
			for (long k = num(v, s); k > 0; k--)
				harm_tail(k);
		} else if (!strncmp(s, "threads:", 8) && x) {
			run_threads(num(v, s), work_thread, num(x + 1, s));
		} else if (!strncmp(s, "recurse:", 8) && x) {
			do_recursions(num(v, s), num(x + 1, s), false);
		} else if (!strncmp(s, "recurse-jump:", 13) && x) {
			do_recursions(num(v, s), num(x + 1, s), true);
		} else if (!strncmp(s, "thread-exit:", 12)) {
			run_threads(num(v, s), exit_thread, 0);
		} else if (!strncmp(s, "jump:", 5)) {
			do_jumps(num(v, s), x ? num(x + 1, s) : 1);
		} else if (!strncmp(s, "fork:", 5)) {
			do_forks(num(v, s));
		} else if (!strcmp(s, "exec")) {
			/* argv[0], --ledger FILE, then the steps after this one */
			char **nv = calloc(argc + 3, sizeof(*nv));
			int k = 0;

			if (!nv)
				die("calloc");
			nv[k++] = argv[0];
			if (ledger_path)
				nv[k++] = "--ledger", nv[k++] = (char *)ledger_path;
			for (int j = i + 1; j < argc; j++)
				nv[k++] = argv[j];
			harm_exec(nv);
		} else if (!strncmp(s, "exit:", 5)) {
			harm_exit(num(v, s));
		} else if (!strncmp(s, "slow:", 5)) {
			harm_slow(num(v, s));
		} else if (!strncmp(s, "locked:", 7)) {
			for (long k = num(v, s); k > 0; k--)
				harm_locked();
		} else if (!strncmp(s, "wait:", 5)) {
			wait_for_file(v);
		} else if (!strcmp(s, "signals")) {
			signals_line();
		} else if (!strcmp(s, "quick")) {
			continue;
		} else {
			fprintf(stderr, "harm-target: unknown step '%s' (see the comment at the top of %s)\n",
				s, __FILE__);
			return 2;
		}
	}
	ledger_write(0, 1);
	return 0;
}
