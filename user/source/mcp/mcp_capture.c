/* How the mcp source captures reads and writes: see mcp_capture.h. */
#include "source/mcp/mcp_capture.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "source/uprobe/uprobe_multi.h"
#include "mcp_io.skel.h"

static void comm_of(pid_t pid, char *out, size_t n)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	out[0] = 0;
	f = fopen(path, "re");
	if (f) {
		if (fgets(out, (int)n, f))
			out[strcspn(out, "\n")] = 0;
		fclose(f);
	}
}

int mcp_capture_configure(struct mcp_capture_state *c, struct source *s, struct mcp_io_bpf *skel, char *err,
			  size_t errlen)
{
	const struct source_env *env = s->env;

	c->s = s;
	c->skel = skel;
	c->mode = (enum mcp_capture)env->mcp_capture;
	if (c->mode != MCP_CAPTURE_SYSCALLS && (env->all || env->container))
		c->mode = MCP_CAPTURE_SYSCALLS; /* processes not known by pid (cli refuses libc) */
	if (c->mode != MCP_CAPTURE_SYSCALLS && !umulti_supported()) {
		if (c->mode == MCP_CAPTURE_LIBC) {
			snprintf(err, errlen, "--mcp-capture=libc needs uprobe_multi links (Linux 6.6 or later)");
			return 1;
		}
		if (env->verbose)
			fprintf(stderr, "mcp-bpftrace: mcp: no uprobe_multi links on this kernel: syscall capture\n");
		c->mode = MCP_CAPTURE_SYSCALLS;
	}
	if (c->mode == MCP_CAPTURE_SYSCALLS) {
		bpf_program__set_autoload(skel->progs.mcp_libc_enter, false);
		bpf_program__set_autoload(skel->progs.mcp_libc_exit, false);
		bpf_program__set_autoload(skel->progs.mcp_hold_fork, false);
		bpf_program__set_autoload(skel->progs.mcp_hold_exec, false);
	} else {
		bpf_program__set_expected_attach_type(skel->progs.mcp_libc_enter, UMULTI_ATTACH_TYPE);
		bpf_program__set_expected_attach_type(skel->progs.mcp_libc_exit, UMULTI_ATTACH_TYPE);
		skel->rodata->hold_forks = env->follow;
	}
	return 0;
}

static void destroy(struct bpf_link **l)
{
	for (int i = 0; i < 2; i++) {
		bpf_link__destroy(l[i]);
		l[i] = NULL;
	}
}

/* The syscall tracepoints are attached while some traced process needs
 * them: always in the syscalls mode, in auto while a process libc cannot
 * cover runs. A call the libc probes took is left alone by them. */
static void update_tracepoints(struct mcp_capture_state *c)
{
	bool verbose = c->s->env->verbose;
	bool want = c->mode == MCP_CAPTURE_SYSCALLS ||
		    (c->mode == MCP_CAPTURE_AUTO && mcp_libc_uncovered(c->libc) > 0);

	if (want && !c->tp[0]) {
		c->tp[0] = bpf_program__attach(c->skel->progs.mcp_sys_enter);
		c->tp[1] = c->tp[0] ? bpf_program__attach(c->skel->progs.mcp_sys_exit) : NULL;
		if (!c->tp[0] || !c->tp[1]) {
			fprintf(stderr, "mcp-bpftrace: mcp: cannot attach to the syscall tracepoints (tp_btf/sys_enter, "
					"sys_exit): %s\n", strerror(errno));
			destroy(c->tp);
			c->s->attach_errors++;
		} else if (verbose && c->mode == MCP_CAPTURE_AUTO) {
			fprintf(stderr, "mcp-bpftrace: mcp: syscall tracepoints attached (%zu traced processes libc "
					"cannot cover)\n", mcp_libc_uncovered(c->libc));
		}
	} else if (!want && c->tp[0]) {
		destroy(c->tp);
		if (verbose)
			fprintf(stderr, "mcp-bpftrace: mcp: syscall tracepoints detached (every traced process on libc)\n");
	}
}

