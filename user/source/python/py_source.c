/* The python source (README, "Python functions (--inject)"): python:
 * bindings served by a wrapper script injected into the targets' CPython
 * (py_script.c, py_inject_run) and a uprobe on their libc pwrite64() that
 * reads the wrappers' markers (bpf/pymark.bpf.c). A thread of its own
 * injects (once the interpreter is up: a launched command starts later
 * than the tracer attaches), renews each target's lease every second, and
 * injects again while a binding's function is not defined yet. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "source/core_btf.h"
#include "catalog.h"
#include "pymark.skel.h"
#include "source/python/py_inject.h"
#include "source/python/py_proc.h"
#include "source/python/py_script.h"
#include "source/python/py_source.h"
#include "source/mcp/mcp_libc.h"
#include "source/uprobe/uprobe_decode.h"

#define PY_LEASE_NS 3000000000LL  /* wrappers go quiet this long after the last renewal */
#define PY_TICK_MS 1000           /* renewal period */
#define PY_START_TICK_MS 10       /* while a launched interpreter starts: inject
				   * soon after it is up, before its main module
				   * has run far */
#define PY_INJECT_TIMEOUT_MS 3000 /* the main thread must reach Python by then */
#define PY_RETRY_NS 2000000000ULL /* inject again for functions not defined yet */
#define PY_BUSY_NS 100000000ULL   /* again after a script that found an import going on:
				   * each injection stops the target a moment */
#define PY_LAUNCH_WAIT_NS 30000000000ULL /* a launched command's interpreter, at most */

struct py_target {
	pid_t pid;
	bool launched;        /* started by the tracer: wait for the interpreter */
	bool injected;        /* the wrapper script ran */
	bool failed;          /* injection cannot work: told once, not retried */
	bool timeout_told;
	bool busy;            /* the last script found an import going on */
	uint64_t lease_addr;  /* from the HELLO marker; 0 until then */
	int not_found;        /* bindings not defined at the last injection */
	bool retried;         /* injected again at least once */
	uint64_t injected_ns; /* last injection (CLOCK_MONOTONIC) */
	uint64_t wait_from_ns; /* a launched command: first looked at */
	struct bpf_link *link;
	unsigned char status[MCP_MAX_BINDINGS]; /* last STATUS told, per binding */
};

struct py_source {
	struct pymark_bpf *skel;
	struct bpf_link *exit_link;
	struct py_target t[SOURCE_MAX_TARGETS];
	int nt;
	char *script, *undo;
	pthread_t thread;
	bool thread_started, stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct call scratch;
};

static struct py_source *priv(struct source *s) { return s->priv; }

static bool py_applies(const struct source_env *env)
{
	return py_script_has_bindings(env->pm);
}

