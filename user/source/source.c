/* The sources of a run, driven together (source.h). */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "clock.h"
#include "source/source.h"
#include "source/core_btf.h"
#include "source/mcp/mcp_source.h"
#include "source/node/node_source.h"
#include "source/proc/proc_source.h"
#include "source/python/py_source.h"
#include "source/tls/tls_source.h"
#include "source/uprobe/uprobe_source.h"

const struct source_ops *const source_registry[] = {
	&uprobe_source_ops,
	&proc_source_ops,
	&tls_source_ops,
	&mcp_source_ops,
	&node_source_ops,
	&py_source_ops,
	NULL,
};

static bool verbose_libbpf;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level != LIBBPF_WARN && !verbose_libbpf)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void source_libbpf_quiet(bool verbose)
{
	verbose_libbpf = verbose;
	libbpf_set_print(libbpf_print);
}

/* Whether `name` is one of the comma-separated `list`. */
static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == n && !strncmp(p, name, n))
			return true;
		p += l + (e != NULL);
	}
	return false;
}

/* --sources: every name a registered source; the message lists them. */
static int check_names(const char *list, char *err, size_t errlen)
{
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		bool known = false;

		for (int i = 0; source_registry[i]; i++)
			known |= l == strlen(source_registry[i]->name) && !strncmp(p, source_registry[i]->name, l);
		if (!known) {
			size_t o = (size_t)snprintf(err, errlen, "--sources: unknown source '%.*s' (known:",
						    (int)(l > 32 ? 32 : l), p);

			for (int i = 0; source_registry[i] && o < errlen; i++)
				o += (size_t)snprintf(err + o, errlen - o, "%s %s", i ? "," : "",
						      source_registry[i]->name);
			if (o < errlen)
				snprintf(err + o, errlen - o, ")");
			return -1;
		}
		p += l + (e != NULL);
	}
	return 0;
}

/* The traced set, made here so that every object can share it from its
 * load on; the targets go in before anything attaches. */
static int make_traced_set(struct source_set *S, const struct source_env *env, char *err, size_t errlen)
{
	/* Not preallocated: 65,536 elements made up front cost ~1.6 ms of
	 * start-up, and the set changes only at a fork or an exit. */
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);

	S->shared.traced_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "traced_pids", sizeof(__u32),
					     sizeof(struct mcp_traced), MCP_MAX_TRACED, &opts);
	if (S->shared.traced_fd < 0) {
		snprintf(err, errlen, "cannot create the traced-process map: %s%s", strerror(errno),
			 errno == EPERM ? " (run as root, or with CAP_BPF and CAP_PERFMON)" : "");
		return 1;
	}
	for (int i = 0; i < env->ntargets; i++) {
		__u32 pid = (__u32)env->targets[i].pid;
		struct mcp_traced v = {.flags = MCP_TRACED_TARGET};

		if (env->targets[i].pid > 0)
			bpf_map_update_elem(S->shared.traced_fd, &pid, &v, BPF_ANY);
	}
	return 0;
}

/* One source's load, on a thread of its own (source_ops.load). */
struct load_job {
	struct source *s;
	pthread_t thread;
	bool started;
	int rc;
	double ms;
	char err[512];
};

static void *load_one(void *arg)
{
	struct load_job *j = arg;
	uint64_t t0 = clock_mono_ns();

	j->rc = j->s->ops->load(j->s, j->err, sizeof(j->err));
	j->ms = (double)(clock_mono_ns() - t0) / 1e6;
	if (!j->rc && j->s->ops->attach_early) {
		t0 = clock_mono_ns();
		j->s->early_attached = j->s->ops->attach(j->s);
		j->s->early_attach_ms = (double)(clock_mono_ns() - t0) / 1e6;
	}
	return NULL;
}

/*
 * Loads every source that has a `load` at once: a default run loads three
 * objects (uprobe, exec, mcp), one after the other ~14, ~2 and ~22 ms here,
 * nearly all of it the kernel verifying programs and libbpf relocating
 * them, each on its own. The last job runs on this thread.
 */
