/* The process source behind the source interface (proc_source.h). */
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include "source/core_btf.h"
#include "catalog.h"
#include "proc.skel.h"
#include "source/proc/proc_source.h"
#include "source/proc/proc_table.h"
#include "target/resources.h"

struct proc_source {
	struct proc_bpf *skel;
	struct proc_table t;
	int b_exec, b_git; /* the bindings its calls count under */
	uint64_t rng;      /* span and trace ids */
	struct call scratch;
};

static struct proc_source *priv(struct source *s)
{
	return s->priv;
}

/* splitmix64, as the BPF side makes ids: never 0 ("no parent"). */
static unsigned long long next_id(struct proc_source *p)
{
	uint64_t z = (p->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) | 1;
}

static bool proc_applies(const struct source_env *env)
{
	return env->ntargets > 0 || env->all;
}

static int proc_open(struct source *s, char *err, size_t errlen)
{
	const struct source_env *env = s->env;
	struct proc_source *p = calloc(1, sizeof(*p));

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	s->priv = p;
	proc_table_init(&p->t, MCP_MAX_TRACED);
	if (getrandom(&p->rng, sizeof(p->rng), 0) != sizeof(p->rng))
		p->rng = (uint64_t)(uintptr_t)p ^ 0x5deece66dULL;
	p->b_exec = probe_map_add_builtin(env->pm, catalog_find_op("process_exec"), "exec", "exec");
	p->b_git = probe_map_add_builtin(env->pm, catalog_find_op("git_worktree"), "exec", "git worktree");
	if (p->b_exec < 0 || p->b_git < 0) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	p->skel = proc_bpf__open_opts(core_btf_open_opts(false));
	if (!p->skel) {
		snprintf(err, errlen, "cannot open the process BPF object: %s", strerror(errno));
		return 1;
	}
	p->skel->rodata->follow = env->follow;
	SOURCE_SET_TASK_FILTER(p->skel, env, false);
	/* Few records: a small ring, woken per record (no wakeup_bytes). */
	bpf_map__set_max_entries(p->skel->maps.events, 256 * 1024);
	if (source_share_maps(p->skel->obj, env, err, errlen))
		return 1;
	return 0;
}

static int proc_load(struct source *s, char *err, size_t errlen)
{
	int e = proc_bpf__load(priv(s)->skel);

	if (e) {
		snprintf(err, errlen, "cannot load the process BPF programs: %s", strerror(-e));
		return 1;
	}
	s->obj = priv(s)->skel->obj;
	return 0;
}

