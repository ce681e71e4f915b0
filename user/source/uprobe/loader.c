/* BPF loading, binding resolution and attachment. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "source/core_btf.h"
#include "catalog.h"
#include "elf_symbols.h"
#include "loader.h"
#include "uprobe.skel.h"
#include "target/proc_maps.h"
#include "target/target.h"
#include "uprobe_multi.h"

static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib", "/usr/local/lib", NULL,
};

/* Finds the ELF a binding names, as seen by target `t`; when it cannot,
 * says why in `why` (from errno, not a guess). */
static int resolve_object(const struct pm_binding *b, const struct source_target *t,
			  char *out, size_t len, char *why, size_t wlen)
{
	const char *obj = b->object;
	char root[64] = "";
	size_t n;

	if (t->maps_pid > 0)
		snprintf(root, sizeof(root), "/proc/%d/root", (int)t->maps_pid);
	if (!obj) {
		snprintf(out, len, "%s", t->exe);
		return 0;
	}
	if (obj[0] == '/') { /* a path in the target's own mount namespace */
		snprintf(out, len, "%s%s", root, obj);
		if (access(out, R_OK) == 0)
			return 0;
		snprintf(why, wlen, "cannot read %.400s: %s", out, strerror(errno));
		return -1;
	}
	if (strchr(obj, '/')) { /* relative: to where the tracer was started */
		if (realpath(obj, out))
			return 0;
		snprintf(why, wlen, "cannot read %.400s (from the directory the tracer runs in): %s", obj,
			 strerror(errno));
		return -1;
	}
	if (t->maps_pid > 0) {
		struct proc_maps m;

		if (proc_maps_read(t->maps_pid, &m) == 0) {
			const struct proc_map *e = proc_maps_find_object(&m, obj);

			if (e)
				snprintf(out, len, "%s%s", root, e->path);
			proc_maps_free(&m);
			if (e)
				return 0;
		}
	}
	for (int i = 0; lib_dirs[i]; i++) {
		snprintf(out, len, "%s%s/%s", root, lib_dirs[i], obj);
		if (access(out, R_OK) == 0)
			return 0;
	}
	if (t->maps_pid > 0)
		n = (size_t)snprintf(why, wlen, "not mapped by pid %d, and not in", (int)t->maps_pid);
	else
		n = (size_t)snprintf(why, wlen, "not in");
	for (int i = 0; lib_dirs[i] && n < wlen; i++)
		n += (size_t)snprintf(why + n, wlen - n, "%s %s", i ? "," : "", lib_dirs[i]);
	if (t->maps_pid <= 0 && n < wlen) /* a command held before its exec */
		snprintf(why + n, wlen - n, " (the command has not started, so its own libraries "
			 "are not known yet: give the object's path)");
	return -1;
}

/*
 * The kernel cannot put a uprobe on an instruction with a segment or LOCK
 * prefix (arch/x86/kernel/uprobes.c, is_prefix_bad()): the function would
 * never fire. Compilers do emit a lock-prefixed first instruction for a
 * short function that bumps an atomic counter. 1 (with `why`) if so.
 */
static int first_insn_unprobeable(const char *path, uint64_t off, char *why, size_t wlen)
{
	static const struct { unsigned char b; const char *name; } bad[] = {
		{0xf0, "lock"}, {0x26, "es"}, {0x2e, "cs"}, {0x36, "ss"}, {0x3e, "ds"},
	};
	unsigned char c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : pread(fd, &c, 1, (off_t)off);

	if (fd >= 0)
		close(fd);
	for (size_t i = 0; n == 1 && i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (c != bad[i].b)
			continue;
		snprintf(why, wlen, "begins with a %s-prefixed instruction (byte 0x%02x at file offset %#llx), "
			 "which the kernel cannot place a uprobe on", bad[i].name, c, (unsigned long long)off);
		return 1;
	}
	return 0;
}

/* A small cache: bindings usually share one or two ELF files. */
struct elf_cache {
	struct elf_info v[16];
	int n;
};