static int load_all(struct source_set *S, const struct source_env *env, char *err, size_t errlen)
{
	struct load_job jobs[SOURCE_MAX];
	int n = 0, rc = 0;
	uint64_t t0 = clock_mono_ns();

	for (int i = 0; i < S->n; i++)
		if (S->v[i].ops->load)
			jobs[n++] = (struct load_job){.s = &S->v[i]};
	for (int i = 0; i < n - 1; i++)
		jobs[i].started = pthread_create(&jobs[i].thread, NULL, load_one, &jobs[i]) == 0;
	for (int i = 0; i < n; i++)
		if (i == n - 1 || !jobs[i].started) /* the last, or no thread for it */
			load_one(&jobs[i]);
	for (int i = 0; i < n; i++) {
		if (jobs[i].started)
			pthread_join(jobs[i].thread, NULL);
	}
	for (int i = 0; i < n; i++) {
		if (env->verbose)
			fprintf(stderr, "mcp-bpftrace: source %s loaded in %.1f ms\n", jobs[i].s->ops->name, jobs[i].ms);
		if (jobs[i].rc && !rc) { /* the first in source order */
			rc = jobs[i].rc;
			snprintf(err, errlen, "%s", jobs[i].err);
		}
	}
	if (env->verbose && n > 1)
		fprintf(stderr, "mcp-bpftrace: %d sources loaded together in %.1f ms\n", n,
			(double)(clock_mono_ns() - t0) / 1e6);
	return rc;
}

int sources_open(struct source_set *S, struct source_env *env, char *err, size_t errlen)
{
	memset(S, 0, sizeof(*S));
	S->shared.stacks_fd = -1;
	env->shared = &S->shared;
	source_libbpf_quiet(env->verbose);
	core_btf_open_opts(env->verbose); /* decided once, before any object opens */
	int rc = make_traced_set(S, env, err, errlen);

	if (rc)
		return rc;
	if (env->only && check_names(env->only, err, errlen))
		return 2;
	for (int i = 0; source_registry[i] && S->n < SOURCE_MAX; i++) {
		const struct source_ops *ops = source_registry[i];
		bool named = env->only && listed(env->only, ops->name);

		if (env->only && !named)
			continue;
		if (!ops->applies(env)) {
			if (named) {
				snprintf(err, errlen, "--sources %s: the %s source has nothing to trace here%s", env->only,
					 ops->name, !strcmp(ops->name, "uprobe") ? " (it needs a probe map: --probes FILE)" : "");
				return 2;
			}
			continue;
		}
		struct source *s = &S->v[S->n++];

		*s = (struct source){.ops = ops, .env = env, .set = S, .early_attached = -1};
		uint64_t t0 = clock_mono_ns();
		rc = ops->open(s, err, errlen);

		if (rc)
			return rc;
		if (env->verbose) /* start-up is paid before the target runs: say where */
			fprintf(stderr, "mcp-bpftrace: source %s %s in %.1f ms\n", ops->name,
				ops->load ? "opened" : "loaded", (double)(clock_mono_ns() - t0) / 1e6);
	}
	if (S->n == 0) {
		snprintf(err, errlen, "no source applies: give a probe map (--probes FILE)");
		return 2;
	}
	return load_all(S, env, err, errlen);
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct source *s = ctx;

	if (s->ops->on_record(s, data, len))
		s->bad_records++;
	return 0;
}

