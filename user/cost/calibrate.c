/* Trap cost calibration on the tracer's own functions (calibrate.h). */
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sdt.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "cost/calibrate.h"
#include "source/uprobe/uprobe_multi.h"

/*
 * The functions probed. Written in assembly so that each starts with the
 * instruction it stands for whatever the compiler flags (sanitizers, CET),
 * and all have the same body: the bare one, never probed, is the baseline.
 * _e: entry probe only; _p: entry and return probes (the return probe's
 * cost is int3_p - int3_e; nop5_p is there for the entry's patching, which
 * the kernel may do differently for a function with a return probe). The USDT one is a real
 * semaphore-less USDT probe (sys/sdt.h), its site labelled so that it can
 * be found without reading the binary's notes.
 */
#define CALIB_FN(name, first)                                     \
	"\t.p2align 4\n\t.globl " name "\n\t.hidden " name "\n"     \
	"\t.type " name ",@function\n" name ":\n" first             \
	"\tpush %rbp\n\tmov %rsp,%rbp\n\tmov %rdi,%rax\n\tpop %rbp\n\tret\n" \
	"\t.size " name ",.-" name "\n"
#define NOP5 "\t.byte 0x0f,0x1f,0x44,0x00,0x00\n"

__asm__("\t.pushsection .text\n"
	CALIB_FN("cost_calib_bare", "")
	CALIB_FN("cost_calib_int3_e", "")
	CALIB_FN("cost_calib_int3_p", "")
	CALIB_FN("cost_calib_nop5_e", NOP5)
	CALIB_FN("cost_calib_nop5_p", NOP5)
	CALIB_FN("cost_calib_xol_e", "\tlea (%rdi,%rdi,2),%rax\n")
	"\t.p2align 4\n\t.globl cost_calib_usdt\n\t.hidden cost_calib_usdt\n"
	"\t.type cost_calib_usdt,@function\ncost_calib_usdt:\n"
	"\tpush %rbp\n\tmov %rsp,%rbp\n"
	"\t.globl cost_calib_usdt_site\n\t.hidden cost_calib_usdt_site\ncost_calib_usdt_site:\n"
	STAP_PROBE_ASM(mcp_bpftrace, cost_calibrate, )
	"\tmov %rdi,%rax\n\tpop %rbp\n\tret\n"
	"\t.size cost_calib_usdt,.-cost_calib_usdt\n"
	"\t.popsection\n");

long cost_calib_bare(long), cost_calib_int3_e(long), cost_calib_int3_p(long);
long cost_calib_nop5_e(long), cost_calib_nop5_p(long), cost_calib_usdt(long), cost_calib_xol_e(long);
extern const char cost_calib_usdt_site[];

enum { F_BARE, F_INT3_E, F_INT3_P, F_NOP5_E, F_NOP5_P, F_USDT, F_XOL_E, F_N };

typedef long (*calib_fn)(long);
static const calib_fn fns[F_N] = {
	cost_calib_bare, cost_calib_int3_e, cost_calib_int3_p, cost_calib_nop5_e, cost_calib_nop5_p, cost_calib_usdt,
	cost_calib_xol_e,
};

#define MAX_ROUNDS 15
#define MIN_ROUNDS 5
#define STATS_ROUNDS 5
#define CALLS 200           /* per function per round */
#define BUDGET_NS 15000000  /* stop adding rounds after 15 ms */

static uint64_t ns_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* File offset of our own code at `addr`, from /proc/self/maps. */
/* The file our code is mapped from, as /proc/self/maps names it: the
 * probes go on that file, not on "/proc/self/exe", which under a
 * dynamic-translation tool (valgrind) is the tool's own binary, whose
 * code the breakpoints would corrupt. */
static char self_path[PATH_MAX];

/* Under valgrind our code runs translated, never from its file's pages: a
 * breakpoint written there is read by the translator as an int3 of the
 * program's own, and the process dies of SIGTRAP. Its preload library is
 * mapped into every process it runs. */
static bool under_valgrind(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[PATH_MAX + 128];
	bool yes = false;

	while (f && !yes && fgets(line, sizeof(line), f))
		yes = strstr(line, "/vgpreload_") != NULL;
	if (f)
		fclose(f);
	return yes;
}