static int proc_attach(struct source *s)
{
	int e = proc_bpf__attach(priv(s)->skel);

	if (e) {
		fprintf(stderr, "mcp-bpftrace: cannot attach the process tracepoints: %s; "
			"children and execs are not traced\n", strerror(-e));
		s->attach_errors++;
		return 0;
	}
	return 3;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

/* argv as one line, for process.command_line (--capture-content). */
static void join_args(const char *args, size_t len, char *out, size_t outlen)
{
	size_t n = len < outlen ? len : outlen - 1;

	memcpy(out, args, n);
	for (size_t i = 0; i < n; i++)
		if (!out[i])
			out[i] = ' ';
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = 0;
}

/* The span of process e's image, ended at `end_ns`; `status` is a wait
 * status, or -1 when the image ended by exec'ing another (no exit code). */
static void end_span(struct source *s, struct proc_entry *e, uint64_t end_ns, int status)
{
	struct proc_source *p = priv(s);
	struct call *c = &p->scratch;

	if (!e->running)
		return;
	e->running = false;
	call_reset(c, s->env->pm, e->git ? p->b_git : p->b_exec);
	c->rec.pid = c->rec.tid = (uint32_t)e->pid;
	c->rec.start_ns = e->exec_ns;
	c->rec.end_ns = end_ns;
	c->rec.trace_id[0] = e->trace_id[0];
	c->rec.trace_id[1] = e->trace_id[1];
	c->rec.span_id = e->span_id;
	c->rec.parent_id = e->up_span_id;
	if (e->git) {
		call_add_str(c, "mcp.git.operation", e->gw.op);
		if (e->gw.path[0])
			call_add_str(c, "mcp.git.worktree_path", e->gw.path);
		if (e->gw.branch[0])
			call_add_str(c, "mcp.git.branch", e->gw.branch);
	}
	call_add_str(c, "process.executable.name", e->exe);
	call_add_int(c, "process.pid", e->pid);
	if (e->ppid)
		call_add_int(c, "process.parent_pid", e->ppid);
	if (e->cmdline[0])
		call_add_str(c, "process.command_line", e->cmdline);
	if (status >= 0 && WIFSIGNALED(status)) {
		char sig[32];
		const char *abbrev = sigabbrev_np(WTERMSIG(status));

		snprintf(sig, sizeof(sig), "SIG%s", abbrev ? abbrev : "UNKNOWN");
		call_fail(c, sig);
	} else if (status >= 0) {
		call_add_int(c, "process.exit.code", WEXITSTATUS(status));
		if (WEXITSTATUS(status)) {
			char why[32];

			snprintf(why, sizeof(why), "exit_%d", WEXITSTATUS(status));
			call_fail(c, why);
		}
	}
	s->env->sink.fn(s->env->sink.ctx, c);
}

static void on_fork(struct source *s, const struct mcp_proc_rec *r)
{
	struct proc_source *p = priv(s);
	struct proc_entry *e = proc_table_get(&p->t, (pid_t)r->h.pid, true);
	struct proc_entry *parent = proc_table_get(&p->t, (pid_t)r->ppid, false);

	if (!e)
		return;
	e->ppid = (pid_t)r->ppid;
	if (r->parent_span_id) { /* a native span was open on the forking thread */
		e->up_trace_id[0] = r->parent_trace_id[0];
		e->up_trace_id[1] = r->parent_trace_id[1];
		e->up_span_id = r->parent_span_id;
	} else if (sources_open_span(s->set, e->ppid, r->h.start_ns, e->up_trace_id, &e->up_span_id)) {
		/* another source's span open in the parent when it forked (an
		 * MCP request it serves) */
	} else if (parent && parent->running) { /* else the parent's exec span */
		e->up_trace_id[0] = parent->trace_id[0];
		e->up_trace_id[1] = parent->trace_id[1];
		e->up_span_id = parent->span_id;
	} else if (parent) { /* a parent that forked without exec'ing: its own */
		memcpy(e->up_trace_id, parent->up_trace_id, sizeof(e->up_trace_id));
		e->up_span_id = parent->up_span_id;
	}
}

static void on_exec(struct source *s, const struct mcp_proc_rec *r, size_t len)
{
	struct proc_source *p = priv(s);
	struct proc_entry *e = proc_table_get(&p->t, (pid_t)r->h.pid, true);
	size_t args_len = r->args_len;

	if (!e)
		return;
	if (e->running) {
		/* The image it replaces ends here, and is the new one's parent:
		 * `env bash` -> bash stays one tree. */
		end_span(s, e, r->h.start_ns, -1);
		memcpy(e->up_trace_id, e->trace_id, sizeof(e->up_trace_id));
		e->up_span_id = e->span_id;
	}
	if (args_len > MCP_PROC_ARGS_LEN || MCP_PROC_REC_SIZE(args_len) > len)
		args_len = 0;
	char path[MCP_PROC_PATH_LEN];

	snprintf(path, sizeof(path), "%.*s", (int)sizeof(r->path), r->path);
	snprintf(e->exe, sizeof(e->exe), "%.63s", base_name(path));
	e->git = git_worktree_parse(r->args, args_len, &e->gw);
	e->args_cut = r->h.flags & MCP_PROC_ARGS_CUT;
	e->cmdline[0] = 0;
	if (s->env->capture_content)
		join_args(r->args, args_len, e->cmdline, sizeof(e->cmdline));
	e->running = true;
	e->exec_ns = r->h.start_ns;
	e->span_id = next_id(p);
	if (e->up_span_id) {
		e->trace_id[0] = e->up_trace_id[0];
		e->trace_id[1] = e->up_trace_id[1];
	} else {
		e->trace_id[0] = next_id(p);
		e->trace_id[1] = next_id(p);
	}
	struct proc_event ev = {.kind = PROC_EXEC, .pid = e->pid, .ppid = e->ppid, .path = path};

	if (s->env->rt) /* --all: its resource now, while it (or its parent) runs */
		resources_for_exec(s->env->rt, e->pid, e->ppid, e->exe);

	sources_notify(s->set, s, &ev);
}

static void on_exit_rec(struct source *s, const struct mcp_proc_rec *r)
{
	struct proc_source *p = priv(s);
	struct proc_entry *e = proc_table_get(&p->t, (pid_t)r->h.pid, false);
	struct proc_event ev = {.kind = PROC_EXIT, .pid = (pid_t)r->h.pid};

	if (e) {
		end_span(s, e, r->h.start_ns, r->exit_code);
		ev.ppid = e->ppid;
		proc_table_remove(&p->t, e->pid);
	}
	sources_notify(s->set, s, &ev);
}

static int proc_on_record(struct source *s, const void *data, size_t len)
{
	const struct mcp_proc_rec *r = data;
	const size_t fixed = __builtin_offsetof(struct mcp_proc_rec, path);

	if (len < fixed || r->h.size > len)
		return -1;
	switch (r->h.type) {
	case MCP_REC_PROC_FORK: {
		struct proc_event ev = {.kind = PROC_FORK, .pid = (pid_t)r->h.pid, .ppid = (pid_t)r->ppid};

		/* the others first: what they have not read yet of the parent
		 * (the request it serves) may be the new process's parent span */
		sources_notify(s->set, s, &ev);
		on_fork(s, r);
		return 0;
	}
	case MCP_REC_PROC_EXEC:
		if (len < MCP_PROC_REC_SIZE(0))
			return -1;
		on_exec(s, r, len);
		return 0;
	case MCP_REC_PROC_EXIT:
		on_exit_rec(s, r);
		return 0;
	}
	return -1;
}

static void proc_detach(struct source *s)
{
	if (priv(s) && priv(s)->skel)
		proc_bpf__detach(priv(s)->skel);
}

static void proc_close(struct source *s)
{
	struct proc_source *p = priv(s);

	if (!p)
		return;
	proc_bpf__destroy(p->skel);
	proc_table_free(&p->t);
	free(p);
	s->priv = NULL;
}

const struct source_ops proc_source_ops = {
	.name = "exec",
	.applies = proc_applies,
	.open = proc_open,
	.load = proc_load,
	.attach = proc_attach,
	.on_record = proc_on_record,
	.detach = proc_detach,
	.close = proc_close,
};
