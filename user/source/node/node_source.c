/* The node source (README, "Node.js functions (--inject)"): the probe
 * map's node: bindings in running Node.js processes (--pid). The wrappers
 * go in through the inspector SIGUSR1 opens (node_bind.h: refused unless
 * that is safe, the port closed again at once), and write the python
 * source's markers with fs.writeSync; the python source's BPF object
 * (bpf/pymark.bpf.c) reads them at libc write(), a uprobe attached to each
 * target's pid alone, into the shared span stack. Detach ends the lease:
 * each target puts its originals back on its own event loop. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "source/core_btf.h"
#include "catalog.h"
#include "pymark.skel.h"
#include "source/node/node_bind.h"
#include "source/node/node_script.h"
#include "source/node/node_source.h"
#include "source/mcp/mcp_libc.h"
#include "source/uprobe/elf_symbols.h"
#include "source/uprobe/uprobe_decode.h"
#include "target/proc_maps.h"

#define NODE_INJECT_TIMEOUT_MS 3000 /* port up, evaluate answered, lease taken */

struct node_target {
	pid_t pid;
	struct bpf_link *link; /* its libc write() */
	struct node_bind nb;
	bool bound;
};

struct node_source {
	struct pymark_bpf *skel;
	struct bpf_link *exit_link;
	struct node_target t[SOURCE_MAX_TARGETS];
	int nt;
	struct call scratch;
};

static bool node_applies(const struct source_env *env)
{
	return node_bindings_count(env->pm) > 0;
}

/* The BPF object: the python source's, once more for these pids (node_load loads it). */
static int open_markers(struct node_source *p, const struct source_env *env, char *err, size_t errlen)
{
	if (!(p->skel = pymark_bpf__open_opts(core_btf_open_opts(false))))
		return snprintf(err, errlen, "node: cannot open the marker BPF object: %s", strerror(errno)), 1;
	SOURCE_SET_TASK_FILTER(p->skel, env, true);
	if (env->ringbuf_bytes)
		bpf_map__set_max_entries(p->skel->maps.events, (uint32_t)env->ringbuf_bytes);
	p->skel->rodata->wakeup_bytes = bpf_map__max_entries(p->skel->maps.events) / 16;
	for (size_t i = 0; i < env->pm->n && i < MCP_MAX_BINDINGS; i++) {
		const struct pm_binding *b = &env->pm->bindings[i];

		if (b->node_module && catalog_op_has_updown(b->op))
			p->skel->rodata->py_bind_flags[i] = MCP_BIND_EMIT_START;
	}
	if (source_share_maps(p->skel->obj, env, err, errlen))
		return 1;
	return 0;
}

static int node_load(struct source *s, char *err, size_t errlen)
{
	struct node_source *p = s->priv;
	int e = pymark_bpf__load(p->skel);

	if (e)
		return snprintf(err, errlen, "node: cannot load the marker BPF programs: %s", strerror(-e)), 1;
	s->obj = p->skel->obj;
	return 0;
}

static int node_open(struct source *s, char *err, size_t errlen)
{
	const struct source_env *env = s->env;
	struct node_source *p = calloc(1, sizeof(*p));

	if (!p)
		return snprintf(err, errlen, "out of memory"), 1;
	s->priv = p;
	if (env->all || env->container || !env->ntargets)
		return snprintf(err, errlen, "node: bindings need the running processes named: --pid PID "
				"(not --all, --container or --cgroup)"), 2;
	for (int i = 0; i < env->ntargets && p->nt < SOURCE_MAX_TARGETS; i++) {
		char e[512];

		/* A command the tracer starts has no inspector to wake yet, and
		 * waking it while node starts could kill it (SIG_DFL). */
		if (!env->targets[i].maps_pid)
			return snprintf(err, errlen, "node: bindings need a running node (--pid PID), not one "
					"the tracer starts"), 2;
		p->t[p->nt++].pid = env->targets[i].pid;
		if (node_inject_check(env->targets[i].pid, e, sizeof(e)))
			return snprintf(err, errlen, "node: pid %d cannot take the wrappers: %s",
					(int)env->targets[i].pid, e), 1;
	}
	return open_markers(p, env, err, errlen);
}

/* Where in libc to probe write(): past glibc's entry check (a RIP-relative
 * cmp the kernel cannot emulate, so a probe on it is single-stepped: ~20 us
 * a hit here, 2 hits a bound call), at the first instruction it emulates
 * (mcp_libc_probe_offset, the mcp source's finding). The arguments are
 * still in their registers there. A file offset, or 0 when write is not
 * found (then attached by name, at its entry). */
static uint64_t write_probe_offset(const char *libc)
{
	bool known;

	return mcp_libc_func_probe_at(libc, "write", &known);
}

