/* How the mcp source captures reads and writes: see mcp_capture.h. */
#include "source/mcp/mcp_capture.h"

#include <bpf/libbpf.h>
#include <pthread.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "source/core_btf.h"
#include "source/mcp/mcp_watchdog.h"
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
	c->watchdog = -1;
	pthread_mutex_init(&c->lock, NULL);
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
	c->session = c->mode != MCP_CAPTURE_SYSCALLS && umulti_session_supported();
	mcp_capture_programs(skel, c->mode != MCP_CAPTURE_SYSCALLS, c->session);
	/* The verifier's ~3 ms for the syscall programs are on the start-up's
	 * critical path (the mcp object loads last): paid at start only when
	 * they will surely run. libc never attaches them; auto only for a
	 * process libc cannot cover, which is held until they are. */
	c->tp_in_skel = c->mode == MCP_CAPTURE_SYSCALLS;
	bpf_program__set_autoload(skel->progs.mcp_sys_enter, c->tp_in_skel);
	bpf_program__set_autoload(skel->progs.mcp_sys_exit, c->tp_in_skel);
	if (c->mode != MCP_CAPTURE_SYSCALLS)
		skel->rodata->hold_forks = env->follow;
	return 0;
}

void mcp_capture_programs(struct mcp_io_bpf *skel, bool libc, bool session)
{
	bpf_program__set_autoload(skel->progs.mcp_libc_session, libc && session);
	bpf_program__set_autoload(skel->progs.mcp_libc_enter, libc && !session);
	bpf_program__set_autoload(skel->progs.mcp_libc_exit, libc && !session);
	bpf_program__set_autoload(skel->progs.mcp_hold_fork, libc);
	bpf_program__set_autoload(skel->progs.mcp_hold_exec, libc);
	bpf_program__set_expected_attach_type(skel->progs.mcp_libc_session, UMULTI_SESSION_ATTACH_TYPE);
	bpf_program__set_expected_attach_type(skel->progs.mcp_libc_enter, UMULTI_ATTACH_TYPE);
	bpf_program__set_expected_attach_type(skel->progs.mcp_libc_exit, UMULTI_ATTACH_TYPE);
}

int mcp_capture_libc_fds(struct mcp_io_bpf *skel, bool session, int *exit_fd)
{
	*exit_fd = session ? -1 : bpf_program__fd(skel->progs.mcp_libc_exit);
	return bpf_program__fd(session ? skel->progs.mcp_libc_session : skel->progs.mcp_libc_enter);
}

static void destroy(struct bpf_link **l)
{
	for (int i = 0; i < 2; i++) {
		bpf_link__destroy(l[i]);
		l[i] = NULL;
	}
}

/* The tracepoints stay this long after the last process that needed them
 * is gone: a program forking short-lived children would attach and detach
 * them for each. */
#define TP_LINGER_NS 1000000000ULL

/* Every map of `to` but its own constants becomes `from`'s: the ring, the
 * calls in flight, the muted streams, the traced set, the span stacks. */
static int share_all_maps(struct bpf_object *to, struct bpf_object *from)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, to) {
		if (bpf_map__is_internal(m))
			continue;
		struct bpf_map *src = bpf_object__find_map_by_name(from, bpf_map__name(m));
		int e = src ? bpf_map__reuse_fd(m, bpf_map__fd(src)) : -ENOENT;

		if (e)
			return e;
	}
	return 0;
}

/* The object whose syscall programs to attach: skel, or the second
 * instance with those alone, loaded the first time they are wanted (a
 * static process in auto: it is held meanwhile). NULL when it cannot load. */
static struct mcp_io_bpf *tp_object(struct mcp_capture_state *c)
{
	if (c->tp_in_skel)
		return c->skel;
	if (c->tp_skel || c->tp_failed)
		return c->tp_skel;
	uint64_t t0 = clock_mono_ns();
	struct mcp_io_bpf *o = mcp_io_bpf__open_opts(core_btf_open_opts(false));
	int e = o ? 0 : -errno;

