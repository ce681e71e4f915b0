/* What one probe hit costs the traced process on this machine, measured at
 * start on functions of the tracer's own (cost/README in the project README,
 * "Cost to the target").
 *
 * A uprobe hit is paid by the thread that runs the probed instruction: the
 * trap (or, on a 5-byte nop, the call the kernel patches in), the kernel's
 * uprobe bookkeeping, the BPF program. The first two depend on the machine
 * (a VM pays a trap dearly) and on the probed instruction, not on the
 * program; this measures them with a trivial program ("r0 = 0; exit"):
 * the CPU time per call of small functions of the tracer's own, with the
 * probes attached as the loader attaches them, minus the same without.
 * The programs' own run time is added from the kernel's statistics. */
#ifndef COST_CALIBRATE_H
#define COST_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kind of instruction a probe sits on. */
enum cost_site {
	COST_SITE_INT3, /* an instruction the kernel emulates (push %rbp, a jump): int3 trap */
	COST_SITE_NOP5, /* a 5-byte nop (-pg -mfentry -mnop-mcount): patched to a call */
	COST_SITE_USDT, /* a USDT probe's 1-byte nop: int3 trap */
	COST_SITE_XOL,  /* any other (lea, mov...): int3, then the instruction is
			 * single-stepped out of line, a second trap */
	COST_SITE_N
};

struct cost_calib {
	bool ok;
	char why[192];                /* !ok: what failed */
	double entry_ns[COST_SITE_N]; /* CPU ns an entry probe (uprobe) adds, per site */
	double ret_ns;                /* CPU ns a return probe (uretprobe) adds */
	/* ns per run the kernel's statistics show for the trivial program:
	 * what they count of a program that does nothing (their own clock
	 * reads), taken off every program's figure. 0: statistics were off. */
	double stats_bias_ns;
	/* CPU ns every probe hit costs more while the statistics are on (their
	 * clock reads and counters); 0 when they were on all along. */
	double stats_extra_ns;
	bool stats_always; /* they were on before we came (kernel.bpf_stats_enabled) */
	bool usdt_measured; /* false: the USDT figure is the int3 one (no symbols) */
	bool multi;         /* measured as uprobe_multi links (else perf events) */
	double took_ms;     /* wall time of the whole calibration */
	int calls;          /* calls per function per round */
};

/* Measures. `multi`: attach as uprobe_multi links (as the loader does when
 * the kernel has them), else one perf event per probe. Then, the kernel's
 * BPF statistics on for a few more rounds: stats_bias_ns, stats_extra_ns.
 * Takes ~10-30 ms of CPU on this thread. Returns
 * 0, or -1 with c->why set (then c->ok is false and nothing else is set). */
int cost_calibrate(struct cost_calib *c, bool multi);

/* Calibrations of one run merged, field by field, into their medians: the
 * machine's load changes, and one unlucky moment should not set the cost
 * of a whole run. v[] are calibrations that succeeded; n >= 1. */
void cost_calib_merge(const struct cost_calib *v, int n, struct cost_calib *out);

/* The calibration as one line ("int3 entry 412 ns, nop5 entry 260 ns, ..."). */
void cost_calib_describe(const struct cost_calib *c, char *buf, size_t len);

/* Whether the kernel's BPF statistics are on for everyone (the sysctl). */
bool cost_stats_enabled_globally(void);

/* Which kind of site the instruction at file offset `off` of `path` is
 * (COST_SITE_NOP5, _INT3 or _XOL), by its first bytes. */
enum cost_site cost_site_of(const char *path, uint64_t off);
/* The same from the bytes themselves (at least 5). */
enum cost_site cost_site_of_bytes(const unsigned char *b);

#endif