int sources_attach(struct source_set *S, char *err, size_t errlen)
{
	int total = 0;

	for (int i = 0; i < S->n; i++) {
		struct source *s = &S->v[i];
		int fd = bpf_map__fd(bpf_object__find_map_by_name(s->obj, "events"));
		int e = 0;

		if (s->ops == &uprobe_source_ops) { /* the hot ring: read per batch */
			e = ring_reader_open(&S->own[S->nown], fd, on_record, s);
			S->nown += !e;
		} else if (!S->rb) {
			S->rb = ring_buffer__new(fd, on_record, s, NULL);
			if (!S->rb)
				e = -errno;
		} else {
			e = ring_buffer__add(S->rb, fd, on_record, s);
		}
		if (e) {
			snprintf(err, errlen, "cannot open the %s ring buffer: %s", s->ops->name, strerror(-e));
			return -1;
		}
		uint64_t t0 = clock_mono_ns();
		bool early = s->early_attached >= 0;
		int n = early ? s->early_attached : s->ops->attach(s);

		if (s->env->verbose)
			fprintf(stderr, "mcp-bpftrace: source %s attached in %.1f ms%s\n", s->ops->name,
				early ? s->early_attach_ms : (double)(clock_mono_ns() - t0) / 1e6,
				early ? " (as soon as it loaded)" : "");
		s->nprobes = n > 0 ? (size_t)n : 0;
		total += n > 0 ? n : 0;
	}
	return total;
}

/* What sources hold back until the other rings have been read
 * (sources_on_poll_end): process-wide, a few entries. */
#define POLL_END_HOOKS 16
static struct {
	void (*fn)(void *ctx, bool final);
	void *ctx;
} poll_end_hooks[POLL_END_HOOKS];

int sources_on_poll_end(void (*fn)(void *ctx, bool final), void *ctx)
{
	for (int i = 0; i < POLL_END_HOOKS; i++) {
		if (!poll_end_hooks[i].fn) {
			poll_end_hooks[i].fn = fn;
			poll_end_hooks[i].ctx = ctx;
			return 0;
		}
	}
	return -1;
}

void sources_off_poll_end(void (*fn)(void *ctx, bool final), void *ctx)
{
	for (int i = 0; i < POLL_END_HOOKS; i++)
		if (poll_end_hooks[i].fn == fn && poll_end_hooks[i].ctx == ctx)
			poll_end_hooks[i].fn = NULL;
}

static void poll_ended(bool final)
{
	for (int i = 0; i < POLL_END_HOOKS; i++)
		if (poll_end_hooks[i].fn)
			poll_end_hooks[i].fn(poll_end_hooks[i].ctx, final);
}

/* A poll that read this many records is followed by one that waits at
 * most SOURCE_BUSY_POLL_MS: at 1/8 of the ring per wakeup (ring.bpf.h,
 * loader.c), an 8 MiB ring then wakes its reader only above ~2 M records/s. */
#define SOURCE_BUSY_RECORDS 256
#define SOURCE_BUSY_POLL_MS 2

/* One epoll over libbpf's (itself an epoll descriptor) and our rings'. */
static int make_poller(struct source_set *S)
{
	struct epoll_event ev = {.events = EPOLLIN};

	S->ep = epoll_create1(EPOLL_CLOEXEC);
	if (S->ep < 0)
		return S->ep = -errno;
	if (S->rb && epoll_ctl(S->ep, EPOLL_CTL_ADD, ring_buffer__epoll_fd(S->rb), &ev))
		return -errno;
	for (int i = 0; i < S->nown; i++)
		if (epoll_ctl(S->ep, EPOLL_CTL_ADD, S->own[i].map_fd, &ev))
			return -errno;
	return 0;
}

int sources_poll(struct source_set *S, int timeout_ms)
{
	struct epoll_event ev[SOURCE_MAX + 1];
	int e = S->ep > 0 ? 0 : make_poller(S);

	/* While records stream in, read every few ms rather than wait for a
	 * ring's wakeup: a wakeup is an interrupt the traced thread raises on
	 * its own CPU (a VM exit here, ~1 % of a call's cost in a profile of a
	 * busy loop), a timeout is the tracer's alone. */
	if (S->busy && (timeout_ms < 0 || timeout_ms > SOURCE_BUSY_POLL_MS))
		timeout_ms = SOURCE_BUSY_POLL_MS;
	if (!e && epoll_wait(S->ep, ev, SOURCE_MAX + 1, timeout_ms) < 0)
		e = -errno;
	/* Every ring, not only those that woke us: what the wakeup-less rings
	 * hold is read too (ring.bpf.h). */
	for (int i = 0; i < S->nown && e >= 0; i++) {
		int64_t n = ring_reader_consume(&S->own[i]);

		e = n < 0 ? (int)n : e + (int)n;
	}
	if (S->rb && e >= 0) {
		int n = ring_buffer__consume(S->rb);

		e = n < 0 ? n : e + n;
	}
	S->busy = e >= SOURCE_BUSY_RECORDS;
	poll_ended(false);
	return e;
}