	if (!e) {
		struct bpf_program *p;

		bpf_object__for_each_program(p, o->obj)
			bpf_program__set_autoload(p, p == o->progs.mcp_sys_enter || p == o->progs.mcp_sys_exit);
		/* The same filters and modes as the first instance's. */
		memcpy(o->rodata, c->skel->rodata, sizeof(*o->rodata));
		e = share_all_maps(o->obj, c->skel->obj);
	}
	if (!e)
		e = mcp_io_bpf__load(o);
	if (e) {
		fprintf(stderr, "mcp-bpftrace: mcp: cannot load the syscall programs: %s; reads and writes of "
				"processes libc cannot cover are not captured\n", strerror(-e));
		mcp_io_bpf__destroy(o);
		c->tp_failed = true;
		c->s->attach_errors++;
		return NULL;
	}
	if (c->s->env->verbose)
		fprintf(stderr, "mcp-bpftrace: mcp: syscall programs loaded in %.1f ms\n",
			(double)(clock_mono_ns() - t0) / 1e6);
	c->tp_skel = o;
	return o;
}

/* The syscall tracepoints are attached while some traced process needs
 * them: always in the syscalls mode, in auto while a process libc cannot
 * cover runs (and TP_LINGER_NS after). A call the libc probes took is
 * left alone by them. */