/* Probes one traced process's libc; says which way it is captured. */
static void cover(struct mcp_capture_state *c, pid_t pid, bool image)
{
	char why[400], comm[32];
	int rc = mcp_libc_cover(c->libc, pid, image, why, sizeof(why));

	comm_of(pid, comm, sizeof(comm));
	if (rc == 1) {
		if (c->s->env->verbose)
			fprintf(stderr, "mcp-bpftrace: mcp: pid %d (%s): libc capture: %s\n", (int)pid, comm, why);
		return;
	}
	if (rc < 0)
		c->s->attach_errors++;
	if (c->mode == MCP_CAPTURE_AUTO && (rc < 0 || c->s->env->verbose))
		fprintf(stderr, "mcp-bpftrace: mcp: pid %d (%s): syscall capture: %s\n", (int)pid, comm, why);
	else if (c->mode == MCP_CAPTURE_LIBC)
		fprintf(stderr, "mcp-bpftrace: mcp: pid %d (%s): its reads and writes are not captured "
				"(--mcp-capture=libc): %s\n", (int)pid, comm, why);
}

/* libc and auto: the holds first (a child forked meanwhile is held too),
 * then each target's libc. */
static int attach_libc(struct mcp_capture_state *c)
{
	const struct source_env *env = c->s->env;

	c->libc = mcp_libc_new(bpf_program__fd(c->skel->progs.mcp_libc_enter),
			       bpf_program__fd(c->skel->progs.mcp_libc_exit), env->verbose);
	if (!c->libc)
		return -1;
	c->hold[1] = bpf_program__attach(c->skel->progs.mcp_hold_exec);
	if (c->hold[1] && env->follow)
		c->hold[0] = bpf_program__attach(c->skel->progs.mcp_hold_fork);
	if (!c->hold[1] || (env->follow && !c->hold[0])) {
		fprintf(stderr, "mcp-bpftrace: mcp: cannot attach to sched_process_fork/exec (to probe new "
				"processes before they run): %s\n", strerror(errno));
		return -1;
	}
	for (int i = 0; i < env->ntargets; i++)
		if (env->targets[i].pid > 0)
			cover(c, env->targets[i].pid, false);
	return 0;
}

int mcp_capture_attach(struct mcp_capture_state *c)
{
	if (c->mode != MCP_CAPTURE_SYSCALLS && attach_libc(c)) {
		c->s->attach_errors++;
		if (c->mode == MCP_CAPTURE_LIBC)
			return 0;
		c->mode = MCP_CAPTURE_SYSCALLS; /* auto: the tracepoints for every process */
		destroy(c->hold);
		mcp_libc_free(c->libc);
		c->libc = NULL;
	}
	update_tracepoints(c);
	return (c->tp[0] ? 2 : 0) + (c->hold[0] != NULL) + (c->hold[1] != NULL) +
	       2 * (int)mcp_libc_covered(c->libc);
}

void mcp_capture_hold(struct mcp_capture_state *c, pid_t pid, bool exec, uint64_t held_ns)
{
	if (c->libc) {
		cover(c, pid, exec);
		update_tracepoints(c);
	}
	kill(pid, SIGCONT); /* gone already: ESRCH, nothing to do */
	c->holds++;
	c->held_ns += clock_mono_ns() - held_ns;
	if (c->s->env->verbose)
		fprintf(stderr, "mcp-bpftrace: mcp: pid %d held %.2f ms at %s\n", (int)pid,
			(double)(clock_mono_ns() - held_ns) / 1e6, exec ? "exec" : "fork");
}

void mcp_capture_exit(struct mcp_capture_state *c, pid_t pid)
{
	if (c->libc) {
		mcp_libc_forget(c->libc, pid);
		update_tracepoints(c);
	}
}

void mcp_capture_stop_holds(struct mcp_capture_state *c)
{
	destroy(c->hold);
}

void mcp_capture_detach(struct mcp_capture_state *c)
{
	destroy(c->hold);
	destroy(c->tp);
	mcp_libc_free(c->libc);
	c->libc = NULL;
}