static int py_open(struct source *s, char *err, size_t errlen)
{
	const struct source_env *env = s->env;
	struct py_source *p = calloc(1, sizeof(*p));
	char run[64];

	if (!p)
		return snprintf(err, errlen, "out of memory"), 1;
	s->priv = p;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (env->all || env->container)
		return snprintf(err, errlen, "python: bindings need the processes named: --pid PID or -- COMMAND "
				"(not --all, --container or --cgroup)"), 2;
	for (int i = 0; i < env->ntargets && p->nt < SOURCE_MAX_TARGETS; i++) {
		struct py_target *t = &p->t[p->nt++];
		char e[256];

		t->pid = env->targets[i].pid;
		t->launched = env->targets[i].maps_pid == 0;
		/* A running target is checked now, before anything attaches:
		 * no ptrace rights, a Yama scope or no CPython is a clear no. */
		if (!t->launched && py_inject_check(t->pid, e, sizeof(e)))
			return snprintf(err, errlen, "python: pid %d cannot take the wrappers: %s", (int)t->pid, e), 1;
	}
	snprintf(run, sizeof(run), "%d-%llu", (int)getpid(), (unsigned long long)py_mono_ns());
	p->script = py_script_build(env->pm, run, false);
	p->undo = py_script_build(env->pm, run, true);
	if (!p->script || !p->undo)
		return snprintf(err, errlen, "out of memory"), 1;
	if (!(p->skel = pymark_bpf__open_opts(core_btf_open_opts(false))))
		return snprintf(err, errlen, "cannot open the python BPF object: %s", strerror(errno)), 1;
	SOURCE_SET_TASK_FILTER(p->skel, env, true);
	if (env->ringbuf_bytes)
		bpf_map__set_max_entries(p->skel->maps.events, (uint32_t)env->ringbuf_bytes);
	p->skel->rodata->wakeup_bytes = bpf_map__max_entries(p->skel->maps.events) / 16;
	for (size_t i = 0; i < env->pm->n && i < MCP_MAX_BINDINGS; i++)
		if (env->pm->bindings[i].py_module && catalog_op_has_updown(env->pm->bindings[i].op))
			p->skel->rodata->py_bind_flags[i] = MCP_BIND_EMIT_START;
	if (source_share_maps(p->skel->obj, env, err, errlen))
		return 1;
	return 0;
}

static int py_load(struct source *s, char *err, size_t errlen)
{
	struct py_source *p = priv(s);
	int e = pymark_bpf__load(p->skel);

	if (e)
		return snprintf(err, errlen, "cannot load the python BPF programs: %s", strerror(-e)), 1;
	s->obj = p->skel->obj;
	return 0;
}

/* One target: inject when it can take it, renew its lease, retry the
 * bindings whose function was not there. Called with p->mu held. */
static void tick_target(struct source *s, struct py_target *t)
{
	struct py_source *p = priv(s);
	char err[512];

	if (t->failed)
		return;
	uint64_t now = py_mono_ns();

	if (t->lease_addr && py_lease_write(t->pid, t->lease_addr, (int64_t)(now + PY_LEASE_NS)))
		t->lease_addr = 0; /* gone: nothing more to renew */
	bool retry = t->injected && t->not_found && now - t->injected_ns >= PY_RETRY_NS;

	if (t->injected && !retry)
		return;
	if (t->busy && now - t->injected_ns < PY_BUSY_NS)
		return;
	if (!t->injected && t->launched) {
		/* Not yet: a launched command is held, exec's, then its
		 * interpreter starts; unknown (not exec'd, no _PyRuntime) for
		 * PY_LAUNCH_WAIT_NS, then injection says what is wrong. */
		int ready = py_interpreter_ready(t->pid);

		if (!t->wait_from_ns)
			t->wait_from_ns = now;
		if (ready == 0 || (ready < 0 && now - t->wait_from_ns < PY_LAUNCH_WAIT_NS))
			return;
	}
	/* Injection waits for the target's main thread: without the lock, so
	 * that the reader of the rings is not held up meanwhile. */
	pthread_mutex_unlock(&p->mu);
	int rc = py_inject_run(t->pid, p->script, PY_INJECT_TIMEOUT_MS, err, sizeof(err));
	pthread_mutex_lock(&p->mu);
	t->injected_ns = py_mono_ns();
	t->retried |= retry;
	t->busy = rc && strstr(err, "busy importing");
	if (!rc) {
		t->injected = true;
		return;
	}
	if (strstr(err, "busy importing"))
		return; /* inside an import: again at the next tick */
	if (strstr(err, "has not returned to Python")) {
		if (!t->timeout_told)
			fprintf(stderr, "mcp-bpftrace: python: pid %d: %s; trying again\n", (int)t->pid, err);
		t->timeout_told = true;
		return;
	}
	if (!retry || s->env->verbose)
		fprintf(stderr, "mcp-bpftrace: python: pid %d: the wrappers could not be injected: %s\n",
			(int)t->pid, err);
	t->failed = !retry;
}

