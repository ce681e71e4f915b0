/* A process for tests/progs/py_ptrace_stress.c to borrow threads of, over
 * and over, while it checks itself (tests/e2e/test_py_inject_ptrace.sh):
 *   - a thread blocked in read() on the fifo DIR/fifo: its read must end
 *     only with data (a system call not restarted returns -512 and so on);
 *   - a thread in clock_nanosleep: it may end early only with EINTR (a
 *     signal handler ran), never with a kernel-internal error;
 *   - a thread spinning on floating-point and integer state kept in
 *     registers: a register or XMM value not put back shows as a mismatch;
 *   - a SIGRTMIN handler counting, in every thread (real-time signals queue:
 *     the count must equal what was sent, none swallowed);
 *   - bump(a, b), exported, the function the stress driver calls, and
 *     hang(a, b), which never returns.
 * Runs until DIR/stop exists, then prints "calls=N sigs=M read=TEXT" and
 * exits 0; any failed check prints "FAIL ..." and exits 2. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_long calls, sigs;
static atomic_int stopping;
static const char *dir;
static char got[64];

/* Clobbers every XMM register, as any called function may: the stress
 * driver must put back the state of the thread it borrowed for this. */
__attribute__((noinline, used)) int bump(int a, int b)
{
	__asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\t"
			 "movdqa %%xmm0, %%xmm1\n\tmovdqa %%xmm0, %%xmm2\n\tmovdqa %%xmm0, %%xmm3\n\t"
			 "movdqa %%xmm0, %%xmm4\n\tmovdqa %%xmm0, %%xmm5\n\tmovdqa %%xmm0, %%xmm6\n\t"
			 "movdqa %%xmm0, %%xmm7\n\tmovdqa %%xmm0, %%xmm8\n\tmovdqa %%xmm0, %%xmm9\n\t"
			 "movdqa %%xmm0, %%xmm10\n\tmovdqa %%xmm0, %%xmm11\n\tmovdqa %%xmm0, %%xmm12\n\t"
			 "movdqa %%xmm0, %%xmm13\n\tmovdqa %%xmm0, %%xmm14\n\tmovdqa %%xmm0, %%xmm15"
			 ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
			 "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	atomic_fetch_add(&calls, 1);
	return a + b;
}

/* Never returns: the stress driver's call of it must time out, and the
 * thread it borrowed must go on as before (as after a Py_AddPendingCall
 * blocked on a lock the borrowed thread itself held). */
static sem_t never;
__attribute__((noinline, used)) int hang(int a, int b)
{
	sem_wait(&never);
	return a + b;
}

static void on_rt(int sig)
{
	(void)sig;
	atomic_fetch_add(&sigs, 1);
}

static void die(const char *what, int e)
{
	printf("FAIL %s: %s (%d)\n", what, strerror(e), e);
	fflush(stdout);
	_exit(2);
}

static void *reader(void *arg)
{
	char path[4096];
	int fd;
	ssize_t n;

	(void)arg;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	fd = open(path, O_RDONLY); /* blocks until the writer opens it */
	if (fd < 0)
		die("open fifo", errno);
	do
		n = read(fd, got, sizeof(got) - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die("read", errno);
	got[n > 0 && got[n - 1] == '\n' ? n - 1 : n] = 0;
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	while (!atomic_load(&stopping)) {
		int e = clock_nanosleep(CLOCK_MONOTONIC, 0, &(struct timespec){ 3600, 0 }, NULL);

		if (e && e != EINTR)
			die("clock_nanosleep", e);
	}
	return NULL;
}

/* x and n move together; the loop keeps them in registers (XMM and a
 * general-purpose one) across the stops of this thread. */
static void *spinner(void *arg)
{
	volatile int *stop = arg;
	double x = 0.0, y = 0.5;
	long n = 0;

	while (!*stop) {
		x += 1.0;
		y *= 1.0000001;
		n++;
		if (x != (double)n || y < 0.5)
			die("registers changed under the spinning thread", 0);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_rt, .sa_flags = SA_RESTART };
	pthread_t tr, ts, tp;
	char stop[4096];
	static volatile int spin_stop;

	if (argc != 2)
		return 2;
	dir = argv[1];
	sigaction(SIGRTMIN, &sa, NULL);
	sem_init(&never, 0, 0);
	pthread_create(&tr, NULL, reader, NULL);
	pthread_create(&ts, NULL, sleeper, NULL);
	pthread_create(&tp, NULL, spinner, (void *)&spin_stop);
	snprintf(stop, sizeof(stop), "%s/stop", dir);
	printf("ready\n");
	fflush(stdout);
	while (access(stop, F_OK))
		usleep(5000);
	spin_stop = 1;
	atomic_store(&stopping, 1);
	pthread_join(tr, NULL);
	pthread_join(tp, NULL);
	pthread_kill(ts, SIGRTMIN); /* wakes the sleeper (one more signal counted) */
	pthread_join(ts, NULL);
	printf("calls=%ld sigs=%ld read=%s\n", atomic_load(&calls), atomic_load(&sigs) - 1, got);
	return 0;
}