static const struct elf_info *cached_elf(struct elf_cache *c, const char *path, char *err, size_t len)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].path, path))
			return &c->v[i];
	if (c->n == 16) {
		elf_info_free(&c->v[0]);
		memmove(&c->v[0], &c->v[1], 15 * sizeof(c->v[0]));
		c->n--;
	}
	if (elf_info_load(path, &c->v[c->n], err, len))
		return NULL;
	return &c->v[c->n++];
}

static bool point_seen(const struct loader *L, const struct attach_point *ap)
{
	for (size_t i = 0; i < L->npoints; i++) {
		const struct attach_point *o = &L->points[i];

		if (o->binding == ap->binding && o->pid == ap->pid && o->offset == ap->offset &&
		    !strcmp(o->path, ap->path))
			return true;
	}
	return false;
}

int loader_resolve(struct loader *L, const struct probe_map *pm, const struct source_target *t,
		   int nt, char *err, size_t errlen)
{
	struct elf_cache cache = {0};
	char msg[512];
	int rc = -1;

	L->points = calloc(pm->n * (size_t)nt + 1, sizeof(*L->points));
	if (!L->points) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int ti = 0; ti < nt; ti++) {
		for (size_t bi = 0; bi < pm->n; bi++) {
			const struct pm_binding *b = &pm->bindings[bi];
			struct attach_point *ap = &L->points[L->npoints];
			const struct elf_info *elf;

			if (b->builtin)
				continue;
			ap->binding = (int)bi;
			ap->pid = t[ti].pid;
			if (resolve_object(b, &t[ti], ap->path, sizeof(ap->path), msg, sizeof(msg))) {
				snprintf(err, errlen, "%s:%d: object '%s': %s", pm->path, b->line, b->object, msg);
				goto out;
			}
			elf = cached_elf(&cache, ap->path, msg, sizeof(msg));
			if (!elf) {
				snprintf(err, errlen, "%s:%d: %s", pm->path, b->line, msg);
				goto out;
			}
			if (b->usdt_provider) {
				const char *missing = !elf_find_usdt(elf, b->usdt_provider, b->usdt_name) ? b->usdt_name
						      : b->usdt_done && !elf_find_usdt(elf, b->usdt_provider, b->usdt_done)
							      ? b->usdt_done : NULL;

				if (missing) {
					snprintf(err, errlen, "%s:%d: USDT probe %s:%s not found in %s",
						 pm->path, b->line, b->usdt_provider, missing, ap->path);
					goto out;
				}
			} else {
				const struct elf_func *f = elf_find_func(elf, b->symbol);

				if (!f) {
					snprintf(err, errlen, "%s:%d: function '%s' not found in %s (see --list)",
						 pm->path, b->line, b->symbol, ap->path);
					goto out;
				}
				ap->offset = f->offset;
				if (first_insn_unprobeable(ap->path, f->offset, msg, sizeof(msg))) {
					snprintf(err, errlen, "%s:%d: function '%s' in %s %s", pm->path, b->line,
						 b->symbol, ap->path, msg);
					goto out;
				}
			}
			if (!point_seen(L, ap))
				L->npoints++;
		}
	}
	rc = 0;
out:
	for (int i = 0; i < cache.n; i++)
		elf_info_free(&cache.v[i]);
	return rc;
}