static void update_tracepoints(struct mcp_capture_state *c)
{
	bool verbose = c->s->env->verbose;
	uint64_t now = clock_mono_ns();
	bool want = c->mode == MCP_CAPTURE_SYSCALLS ||
		    (c->mode == MCP_CAPTURE_AUTO && mcp_libc_uncovered(c->libc) > 0);

	if (want)
		c->tp_needed_ns = now;
	else if (c->tp[0] && now - c->tp_needed_ns < TP_LINGER_NS)
		want = true;

	struct mcp_io_bpf *o = want && !c->tp[0] ? tp_object(c) : NULL;

	if (o) {
		c->tp[0] = bpf_program__attach(o->progs.mcp_sys_enter);
		c->tp[1] = c->tp[0] ? bpf_program__attach(o->progs.mcp_sys_exit) : NULL;
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
	uint64_t t0 = clock_mono_ns();
	int rc = mcp_libc_cover(c->libc, pid, image, why, sizeof(why));
	uint64_t t1 = clock_mono_ns();

	comm_of(pid, comm, sizeof(comm));
	if (rc == 1) {
		if (c->s->env->verbose)
			fprintf(stderr, "mcp-bpftrace: mcp: pid %d (%s): libc capture: %s (%.2f ms)\n", (int)pid, comm,
				why, (double)(t1 - t0) / 1e6);
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

/* A process stopped at fork or exec (mcp_io.bpf.c: hold): probed, or the
 * tracepoints attached for it, then it goes on. */
static int on_hold(void *ctx, void *data, size_t len)
{
	struct mcp_capture_state *c = ctx;
	const struct mcp_io_rec *r = data;

	if (len < MCP_IO_REC_SIZE(0) || r->h.type != MCP_REC_IO_HOLD)
		return 0;
	pid_t pid = (pid_t)r->h.pid;
	bool exec = (r->h.flags & MCP_IO_HOLD_EXEC) != 0;
	pthread_mutex_lock(&c->lock);
	if (c->libc && !exec && c->mode == MCP_CAPTURE_AUTO) {
		/* A forked child that has not exec'd: most exec at once (a
		 * link made and closed for nothing, ~76 ms of the kernel's
		 * each: 5,000 children of a forking loop took minutes), the
		 * rest (a prefork server) are on the tracepoints until they do. */
		mcp_libc_uncover(c->libc, pid);
		if (c->s->env->verbose)
			fprintf(stderr, "mcp-bpftrace: mcp: pid %d forked: syscall capture until it execs\n", (int)pid);
		update_tracepoints(c);
	} else if (c->libc) {
		cover(c, pid, exec);
		update_tracepoints(c);
	}
	pthread_mutex_unlock(&c->lock);
	kill(pid, SIGCONT); /* gone already: ESRCH, nothing to do */
	uint64_t held = clock_mono_ns() - r->h.start_ns;
	c->holds++;
	c->held_ns += held;
	if (c->s->env->verbose)
		fprintf(stderr, "mcp-bpftrace: mcp: pid %d held %.2f ms at %s\n", (int)pid, (double)held / 1e6,
			exec ? "exec" : "fork");
	return 0;
}

static void *hold_thread(void *arg)
{
	struct mcp_capture_state *c = arg;

	while (!c->stopping) {
		ring_buffer__poll(c->hold_rb, 100);
		pthread_mutex_lock(&c->lock); /* the tracepoints' linger ends */
		update_tracepoints(c);
		pthread_mutex_unlock(&c->lock);
	}
	ring_buffer__consume(c->hold_rb);
	return NULL;
}

/* libc and auto: the hold thread, the holds (a child forked meanwhile is
 * held too), then each target's libc. */
static int attach_libc(struct mcp_capture_state *c)
{
	const struct source_env *env = c->s->env;

	int exit_fd, enter_fd = mcp_capture_libc_fds(c->skel, c->session, &exit_fd);

	c->libc = mcp_libc_new(enter_fd, exit_fd, env->verbose);
	c->hold_rb = ring_buffer__new(bpf_map__fd(c->skel->maps.holds), on_hold, c, NULL);
	if (!c->libc || !c->hold_rb || pthread_create(&c->thread, NULL, hold_thread, c)) {
		fprintf(stderr, "mcp-bpftrace: mcp: cannot start the thread that probes new processes: %s\n",
			strerror(errno));
		return -1;
	}
	c->thread_on = true;
	c->watchdog = mcp_watchdog_start(bpf_map__fd(c->skel->maps.traced_pids));
	if (env->verbose)
		fprintf(stderr, "mcp-bpftrace: mcp: %s capture with %s, per process\n", mcp_capture_name(c->mode),
			c->session ? "session uprobes (one link)" : "uprobe_multi entry and return links");
	c->hold[1] = bpf_program__attach(c->skel->progs.mcp_hold_exec);
	if (c->hold[1] && env->follow)
		c->hold[0] = bpf_program__attach(c->skel->progs.mcp_hold_fork);
	if (!c->hold[1] || (env->follow && !c->hold[0])) {
		fprintf(stderr, "mcp-bpftrace: mcp: cannot attach to sched_process_fork/exec (to probe new "
				"processes before they run): %s\n", strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&c->lock);
	for (int i = 0; i < env->ntargets; i++)
		if (env->targets[i].pid > 0)
			cover(c, env->targets[i].pid, false);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int mcp_capture_attach(struct mcp_capture_state *c)
{
	if (c->mode != MCP_CAPTURE_SYSCALLS && attach_libc(c)) {
		c->s->attach_errors++;
		if (c->mode == MCP_CAPTURE_LIBC)
			return 0;
		mcp_capture_detach(c);
		c->mode = MCP_CAPTURE_SYSCALLS; /* auto: the tracepoints for every process */
	}
	pthread_mutex_lock(&c->lock);
	update_tracepoints(c);
	pthread_mutex_unlock(&c->lock);
	return (c->tp[0] ? 2 : 0) + (c->hold[0] != NULL) + (c->hold[1] != NULL) +
	       (c->session ? 1 : 2) * (int)mcp_libc_covered(c->libc);
}

void mcp_capture_exit(struct mcp_capture_state *c, pid_t pid)
{
	if (!c->libc)
		return;
	pthread_mutex_lock(&c->lock);
	mcp_libc_forget(c->libc, pid);
	update_tracepoints(c);
	pthread_mutex_unlock(&c->lock);
}

void mcp_capture_detach(struct mcp_capture_state *c)
{
	destroy(c->hold); /* no new holds */
	if (c->thread_on) { /* it continues the ones in its ring, then ends */
		c->stopping = true;
		pthread_join(c->thread, NULL);
		c->thread_on = false;
	}
	mcp_watchdog_stop(c->watchdog); /* every hold has been continued */
	c->watchdog = -1;
	ring_buffer__free(c->hold_rb);
	c->hold_rb = NULL;
	destroy(c->tp);
	mcp_io_bpf__destroy(c->tp_skel); /* loaded again if wanted again */
	c->tp_skel = NULL;
	mcp_libc_free(c->libc);
	c->libc = NULL;
	if (c->holds && c->s->env->verbose)
		fprintf(stderr, "mcp-bpftrace: mcp: %llu processes held at fork or exec until probed, %.2f ms on average\n",
			(unsigned long long)c->holds, (double)c->held_ns / 1e6 / (double)c->holds);
}