static int self_offset(const void *addr, uint64_t *off)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[PATH_MAX + 128];
	uintptr_t a = (uintptr_t)addr;
	int rc = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		uintptr_t lo, hi;
		uint64_t fo;
		int path_at = 0;

		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %*s %" SCNx64 " %*s %*s %n", &lo, &hi, &fo, &path_at) >= 3 &&
		    a >= lo && a < hi) {
			*off = a - lo + fo;
			line[strcspn(line, "\n")] = 0;
			snprintf(self_path, sizeof(self_path), "%s", path_at ? line + path_at : "");
			rc = self_path[0] == '/' ? 0 : -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* "r0 = 0; exit": the cheapest program a probe can run. */
static int load_trivial(bool multi)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = multi ? UMULTI_ATTACH_TYPE : 0);

	return bpf_prog_load(BPF_PROG_TYPE_KPROBE, "mcp_cost_calib", "GPL", insns, 2, &o);
}

static int read_sysfs_int(const char *path, const char *prefix)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC), v = -1;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (strncmp(buf, prefix, strlen(prefix)) || sscanf(buf + strlen(prefix), "%d", &v) != 1)
		return -1;
	return v;
}

/* A perf-event uprobe on this thread alone, running `prog`. */
static int perf_uprobe(int prog, uint64_t off, bool ret)
{
	int type = read_sysfs_int("/sys/bus/event_source/devices/uprobe/type", "");
	int bit = read_sysfs_int("/sys/bus/event_source/devices/uprobe/format/retprobe", "config:");
	struct perf_event_attr a;
	int fd;

	if (type < 0 || (ret && bit < 0))
		return -ENOENT;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = (uint32_t)type;
	a.config = ret ? 1ULL << bit : 0;
	a.config1 = (uint64_t)(uintptr_t)self_path;
	a.config2 = off;
	fd = (int)syscall(__NR_perf_event_open, &a, (pid_t)syscall(SYS_gettid), -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog) || ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* CPU ns per call of fn over n calls, on this thread. */
static double per_call(calib_fn fn, int n)
{
	calib_fn volatile f = fn;
	volatile long sink = 0;
	uint64_t t0 = ns_of(CLOCK_THREAD_CPUTIME_ID);

	for (int i = 0; i < n; i++)
		sink += f(i);
	(void)sink;
	return (double)(ns_of(CLOCK_THREAD_CPUTIME_ID) - t0) / n;
}

/* Kernel statistics of `prog` (run count, run time) when they are on. */
static bool prog_stats(int prog, uint64_t *cnt, uint64_t *ns)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(prog, &info, &len))
		return false;
	*cnt = info.run_cnt;
	*ns = info.run_time_ns;
	return true;
}

static double nonneg(double v)
{
	return v > 0 ? v : 0;
}