int loader_load(struct loader *L, const struct probe_map *pm, const struct loader_opts *o,
		char *err, size_t errlen)
{
	struct uprobe_bpf *skel;

	if (pm->n > MCP_MAX_BINDINGS) {
		snprintf(err, errlen, "%s: %zu bindings, at most %d", pm->path, pm->n, MCP_MAX_BINDINGS);
		return -1;
	}
	skel = uprobe_bpf__open_opts(core_btf_open_opts(false));
	if (!skel) {
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		return -1;
	}
	L->skel = skel;
	for (size_t i = 0; i < pm->n; i++)
		probe_map_to_spec(&pm->bindings[i], catalog_op_has_updown(pm->bindings[i].op),
				  (struct mcp_binding_spec *)&skel->rodata->mcp_bindings[i]);
	skel->rodata->filter_cgroup_id = o->filter_cgroup_id;
	skel->rodata->filter_cgroup_level = o->filter_cgroup_level;
	skel->rodata->filter_pidns_ino = o->filter_pidns_ino;
	skel->rodata->traced_mode = o->traced_mode;
	if (o->ringbuf_bytes)
		bpf_map__set_max_entries(skel->maps.events, (__u32)o->ringbuf_bytes);
	/* A wakeup per 1/8 of the ring: the consumer still has 7/8 to catch
	 * up, and while records stream in it reads every 2 ms without one
	 * (sources_poll), so a busy loop of ~1 M calls/s raises none. */
	skel->rodata->wakeup_bytes = bpf_map__max_entries(skel->maps.events) / 8;
	/* Only the programs some binding uses: the verifier takes ~4 ms for
	 * each, a good part of the time before the target may start. */
	bool spans = false, points = false, usdt = false, usdt_spans = false;

	for (size_t i = 0; i < pm->n; i++) {
		const struct pm_binding *b = &pm->bindings[i];

		usdt |= b->usdt_provider != NULL && !b->usdt_done;
		usdt_spans |= b->usdt_done != NULL;
		spans |= !b->usdt_provider && b->kind == PM_SPAN;
		points |= !b->usdt_provider && b->kind == PM_POINT;
	}
	bpf_program__set_autoload(skel->progs.span_enter, spans);
	bpf_program__set_autoload(skel->progs.span_exit, spans);
	bpf_program__set_autoload(skel->progs.point_fire, points);
	bpf_program__set_autoload(skel->progs.usdt_point_fire, usdt);
	bpf_program__set_autoload(skel->progs.usdt_span_enter, usdt_spans);
	bpf_program__set_autoload(skel->progs.usdt_span_exit, usdt_spans);
	/* uprobe_multi links need their programs loaded for them. */
	L->verbose = o->verbose;
	L->link_per_binding = o->link_per_binding;
	L->use_multi = !o->no_uprobe_multi && umulti_supported();
	if (L->use_multi) {
		bpf_program__set_expected_attach_type(skel->progs.span_enter, UMULTI_ATTACH_TYPE);
		bpf_program__set_expected_attach_type(skel->progs.span_exit, UMULTI_ATTACH_TYPE);
		bpf_program__set_expected_attach_type(skel->progs.point_fire, UMULTI_ATTACH_TYPE);
	}
	if (o->verbose)
		fprintf(stderr, "mcp-bpftrace: uprobes as %s\n",
			L->use_multi ? "uprobe_multi links" : "one perf-event link each");
	if (o->env && source_share_maps(skel->obj, o->env, err, errlen))
		return -1;
	return 0;
}