void sources_flush(struct source_set *S)
{
	(void)S;
	poll_ended(true);
}

void sources_read_stats(struct source_set *S, uint64_t out[MCP_STAT_MAX])
{
	memset(out, 0, sizeof(uint64_t) * MCP_STAT_MAX);
	for (int i = 0; i < S->n; i++)
		if (S->v[i].obj)
			source_add_percpu_stats(bpf_map__fd(bpf_object__find_map_by_name(S->v[i].obj, "stats")),
						out);
}

int sources_attach_errors(const struct source_set *S)
{
	int n = 0;

	for (int i = 0; i < S->n; i++)
		n += S->v[i].attach_errors;
	return n;
}

uint64_t sources_bad_records(const struct source_set *S)
{
	uint64_t n = 0;

	for (int i = 0; i < S->n; i++)
		n += S->v[i].bad_records;
	return n;
}

size_t sources_nprobes(const struct source_set *S)
{
	size_t n = 0;

	for (int i = 0; i < S->n; i++)
		n += S->v[i].nprobes;
	return n;
}

void sources_detach(struct source_set *S)
{
	for (int i = 0; i < S->n; i++)
		S->v[i].ops->detach(&S->v[i]);
}

int sources_detach_binding(struct source_set *S, int binding)
{
	int n = 0;

	for (int i = 0; i < S->n; i++) {
		int k = S->v[i].ops->detach_binding ? S->v[i].ops->detach_binding(&S->v[i], binding) : 0;

		if (k < 0)
			return -1;
		n += k;
	}
	return n;
}

void sources_close(struct source_set *S)
{
	if (S->rb)
		ring_buffer__free(S->rb);
	for (int i = 0; i < S->nown; i++)
		ring_reader_close(&S->own[i]);
	if (S->ep > 0)
		close(S->ep);
	for (int i = 0; i < S->n; i++)
		S->v[i].ops->close(&S->v[i]);
	if (S->shared.traced_fd > 0)
		close(S->shared.traced_fd);
	if (S->shared.stacks_fd > 0)
		close(S->shared.stacks_fd);
	core_btf_release();
	memset(S, 0, sizeof(*S));
}

void sources_notify(struct source_set *S, const struct source *from, const struct proc_event *e)
{
	for (int i = 0; i < S->n; i++)
		if (&S->v[i] != from && S->v[i].ops->on_process)
			S->v[i].ops->on_process(&S->v[i], e);
}

void sources_publish_span(struct source_set *S, pid_t pid, const unsigned long long trace_id[2],
			  unsigned long long span_id, unsigned long long at_ns)
{
	struct open_span *free_slot = NULL, *oldest = NULL, *pid_oldest = NULL, *pid_last = NULL;
	int of_pid = 0;

	if (!pid)
		return;
	for (int i = 0; i < SOURCE_OPEN_SPANS; i++) {
		struct open_span *o = &S->open[i];

		if (!o->pid) {
			if (!free_slot)
				free_slot = o;
			continue;
		}
		if (!oldest || o->seq < oldest->seq)
			oldest = o;
		if (o->pid == pid) {
			of_pid++;
			if (!pid_oldest || o->seq < pid_oldest->seq)
				pid_oldest = o;
			if (!pid_last || o->seq > pid_last->seq)
				pid_last = o;
			if (span_id && o->span_id == span_id) { /* its trace as known now */
				o->trace_id[0] = trace_id[0];
				o->trace_id[1] = trace_id[1];
			}
		}
	}
	if (pid_last ? pid_last->span_id == span_id : !span_id)
		return; /* already what pid has open (or nothing was ever open) */
	/* a process's own oldest entry first, then a free slot, then the
	 * oldest of all (a lookup that finds nothing starts a trace) */
	struct open_span *o = of_pid >= SOURCE_OPEN_SPANS_PER_PID ? pid_oldest : free_slot ? free_slot : oldest;

	o->pid = pid;
	o->from_ns = at_ns;
	o->seq = ++S->open_seq;
	o->trace_id[0] = span_id ? trace_id[0] : 0;
	o->trace_id[1] = span_id ? trace_id[1] : 0;
	o->span_id = span_id;
}