/* pid's libc as the tracer can open it (through its root: containers). */
static int libc_of(pid_t pid, char *out, size_t outlen)
{
	struct proc_maps m;
	int rc = -1;

	if (proc_maps_read(pid, &m))
		return -1;
	const struct proc_map *lc = proc_maps_find_object(&m, "libc.so");

	if (lc && (size_t)snprintf(out, outlen, "/proc/%d/root%s", (int)pid, lc->path) < outlen)
		rc = 0;
	proc_maps_free(&m);
	return rc;
}

/* Tracing stopped (the last read of the rings is done): the leases end
 * now, not at teardown, so the targets stop paying for markers nobody
 * reads while the tracer exports and prints its summary. */
static void end_leases(void *ctx, bool final)
{
	struct node_source *p = ctx;

	for (int i = 0; final && i < p->nt; i++)
		if (p->t[i].bound)
			node_bind_detach(&p->t[i].nb);
}

static int node_attach(struct source *s)
{
	struct node_source *p = s->priv;
	int n = 0;

	p->exit_link = bpf_program__attach(p->skel->progs.py_thread_exit);
	for (int i = 0; i < p->nt; i++) {
		struct node_target *t = &p->t[i];
		char libc[4400], err[1024];
		LIBBPF_OPTS(bpf_uprobe_opts, o);
		uint64_t at;

		if (libc_of(t->pid, libc, sizeof(libc))) {
			fprintf(stderr, "mcp-bpftrace: node: pid %d: no libc found to read markers at\n", (int)t->pid);
			s->attach_errors++;
			continue;
		}
		at = write_probe_offset(libc);
		if (!at)
			o.func_name = "write";
		/* With the pid: no other process takes the breakpoint. */
		t->link = bpf_program__attach_uprobe_opts(p->skel->progs.py_write, t->pid, libc, at, &o);
		if (!t->link) {
			fprintf(stderr, "mcp-bpftrace: node: pid %d: write() in %s: not attached (%s)\n",
				(int)t->pid, libc, strerror(errno));
			s->attach_errors++;
			continue;
		}
		if (node_bind_attach(&t->nb, t->pid, s->env->pm, NODE_INJECT_TIMEOUT_MS, s->env->verbose, err,
				     sizeof(err))) {
			fprintf(stderr, "mcp-bpftrace: node: pid %d: the wrappers could not be injected: %s\n",
				(int)t->pid, err);
			s->attach_errors++;
			bpf_link__destroy(t->link);
			t->link = NULL;
			continue;
		}
		t->bound = true;
		if (s->env->verbose)
			fprintf(stderr, "mcp-bpftrace: node: pid %d: inspector port %u open %.1f ms (SIGUSR1 -> "
				"listening %.1f ms, evaluate %.1f ms)\n", (int)t->pid, t->nb.times.port,
				t->nb.times.window_ms, t->nb.times.listen_ms, t->nb.times.eval_ms);
		n += t->nb.wrapped;
	}
	if (n && sources_on_poll_end(end_leases, p))
		fprintf(stderr, "mcp-bpftrace: node: the leases end at teardown, not when tracing stops\n");
	return n;
}

static int node_on_record(struct source *s, const void *data, size_t len)
{
	struct node_source *p = s->priv;
	const struct mcp_call_rec *r = data;

	if (len >= MCP_CALL_REC_SIZE(0) && r->h.type == MCP_REC_PY_INFO)
		return 0; /* the node script writes none; nothing to tell */
	if (uprobe_decode_record(&p->scratch, data, len, s->env->pm))
		return -1;
	s->env->sink.fn(s->env->sink.ctx, &p->scratch);
	return 0;
}

static void node_detach(struct source *s)
{
	struct node_source *p = s->priv;

	if (!p)
		return;
	for (int i = 0; i < p->nt; i++) {
		struct node_target *t = &p->t[i];

		if (t->bound)
			node_bind_detach(&t->nb); /* the target restores its originals */
		t->bound = false;
		bpf_link__destroy(t->link);
		t->link = NULL;
	}
	bpf_link__destroy(p->exit_link);
	p->exit_link = NULL;
}

static void node_close(struct source *s)
{
	struct node_source *p = s->priv;

	if (!p)
		return;
	sources_off_poll_end(end_leases, p);
	node_detach(s);
	pymark_bpf__destroy(p->skel);
	free(p);
	s->priv = NULL;
}

const struct source_ops node_source_ops = {
	.name = "node",
	.applies = node_applies,
	.open = node_open,
	.load = node_load,
	.attach = node_attach,
	.on_record = node_on_record,
	.detach = node_detach,
	.close = node_close,
};