static void *py_thread(void *arg)
{
	struct source *s = arg;
	struct py_source *p = priv(s);

	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		bool starting = false;

		for (int i = 0; i < p->nt && !p->stop; i++) {
			struct py_target *t = &p->t[i];

			tick_target(s, t);
			starting |= t->launched && !t->injected && !t->failed;
		}
		struct timespec ts;
		long ms = starting ? PY_START_TICK_MS : PY_TICK_MS;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += ms % 1000 * 1000000L;
		ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		if (!p->stop)
			pthread_cond_timedwait(&p->cv, &p->mu, &ts);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static int py_attach(struct source *s)
{
	struct py_source *p = priv(s);
	int n = 0;

	p->exit_link = bpf_program__attach(p->skel->progs.py_thread_exit);
	for (int i = 0; i < p->nt; i++) {
		struct py_target *t = &p->t[i];
		char libc[4400];
		LIBBPF_OPTS(bpf_uprobe_opts, o);
		uint64_t at;
		bool known;

		if (py_libc_path(t->pid, !t->launched, libc, sizeof(libc))) {
			fprintf(stderr, "mcp-bpftrace: python: pid %d: no libc found to read markers at\n", (int)t->pid);
			s->attach_errors++;
			continue;
		}
		/* Past glibc's entry check, whose RIP-relative cmp the kernel
		 * single-steps (~20 us a hit here); the arguments are still in
		 * their registers there (mcp_libc_func_probe_at). */
		at = mcp_libc_func_probe_at(libc, "pwrite64", &known);
		if (!at)
			o.func_name = "pwrite64";
		/* With the pid: no other process takes the breakpoint. */
		if (!(t->link = bpf_program__attach_uprobe_opts(p->skel->progs.py_write, t->pid, libc, at, &o))) {
			fprintf(stderr, "mcp-bpftrace: python: pid %d: pwrite64() in %s: not attached (%s)\n", (int)t->pid,
				libc, strerror(errno));
			s->attach_errors++;
			continue;
		}
		n++;
	}
	if (n && !pthread_create(&p->thread, NULL, py_thread, s))
		p->thread_started = true;
	return n;
}

static struct py_target *target_of(struct py_source *p, pid_t pid)
{
	for (int i = 0; i < p->nt; i++)
		if (p->t[i].pid == pid)
			return &p->t[i];
	return NULL;
}

/* A STATUS marker: said once per binding and state. */
static void on_status(struct source *s, struct py_target *t, unsigned b, unsigned status)
{
	const struct pm_binding *pb = b < s->env->pm->n ? &s->env->pm->bindings[b] : NULL;

	if (!pb || !pb->py_module || status == t->status[b])
		return;
	if (t->status[b] == MCP_PY_NOT_FOUND)
		t->not_found--;
	if (status == MCP_PY_NOT_FOUND)
		t->not_found++;
	t->status[b] = (unsigned char)status;
	switch (status) {
	case MCP_PY_WRAPPED:
		if (s->env->verbose || t->retried)
			fprintf(stderr, "mcp-bpftrace: python: pid %d: %s:%d: python:%s wrapped\n", (int)t->pid,
				s->env->pm->path, pb->line, pb->symbol);
		break;
	case MCP_PY_NOT_LOADED:
		fprintf(stderr, "mcp-bpftrace: python: pid %d: %s:%d: module %s is not imported yet: "
			"python:%s is wrapped when it is\n", (int)t->pid, s->env->pm->path, pb->line, pb->py_module,
			pb->symbol);
		break;
	case MCP_PY_NOT_FOUND:
		fprintf(stderr, "mcp-bpftrace: python: pid %d: %s:%d: module %s has no function %s (yet): "
			"looked for again every %d s\n", (int)t->pid, s->env->pm->path, pb->line, pb->py_module,
			pb->py_qualname, (int)(PY_RETRY_NS / 1000000000ULL));
		break;
	default:
		fprintf(stderr, "mcp-bpftrace: python: pid %d: %s:%d: python:%s could not be wrapped\n", (int)t->pid,
			s->env->pm->path, pb->line, pb->symbol);
	}
}

/* A call that raised has no return value: its ret captures are left
 * out, as unread ones are, but they are no capture errors. */
static uint16_t raised_unread(const struct pm_binding *b, unsigned cap_failed)
{
	uint16_t n = 0;

	for (int i = 0, si = 0; i < b->ncaps; i++) {
		if (b->caps[i].type == PT_CONST)
			continue;
		if (b->caps[i].py_src == PY_RET && si < MCP_MAX_CAPS && (cap_failed >> si & 1))
			n++;
		si++;
	}
	return n;
}

static int py_on_record(struct source *s, const void *data, size_t len)
{
	struct py_source *p = priv(s);
	const struct mcp_call_rec *r = data;

	if (len >= MCP_CALL_REC_SIZE(0) && r->h.type == MCP_REC_PY_INFO) {
		pthread_mutex_lock(&p->mu);
		struct py_target *t = target_of(p, (pid_t)r->h.pid);

		if (t && r->h.flags == MCP_PY_HELLO) {
			t->lease_addr = (uint64_t)r->ret;
			py_lease_write(t->pid, t->lease_addr, (int64_t)(py_mono_ns() + PY_LEASE_NS));
		}
		else if (t && r->h.flags == MCP_PY_STATUS)
			on_status(s, t, r->binding, (unsigned)r->ret);
		pthread_mutex_unlock(&p->mu);
		return 0;
	}
	if (uprobe_decode_record(&p->scratch, data, len, s->env->pm))
		return -1;
	if (r->h.type == MCP_REC_SPAN_END && r->ret)
		p->scratch.rec.capture_errors -= raised_unread(&s->env->pm->bindings[r->binding], r->cap_failed);
	s->env->sink.fn(s->env->sink.ctx, &p->scratch);
	return 0;
}

/* The undo script, again while the target is inside an import (1 s at most). */
static int undo(pid_t pid, const char *script, char *err, size_t errlen)
{
	int rc;

	for (int i = 0; (rc = py_inject_run(pid, script, PY_INJECT_TIMEOUT_MS, err, errlen)) &&
			strstr(err, "busy importing") && i < 20; i++)
		usleep(50 * 1000);
	return rc;
}

static void py_detach(struct source *s)
{
	struct py_source *p = priv(s);
	char err[512];

	if (!p)
		return;
	if (p->thread_started) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
		p->thread_started = false;
	}
	for (int i = 0; i < p->nt; i++) {
		struct py_target *t = &p->t[i];

		/* Quiet at once, then the originals back: should the undo not
		 * run (the main thread stuck in C), the lease has lapsed. */
		if (t->lease_addr)
			py_lease_write(t->pid, t->lease_addr, 0);
		if (t->injected && kill(t->pid, 0) == 0 && undo(t->pid, p->undo, err, sizeof(err)))
			fprintf(stderr, "mcp-bpftrace: python: pid %d: the original functions could not be put back "
				"(%s); the wrappers write nothing any more\n", (int)t->pid, err);
		t->injected = false;
		bpf_link__destroy(t->link);
		t->link = NULL;
	}
	bpf_link__destroy(p->exit_link);
	p->exit_link = NULL;
}

static void py_close(struct source *s)
{
	struct py_source *p = priv(s);

	if (!p)
		return;
	py_detach(s);
	pymark_bpf__destroy(p->skel);
	free(p->script);
	free(p->undo);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
	s->priv = NULL;
}

const struct source_ops py_source_ops = {
	.name = "python",
	.applies = py_applies,
	.open = py_open,
	.load = py_load,
	.attach = py_attach,
	.on_record = py_on_record,
	.detach = py_detach,
	.close = py_close,
};