int cost_calibrate(struct cost_calib *c, bool multi)
{
	uint64_t t_start = ns_of(CLOCK_MONOTONIC), off[F_N];
	int prog = -1, links[8], nlinks = 0, rc = -1;
	double samples[F_N][MAX_ROUNDS], med[F_N];
	int rounds = 0;

	memset(c, 0, sizeof(*c));
	c->multi = multi;
	c->calls = CALLS;
	if (under_valgrind()) {
		snprintf(c->why, sizeof(c->why), "running under valgrind (no probe on the tracer's own code)");
		return -1;
	}
	for (int i = 0; i < F_N; i++) {
		const void *at = i == F_USDT ? (const void *)cost_calib_usdt_site : (const void *)fns[i];

		if (self_offset(at, &off[i])) {
			snprintf(c->why, sizeof(c->why), "cannot find the tracer's own code in /proc/self/maps");
			return -1;
		}
	}
	prog = load_trivial(multi);
	if (prog < 0) {
		snprintf(c->why, sizeof(c->why), "cannot load the calibration program: %s", strerror(-prog));
		return -1;
	}
	if (multi) {
		const uint64_t eo[] = {off[F_INT3_E], off[F_INT3_P], off[F_NOP5_E], off[F_NOP5_P], off[F_USDT],
				       off[F_XOL_E]};
		const uint64_t ro[] = {off[F_INT3_P], off[F_NOP5_P]};
		const uint64_t cookies[6] = {0};
		int e = umulti_attach(prog, self_path, getpid(), true, ro, cookies, 2);

		if (e >= 0)
			links[nlinks++] = e;
		if (e >= 0 && (e = umulti_attach(prog, self_path, getpid(), false, eo, cookies, 6)) >= 0)
			links[nlinks++] = e;
		if (e < 0) {
			snprintf(c->why, sizeof(c->why), "cannot attach the calibration probes (uprobe_multi): %s",
				 strerror(-e));
			goto out;
		}
	} else {
		const struct { int f; bool ret; } pr[] = {
			{F_INT3_P, true}, {F_NOP5_P, true}, {F_INT3_E, false}, {F_INT3_P, false},
			{F_NOP5_E, false}, {F_NOP5_P, false}, {F_USDT, false}, {F_XOL_E, false},
		};

		for (size_t i = 0; i < sizeof(pr) / sizeof(pr[0]); i++) {
			int e = perf_uprobe(prog, off[pr[i].f], pr[i].ret);

			if (e < 0) {
				snprintf(c->why, sizeof(c->why), "cannot attach the calibration probes (perf event): %s",
					 strerror(-e));
				goto out;
			}
			links[nlinks++] = e;
		}
	}
	/* Warm-up: the first hits set up the kernel's per-process uprobe
	 * state and, on a 5-byte nop, patch the call in. */
	for (int f = 0; f < F_N; f++)
		per_call(fns[f], 20);
	uint64_t cnt0 = 0, ns0 = 0, cnt1, ns1;
	bool stats = prog_stats(prog, &cnt0, &ns0);
	uint64_t t_meas = ns_of(CLOCK_MONOTONIC);

	/* Rounds interleave the functions, so that a slow moment of a busy
	 * machine falls on all of them; medians of the rounds. */
	while (rounds < MAX_ROUNDS && (rounds < MIN_ROUNDS || ns_of(CLOCK_MONOTONIC) - t_meas < BUDGET_NS)) {
		for (int f = 0; f < F_N; f++) /* a single-stepped hit can cost 20 µs: fewer */
			samples[f][rounds] = per_call(fns[f], f == F_XOL_E ? CALLS / 4 : CALLS);
		rounds++;
	}
	for (int f = 0; f < F_N; f++)
		med[f] = median(samples[f], rounds);
	c->entry_ns[COST_SITE_INT3] = nonneg(med[F_INT3_E] - med[F_BARE]);
	c->entry_ns[COST_SITE_NOP5] = nonneg(med[F_NOP5_E] - med[F_BARE]);
	c->entry_ns[COST_SITE_USDT] = nonneg(med[F_USDT] - med[F_BARE]);
	c->entry_ns[COST_SITE_XOL] = nonneg(med[F_XOL_E] - med[F_BARE]);
	c->usdt_measured = true;
	c->ret_ns = nonneg(med[F_INT3_P] - med[F_INT3_E]);
	c->stats_always = cost_stats_enabled_globally();
	if (!c->stats_always) {
		/* The statistics on and off by turns: what they add to a hit,
		 * and what they show for a program that does nothing. */
		double extra[STATS_ROUNDS];
		uint64_t dc = 0, dn = 0;
		int n = 0;

		for (int r = 0; r < STATS_ROUNDS; r++) {
			double off_ns = per_call(fns[F_INT3_E], CALLS);
			int sfd = bpf_enable_stats(BPF_STATS_RUN_TIME);

			if (sfd < 0)
				break;
			bool st = prog_stats(prog, &cnt0, &ns0);
			double on_ns = per_call(fns[F_INT3_E], CALLS);

			if (st && prog_stats(prog, &cnt1, &ns1) && cnt1 > cnt0) {
				dc += cnt1 - cnt0;
				dn += ns1 - ns0;
			}
			close(sfd);
			extra[n++] = on_ns - off_ns;
		}
		if (n)
			c->stats_extra_ns = nonneg(median(extra, n));
		if (dc)
			c->stats_bias_ns = (double)dn / (double)dc;
	} else if (stats && prog_stats(prog, &cnt1, &ns1) && cnt1 > cnt0) {
		c->stats_bias_ns = (double)(ns1 - ns0) / (double)(cnt1 - cnt0);
	}
	/* The time to measure; removing the probes (below) waits for the
	 * kernel's grace periods, on this thread, while tracing goes on. */
	c->took_ms = (double)(ns_of(CLOCK_MONOTONIC) - t_start) / 1e6;
	c->ok = true;
	rc = 0;
out:
	for (int i = 0; i < nlinks; i++)
		close(links[i]);
	close(prog);
	return rc;
}