bool sources_open_span(const struct source_set *S, pid_t pid, unsigned long long at_ns,
		       unsigned long long trace_id[2], unsigned long long *span_id)
{
	const struct open_span *best = NULL;

	for (int i = 0; i < SOURCE_OPEN_SPANS && pid; i++) {
		const struct open_span *o = &S->open[i];

		if (o->pid == pid && o->from_ns <= at_ns &&
		    (!best || o->from_ns > best->from_ns || (o->from_ns == best->from_ns && o->seq > best->seq)))
			best = o;
	}
	if (!best || !best->span_id)
		return false;
	trace_id[0] = best->trace_id[0];
	trace_id[1] = best->trace_id[1];
	*span_id = best->span_id;
	return true;
}

/*
 * The span-stack map, made once for every object that has one, before any
 * of them loads: the objects then load at the same time (sources_open).
 * Its value is as large as the first object's `stacks` says; its BTF a
 * byte array of that size (the kernel needs a BTF type for local storage
 * and reads no field of it: the programs' own BTF describes the frames).
 */
static int make_stacks(struct bpf_map *m, struct source_shared *sh)
{
	__u32 vsz = bpf_map__value_size(m);
	struct btf *btf = btf__new_empty();
	int e = btf ? 0 : -ENOMEM;
	int key = 0, st = 0;

	if (!e) {
		key = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
		int byte = btf__add_int(btf, "unsigned char", 1, 0);
		int arr = btf__add_array(btf, key, byte, vsz);

		st = btf__add_struct(btf, "span_stack", vsz);
		if (key < 0 || byte < 0 || arr < 0 || st < 0 || btf__add_field(btf, "frames", arr, 0, 0))
			e = -EINVAL;
	}
	if (!e)
		e = btf__load_into_kernel(btf);
	if (!e) {
		LIBBPF_OPTS(bpf_map_create_opts, o, .btf_fd = btf__fd(btf), .btf_key_type_id = key,
			    .btf_value_type_id = st, .map_flags = BPF_F_NO_PREALLOC);

		sh->stacks_fd = bpf_map_create(BPF_MAP_TYPE_TASK_STORAGE, "stacks", sizeof(int), vsz, 0, &o);
		if (sh->stacks_fd < 0)
			e = -errno;
	}
	btf__free(btf); /* the map holds the kernel's copy */
	return e;
}

int source_share_maps(struct bpf_object *obj, const struct source_env *env, char *err, size_t errlen)
{
	struct bpf_map *m;
	int e = 0;

	if ((m = bpf_object__find_map_by_name(obj, "traced_pids")))
		e = bpf_map__reuse_fd(m, env->shared->traced_fd);
	if (!e && (m = bpf_object__find_map_by_name(obj, "stacks"))) {
		if (env->shared->stacks_fd < 0)
			e = make_stacks(m, env->shared);
		if (!e)
			e = bpf_map__reuse_fd(m, env->shared->stacks_fd);
	}
	if (e)
		snprintf(err, errlen, "cannot share a map between the BPF objects: %s", strerror(-e));
	return e;
}

unsigned source_traced_mode(const struct source_env *env, bool pid_filtered)
{
	if (env->container || env->all)
		return MCP_TRACED_BY_TASK;
	return pid_filtered && !env->follow ? MCP_TRACED_BY_ATTACH : MCP_TRACED_BY_SET;
}

void source_add_percpu_stats(int map_fd, uint64_t out[MCP_STAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;

	if (ncpu <= 0 || map_fd < 0)
		return;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return;
	for (__u32 k = 0; k < MCP_STAT_MAX; k++) {
		if (bpf_map_lookup_elem(map_fd, &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
}