int loader_load_object(struct loader *L, char *err, size_t errlen)
{
	struct uprobe_bpf *skel = L->skel;
	int e = uprobe_bpf__load(skel);

	if (e) {
		snprintf(err, errlen, "cannot load the BPF programs: %s%s", strerror(-e),
			 -e == EPERM ? " (run as root, or with CAP_BPF and CAP_PERFMON)" : "");
		return -1;
	}
	/* The thread-exit cleanup is the one kernel tracepoint we need. */
	skel->links.thread_exit = bpf_program__attach(skel->progs.thread_exit);
	if (!skel->links.thread_exit) {
		snprintf(err, errlen, "cannot attach the thread-exit tracepoint: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int add_link(struct loader *L, struct bpf_link *link, int binding, bool ret)
{
	void *p = realloc(L->links, (L->nlinks + 1) * sizeof(*L->links));
	void *t = p ? realloc(L->link_tags, (L->nlinks + 1) * sizeof(*L->link_tags)) : NULL;

	if (p)
		L->links = p;
	if (!t) {
		bpf_link__destroy(link);
		return -1;
	}
	L->link_tags = t;
	L->link_tags[L->nlinks] = (struct loader_link_tag){binding, ret};
	L->links[L->nlinks++] = link;
	return 0;
}

static struct bpf_link *attach_one(struct loader *L, const struct pm_binding *b,
				   const struct attach_point *ap, bool ret)
{
	struct uprobe_bpf *s = L->skel;

	if (b->usdt_provider) {
		LIBBPF_OPTS(bpf_usdt_opts, uo, .usdt_cookie = (__u64)ap->binding);

		if (b->usdt_done) /* a span: `ret` means the probe that ends it */
			return bpf_program__attach_usdt(ret ? s->progs.usdt_span_exit : s->progs.usdt_span_enter,
							ap->pid, ap->path, b->usdt_provider,
							ret ? b->usdt_done : b->usdt_name, &uo);
		return bpf_program__attach_usdt(s->progs.usdt_point_fire, ap->pid, ap->path,
						b->usdt_provider, b->usdt_name, &uo);
	}
	LIBBPF_OPTS(bpf_uprobe_opts, o, .retprobe = ret, .bpf_cookie = (__u64)ap->binding);
	struct bpf_program *prog = b->kind == PM_POINT ? s->progs.point_fire
				   : ret ? s->progs.span_exit : s->progs.span_enter;

	return bpf_program__attach_uprobe_opts(prog, ap->pid, ap->path, ap->offset, &o);
}

static void attach_failed(struct loader *L, const struct probe_map *pm, const struct attach_point *ap,
			  int err)
{
	const struct pm_binding *b = &pm->bindings[ap->binding];

	/* A target that exited while its probes went in: no fault of the
	 * probe map's, said once by the caller (target_pid_gone). Its pid:
	 * the probe's, or for probes on every process the one in the path. */
	int pid = ap->pid;

	if (pid <= 0 && sscanf(ap->path, "/proc/%d/", &pid) != 1)
		pid = 0;
	if (pid > 0 && target_pid_gone(pid))
		return;
	fprintf(stderr, "mcp-bpftrace: %s:%d: cannot attach to %s%s%s in %s (pid %d): %s\n", pm->path, b->line,
		b->symbol ? b->symbol : b->usdt_provider, b->symbol ? "" : ":", b->symbol ? "" : b->usdt_name,
		ap->path, (int)ap->pid, strerror(err));
	L->attach_errors++;
}

/* One perf-event link per probe: USDT always, uprobes on kernels before 6.6. */
static bool attach_point_alone(struct loader *L, const struct probe_map *pm, const struct attach_point *ap)
{
	const struct pm_binding *b = &pm->bindings[ap->binding];
	int nprobes = b->kind == PM_SPAN ? 2 : 1;

	for (int k = 0; k < nprobes; k++) {
		/* Return probe first: an entry without its return would leave
		 * a frame that only the thread's exit frees. */
		struct bpf_link *link = attach_one(L, b, ap, nprobes == 2 && k == 0);

		if (!link) {
			attach_failed(L, pm, ap, errno);
			return false;
		}
		if (!add_link(L, link, ap->binding, nprobes == 2 && k == 0))
			L->nprobes++;
	}
	return true;
}

static int add_mlink(struct loader *L, int fd, int binding, bool ret)
{
	void *p = realloc(L->mlinks, (L->nmlinks + 1) * sizeof(*L->mlinks));
	void *t = p ? realloc(L->mlink_tags, (L->nmlinks + 1) * sizeof(*L->mlink_tags)) : NULL;

	if (p)
		L->mlinks = p;
	if (!t) {
		close(fd);
		return -1;
	}
	L->mlink_tags = t;
	L->mlink_tags[L->nmlinks] = (struct loader_link_tag){binding, ret};
	L->mlinks[L->nmlinks++] = fd;
	return 0;
}

enum multi_pass { PASS_RETURNS, PASS_ENTRIES };

/* Whether point i takes part in a pass: span returns first, then span
 * entries (not where the return failed) and points. */
static bool in_pass(const struct loader *L, const struct probe_map *pm, size_t i, enum multi_pass pass,
		    const bool *failed)
{
	const struct pm_binding *b = &pm->bindings[L->points[i].binding];

	if (b->usdt_provider || failed[i])
		return false;
	return pass == PASS_ENTRIES || b->kind == PM_SPAN;
}

/*
 * One uprobe_multi link per (program, file, pid) in a pass. When the kernel
 * refuses a link, its probes are tried one by one, so that a bad one is
 * named and the others still go in.
 */
static void attach_pass(struct loader *L, const struct probe_map *pm, enum multi_pass pass, bool *failed)
{
	struct uprobe_bpf *s = L->skel;
	uint64_t *offs = calloc(L->npoints, sizeof(*offs)), *cookies = calloc(L->npoints, sizeof(*cookies));
	size_t *idx = calloc(L->npoints, sizeof(*idx));
	bool *done = calloc(L->npoints, sizeof(*done));

	if (!offs || !cookies || !idx || !done) {
		for (size_t i = 0; i < L->npoints; i++)
			if (in_pass(L, pm, i, pass, failed)) {
				attach_failed(L, pm, &L->points[i], ENOMEM);
				failed[i] = true;
			}
		goto out;
	}
	for (size_t i = 0; i < L->npoints; i++) {
		if (done[i] || !in_pass(L, pm, i, pass, failed))
			continue;
		const struct attach_point *first = &L->points[i];
		bool is_point = pm->bindings[first->binding].kind == PM_POINT;
		struct bpf_program *prog = pass == PASS_RETURNS ? s->progs.span_exit
					   : is_point ? s->progs.point_fire : s->progs.span_enter;
		uint32_t n = 0;

		for (size_t j = i; j < L->npoints; j++) {
			const struct attach_point *ap = &L->points[j];

			if (done[j] || !in_pass(L, pm, j, pass, failed) || ap->pid != first->pid ||
			    (pm->bindings[ap->binding].kind == PM_POINT) != is_point || strcmp(ap->path, first->path) ||
			    (L->link_per_binding && ap->binding != first->binding))
				continue;
			done[j] = true;
			idx[n] = j;
			offs[n] = ap->offset;
			cookies[n++] = (uint64_t)ap->binding;
		}
		int fd = umulti_attach(bpf_program__fd(prog), first->path, first->pid, pass == PASS_RETURNS, offs,
				       cookies, n);
		bool one = true; /* one binding in the link: it can go alone */

		for (uint32_t k = 1; k < n; k++)
			one &= cookies[k] == cookies[0];
		if (fd >= 0 && !add_mlink(L, fd, one ? first->binding : -1, pass == PASS_RETURNS)) {
			L->nprobes += n;
			if (L->verbose)
				fprintf(stderr, "mcp-bpftrace: uprobe_multi: %u %s probes in %s (pid %d)\n", n,
					pass == PASS_RETURNS ? "return" : "entry", first->path, (int)first->pid);
			continue;
		}
		for (uint32_t k = 0; k < n; k++) { /* one by one: which is it? */
			fd = umulti_attach(bpf_program__fd(prog), first->path, first->pid, pass == PASS_RETURNS,
					   &offs[k], &cookies[k], 1);
			if (fd >= 0 && !add_mlink(L, fd, (int)cookies[k], pass == PASS_RETURNS)) {
				L->nprobes++;
				continue;
			}
			attach_failed(L, pm, &L->points[idx[k]], fd < 0 ? -fd : ENOMEM);
			failed[idx[k]] = true;
		}
	}
out:
	free(offs);
	free(cookies);
	free(idx);
	free(done);
}

int loader_attach(struct loader *L, const struct probe_map *pm)
{
	int ok = 0;

	if (!L->use_multi) {
		for (size_t i = 0; i < L->npoints; i++)
			ok += attach_point_alone(L, pm, &L->points[i]);
		return ok;
	}
	bool *failed = calloc(L->npoints ? L->npoints : 1, sizeof(*failed));

	if (!failed)
		return 0;
	attach_pass(L, pm, PASS_RETURNS, failed);
	attach_pass(L, pm, PASS_ENTRIES, failed);
	for (size_t i = 0; i < L->npoints; i++) {
		if (pm->bindings[L->points[i].binding].usdt_provider)
			failed[i] = !attach_point_alone(L, pm, &L->points[i]);
		ok += !failed[i];
	}
	free(failed);
	return ok;
}

struct bpf_object *loader_object(struct loader *L)
{
	return L->skel->obj;
}

/* Removing a perf-event uprobe waits for an RCU grace period in the
 * kernel, under a global mutex: ~0.1 s a link on this kernel, one after
 * another (destroying from several threads was measured: no faster). A
 * uprobe_multi link waits once for all of its probes. */
void loader_detach(struct loader *L)
{
	for (size_t i = 0; i < L->nlinks; i++)
		bpf_link__destroy(L->links[i]); /* NULL (detached alone): nothing */
	L->nlinks = 0;
	for (size_t i = 0; i < L->nmlinks; i++)
		if (L->mlinks[i] >= 0)
			close(L->mlinks[i]);
	L->nmlinks = 0;
}

struct closing {
	int *fds;
	struct bpf_link **links;
	size_t nfds, nlinks;
	pthread_barrier_t *go; /* both sides start together */
};

static void *close_all(void *arg)
{
	struct closing *c = arg;

	if (c->go)
		pthread_barrier_wait(c->go);
	for (size_t i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	for (size_t i = 0; i < c->nlinks; i++)
		bpf_link__destroy(c->links[i]);
	return NULL;
}

int loader_detach_binding(struct loader *L, int binding)
{
	int *fds = calloc(L->nmlinks + 1, sizeof(*fds));
	struct bpf_link **links = calloc(L->nlinks + 1, sizeof(*links));
	struct closing side[2] = {{0}}; /* [0]: entries, [1]: returns */
	pthread_t t;
	int n = 0;

	if (!fds || !links) {
		free(fds);
		free(links);
		return -1;
	}
	for (size_t i = 0; i < L->nmlinks; i++)
		if (L->mlinks[i] >= 0 && L->mlink_tags[i].binding < 0) {
			free(fds);
			free(links);
			return -1; /* shared with other bindings */
		}
	/* Entries fill fds/links from the front, returns from the back. */
	size_t fe = 0, fr = L->nmlinks, le = 0, lr = L->nlinks;

	for (size_t i = 0; i < L->nmlinks; i++) {
		if (L->mlinks[i] < 0 || L->mlink_tags[i].binding != binding)
			continue;
		fds[L->mlink_tags[i].ret ? --fr : fe++] = L->mlinks[i];
		L->mlinks[i] = -1;
		n++;
	}
	for (size_t i = 0; i < L->nlinks; i++) {
		if (!L->links[i] || L->link_tags[i].binding != binding)
			continue;
		links[L->link_tags[i].ret ? --lr : le++] = L->links[i];
		L->links[i] = NULL;
		n++;
	}
	pthread_barrier_t go;
	bool two = (L->nmlinks - fr || L->nlinks - lr) && !pthread_barrier_init(&go, NULL, 2);

	side[0] = (struct closing){fds, links, fe, le, two ? &go : NULL};
	side[1] = (struct closing){fds + fr, links + lr, L->nmlinks - fr, L->nlinks - lr, two ? &go : NULL};
	if (two && pthread_create(&t, NULL, close_all, &side[1])) {
		pthread_barrier_destroy(&go);
		two = false;
		side[0].go = side[1].go = NULL;
	}
	close_all(&side[0]);
	if (two) {
		pthread_join(t, NULL);
		pthread_barrier_destroy(&go);
	} else {
		close_all(&side[1]);
	}
	free(fds);
	free(links);
	return n;
}

void loader_close(struct loader *L)
{
	loader_detach(L);
	free(L->links);
	free(L->mlinks);
	free(L->link_tags);
	free(L->mlink_tags);
	free(L->points);
	if (L->skel)
		uprobe_bpf__destroy(L->skel);
	memset(L, 0, sizeof(*L));
}