void cost_calib_describe(const struct cost_calib *c, char *buf, size_t len)
{
	if (!c->ok) {
		snprintf(buf, len, "not calibrated: %s", c->why);
		return;
	}
	snprintf(buf, len,
		 "per probe hit: entry %.0f ns (int3), %.0f ns (5-byte nop), %.0f ns (USDT), %.0f ns (single-stepped); "
		 "return %.0f ns; "
		 "BPF statistics: %.0f ns/run of their own, %.0f ns a hit while on%s; %s; measured in %.1f ms",
		 c->entry_ns[COST_SITE_INT3], c->entry_ns[COST_SITE_NOP5], c->entry_ns[COST_SITE_USDT],
		 c->entry_ns[COST_SITE_XOL], c->ret_ns,
		 c->stats_bias_ns, c->stats_extra_ns, c->stats_always ? " (on for everyone)" : "",
		 c->multi ? "uprobe_multi links" : "perf-event links", c->took_ms);
}

/*
 * What the x86 kernel emulates at a uprobe (arch/x86/kernel/uprobes.c):
 * a push of a register, nops, jumps and calls with a relative target;
 * anything else is copied to a slot and single-stepped there, which costs
 * a second trap. A prefix we do not know is taken as single-stepped: the
 * dearer guess. (A 5-byte nop is patched into a call on 6.x kernels.)
 */
enum cost_site cost_site_of_bytes(const unsigned char *b)
{
	static const unsigned char nop5[5] = {0x0f, 0x1f, 0x44, 0x00, 0x00};

	if (!memcmp(b, nop5, sizeof(nop5)))
		return COST_SITE_NOP5;
	if ((b[0] >= 0x50 && b[0] <= 0x57) || b[0] == 0x90 || b[0] == 0xe8 || b[0] == 0xe9 || b[0] == 0xeb ||
	    (b[0] >= 0x70 && b[0] <= 0x7f))
		return COST_SITE_INT3;
	if (b[0] == 0x41 && b[1] >= 0x50 && b[1] <= 0x57) /* push %r8..%r15 */
		return COST_SITE_INT3;
	if (b[0] == 0x0f && ((b[1] >= 0x80 && b[1] <= 0x8f) || b[1] == 0x1f)) /* jcc rel32, nopl */
		return COST_SITE_INT3;
	if (b[0] == 0x66 && b[1] == 0x90) /* xchg %ax,%ax */
		return COST_SITE_INT3;
	return COST_SITE_XOL;
}

enum cost_site cost_site_of(const char *path, uint64_t off)
{
	unsigned char b[8] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, b, sizeof(b), (off_t)off) : -1;

	if (fd >= 0)
		close(fd);
	return n >= 5 ? cost_site_of_bytes(b) : COST_SITE_INT3;
}

bool cost_stats_enabled_globally(void)
{
	return read_sysfs_int("/proc/sys/kernel/bpf_stats_enabled", "") == 1;
}

static double median_of(const struct cost_calib *v, int n, size_t field_off)
{
	double x[16];

	if (n > 16)
		n = 16;
	for (int i = 0; i < n; i++)
		memcpy(&x[i], (const char *)&v[i] + field_off, sizeof(double));
	return median(x, n);
}

void cost_calib_merge(const struct cost_calib *v, int n, struct cost_calib *out)
{
	*out = v[n - 1];
	for (int s = 0; s < COST_SITE_N; s++)
		out->entry_ns[s] = median_of(v, n, offsetof(struct cost_calib, entry_ns) + (size_t)s * sizeof(double));
	out->ret_ns = median_of(v, n, offsetof(struct cost_calib, ret_ns));
	out->stats_bias_ns = median_of(v, n, offsetof(struct cost_calib, stats_bias_ns));
	out->stats_extra_ns = median_of(v, n, offsetof(struct cost_calib, stats_extra_ns));
	out->took_ms = v[0].took_ms; /* the first one is the one the start waited for */
}
