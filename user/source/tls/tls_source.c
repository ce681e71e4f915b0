/* The tls source behind the source interface: see tls_source.h. */
#include "source/core_btf.h"
#include "source/tls/tls_source.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "catalog.h"
#include "source/tls/llm_tracker.h"
#include "source/tls/tls_conn.h"
#include "source/tls/tls_emit.h"
#include "source/tls/tls_files.h"
#include "source/tool_calls.h"
#include "tls.skel.h"

#define TLS_MAX_FILES 64

struct tls_source {
	struct source *s;
	struct tls_bpf *skel;
	struct http1_ctx http;
	struct llm_tracker tracker;
	struct price_table prices;
	struct tls_conn_table conns;
	struct tls_bindings b;
	uint64_t rng;
	struct call scratch;
	const struct mcp_tls_rec *cur; /* the record being fed, and its connection */
	struct tls_conn *cur_conn;
	struct bpf_link **links;
	size_t nlinks, caplinks;
	struct { dev_t dev; ino_t ino; } files[TLS_MAX_FILES];
	int nfiles;
	/* a second reader of our own ring, to drain it when a process exits
	 * (see tls_on_process) */
	struct ring_buffer *drain;
	int in_record; /* tls_on_record is on the stack: no draining from within */
};

static struct tls_source *priv(struct source *s)
{
	return s->priv;
}

static unsigned long long next_id(void *ctx)
{
	struct tls_source *p = ctx;
	uint64_t z = (p->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) | 1;
}

/* Whether the run has bindings of its own (a probe map): then the tls
 * source turns on only for targets that use OpenSSL for sure. */
static bool has_probe_map(const struct source_env *env)
{
	for (size_t i = 0; env->pm && i < env->pm->n; i++)
		if (!env->pm->bindings[i].builtin)
			return true;
	return false;
}

static void first_path(void *ctx, const char *path)
{
	char *first = ctx;
	if (!first[0])
		snprintf(first, 4200, "%s", path);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

bool tls_target_uses_openssl(const struct source_target *t, char *why, size_t len)
{
	char via[64], first[4200] = "";
	const char *name = t->exe ? base_name(t->exe) : "the target";
	if (t->maps_pid > 0) {
		char exe[64];
		if (tls_mapped_libssl(t->maps_pid, first_path, first) > 0) {
			snprintf(why, len, "pid %d maps %s", (int)t->maps_pid, base_name(first));
			return true;
		}
		snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)t->maps_pid);
		if (tls_elf_exports_ssl(exe)) {
			snprintf(why, len, "pid %d's executable exports SSL_write (OpenSSL built in)", (int)t->maps_pid);
			return true;
		}
	}
	if (t->exe && tls_elf_exports_ssl(t->exe)) {
		snprintf(why, len, "%s exports SSL_write (OpenSSL built in)", name);
		return true;
	}
	if (t->exe && tls_elf_needs_libssl(t->exe, via, sizeof(via))) {
		if (!strcmp(via, name))
			snprintf(why, len, "%s needs libssl", name);
		else
			snprintf(why, len, "%s needs libssl through %s", name, via);
		return true;
	}
	if (t->maps_pid > 0)
		snprintf(why, len, "pid %d neither maps libssl nor exports SSL_write", (int)t->maps_pid);
	else
		snprintf(why, len, "%s neither needs libssl nor exports SSL_write", name);
	return false;
}

static bool tls_applies(const struct source_env *env)
{
	bool map = has_probe_map(env);
	char why[512];
	if (env->all) /* the host's libssl, and those of containers started later */
		return !env->listing;
	for (int i = 0; i < env->ntargets; i++) {
		if (tls_target_uses_openssl(&env->targets[i], why, sizeof(why)))
			return true;
		/* A run with no probe map: whatever the target may load later
		 * (python's _ssl is a dlopen) or start (children are followed),
		 * through the system's libssl. --list says what is there now. */
		if (!map && !env->listing && tls_system_libssl())
			return true;
	}
	return false;
}

/* ---- LLM calls out -------------------------------------------------- */

/* The process and thread of the record being fed, and the native span
 * that was open when the request was written. */
static struct tls_origin origin(const struct tls_source *p)
{
	struct tls_origin o = {0};
	if (p->cur) {
		o.pid = p->cur->h.pid;
		o.tid = p->cur->h.tid;
	}
	if (p->cur_conn) {
		if (p->cur_conn->req_tid)
			o.tid = p->cur_conn->req_tid;
		o.parent_trace[0] = p->cur_conn->req_parent_trace[0];
		o.parent_trace[1] = p->cur_conn->req_parent_trace[1];
		o.parent_span = p->cur_conn->req_parent_span;
	}
	return o;
}

/* The answer is whole: the span gets its ids now, and the tools it asked
 * for are published under it (tool_calls.h) — the agent may call them
 * before the exchange ends (a client that stops reading at [DONE]). */
static void answered(void *ctx, struct llm_call *k, uint64_t ts_ns)
{
	struct tls_source *p = ctx;
	if (!k->n_tool_calls)
		return;
	struct tls_origin o = origin(p);
	tls_call_ids(k, &o, next_id, p, k->trace_id, &k->span_id, &k->parent_id);
	for (int i = 0; i < k->n_tool_calls; i++)
		tool_calls_publish(tool_calls_shared(), o.pid, k->tool_calls[i].name, k->trace_id[0], k->trace_id[1],
				   k->span_id, ts_ns);
}

static void emit(void *ctx, const struct llm_call *k)
{
	struct tls_source *p = ctx;
	const struct source_env *env = p->s->env;
	struct tls_origin o = origin(p);
	tls_call_build(&p->scratch, env->pm, &p->b, k, &o, next_id, p);
	env->sink.fn(env->sink.ctx, &p->scratch);
}

static void note_unpriced(void *ctx, const char *provider, const char *model)
{
	(void)ctx;
	fprintf(stderr, "mcp-bpftrace: tls: no price for %s model \"%s\" in the price table: its calls get no cost\n",
		provider, model);
}

/* ---- open / attach -------------------------------------------------- */

static int tls_open(struct source *s, char *err, size_t errlen)
{
	const struct source_env *env = s->env;
	struct tls_source *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	s->priv = p;
	p->s = s;
	if (getrandom(&p->rng, sizeof(p->rng), 0) != sizeof(p->rng))
		p->rng = (uint64_t)(uintptr_t)p ^ 0x2545f4914f6cdd1dULL;
	p->b.chat = probe_map_add_builtin(env->pm, catalog_find_op("llm_chat"), "tls", "chat");
	p->b.text_completion = probe_map_add_builtin(env->pm, catalog_find_op("llm_text_completion"), "tls", "text_completion");
	p->b.embeddings = probe_map_add_builtin(env->pm, catalog_find_op("llm_embeddings"), "tls", "embeddings");
	p->b.generate_content = probe_map_add_builtin(env->pm, catalog_find_op("llm_generate_content"), "tls", "generate_content");
	if (p->b.chat < 0 || p->b.text_completion < 0 || p->b.embeddings < 0 || p->b.generate_content < 0) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	char path[4096], perr[512];
	/* --prices FILE, else the shipped table beside the binary (a build's
	 * ../data, or PREFIX/share/mcp-bpftrace) */
	const char *prices = env->prices ? env->prices : prices_default_path(path, sizeof(path));
	if (prices && prices_load(&p->prices, prices, perr, sizeof(perr))) {
		if (env->prices) { /* checked at start (tls_prices_check): changed since */
			snprintf(err, errlen, "--prices %s", perr);
			return 2;
		}
		fprintf(stderr, "mcp-bpftrace: tls: %s; LLM calls get no cost\n", perr);
	} else if (!prices) {
		fprintf(stderr, "mcp-bpftrace: tls: no price table found (data/prices.tsv); LLM calls get no cost\n");
	} else if (env->verbose) {
		fprintf(stderr, "mcp-bpftrace: tls: prices of %zu models from %s\n", p->prices.n, prices);
	}
	struct llm_opts o = {.capture_content = env->capture_content, .content_max = LLM_DEFAULT_CONTENT_MAX};
	llm_tracker_init(&p->tracker, &o, &p->prices, emit, p);
	p->tracker.note_unpriced = note_unpriced;
	p->tracker.answered = answered;
	struct http1_handler h = llm_tracker_handler(&p->tracker);
	http1_ctx_init(&p->http, &h);
	p->http.verbose = env->verbose;
	if (tls_conn_table_init(&p->conns, &p->http, TLS_CONN_DEFAULT_MAX)) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	p->skel = tls_bpf__open_opts(core_btf_open_opts(false));
	if (!p->skel) {
		snprintf(err, errlen, "cannot open the tls BPF object: %s", strerror(errno));
		return 1;
	}
	SOURCE_SET_TASK_FILTER(p->skel, env, false);
	if (env->ringbuf_bytes)
		bpf_map__set_max_entries(p->skel->maps.events, (uint32_t)env->ringbuf_bytes);
	/* wake the reader per 1/16 of the ring, not per record: a wakeup is an
	 * IPI in the traced thread (ring.bpf.h); the poll timeout reads the rest */
	p->skel->rodata->wakeup_bytes = bpf_map__max_entries(p->skel->maps.events) / 16;
	if (source_share_maps(p->skel->obj, env, err, errlen))
		return 1;
	return 0;
}

static int tls_load(struct source *s, char *err, size_t errlen)
{
	int e = tls_bpf__load(priv(s)->skel);

	if (e) {
		snprintf(err, errlen, "cannot load the tls BPF programs: %s", strerror(-e));
		return 1;
	}
	s->obj = priv(s)->skel->obj;
	return 0;
}

static bool add_link(struct tls_source *p, struct bpf_link *l)
{
	if (p->nlinks == p->caplinks) {
		size_t cap = p->caplinks ? p->caplinks * 2 : 32;
		struct bpf_link **v = realloc(p->links, cap * sizeof(*v));
		if (!v)
			return false;
		p->links = v;
		p->caplinks = cap;
	}
	p->links[p->nlinks++] = l;
	return true;
}

/* Probes every OpenSSL entry point in one file, once per file (inode).
 * Returns the probes attached (0: not OpenSSL, or seen before). */
static int attach_file(struct source *s, const char *path)
{
	struct tls_source *p = priv(s);
	struct stat st;
	if (stat(path, &st) || p->nfiles == TLS_MAX_FILES)
		return 0;
	for (int i = 0; i < p->nfiles; i++)
		if (p->files[i].dev == st.st_dev && p->files[i].ino == st.st_ino)
			return 0;
	p->files[p->nfiles].dev = st.st_dev;
	p->files[p->nfiles].ino = st.st_ino;
	p->nfiles++;
	const struct {
		const char *sym;
		struct bpf_program *prog;
		bool ret;
	} probes[] = {
		{"SSL_write", p->skel->progs.ssl_write, false},
		{"SSL_write", p->skel->progs.ssl_write_ret, true},
		{"SSL_read", p->skel->progs.ssl_read, false},
		{"SSL_read", p->skel->progs.ssl_read_ret, true},
		{"SSL_write_ex", p->skel->progs.ssl_write_ex, false},
		{"SSL_write_ex", p->skel->progs.ssl_write_ex_ret, true},
		{"SSL_read_ex", p->skel->progs.ssl_read_ex, false},
		{"SSL_read_ex", p->skel->progs.ssl_read_ex_ret, true},
		{"SSL_shutdown", p->skel->progs.ssl_end, false},
		{"SSL_free", p->skel->progs.ssl_end, false},
	};
	int n = 0;
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, o, .func_name = probes[i].sym, .retprobe = probes[i].ret);
		/* every process that maps the file; the BPF side keeps only the
		 * traced ones (traced_pids or the container's task filter) */
		struct bpf_link *l = bpf_program__attach_uprobe_opts(probes[i].prog, -1, path, 0, &o);
		if (!l) {
			if (s->env->verbose)
				fprintf(stderr, "mcp-bpftrace: tls: %s in %s: not attached (%s)\n", probes[i].sym, path,
					strerror(errno));
			continue;
		}
		if (!add_link(p, l)) {
			bpf_link__destroy(l);
			continue;
		}
		n++;
	}
	if (s->env->verbose)
		fprintf(stderr, "mcp-bpftrace: tls: %d probes on %s\n", n, path);
	s->nprobes += (size_t)n;
	return n;
}

static void attach_mapped(void *ctx, const char *path)
{
	attach_file(ctx, path);
}

static int drain_record(void *ctx, void *data, size_t len);

/* Before the mcp source claims the tool calls an answer asked for: the
 * answer is in our ring (the agent read it before it wrote the call),
 * maybe not read yet. */
static void sync_tool_calls(void *ctx)
{
	struct source *s = ctx;
	struct tls_source *p = priv(s);
	if (p && p->drain && !p->in_record)
		ring_buffer__consume(p->drain);
}

static int tls_attach(struct source *s)
{
	const struct source_env *env = s->env;
	struct tls_source *p = priv(s);
	size_t before = s->nprobes;
	const char *sys = tls_system_libssl();
	if (sys)
		attach_file(s, sys); /* children, and libssl loaded later (dlopen) */
	if (env->all) /* every process's OpenSSL now; those exec'd later: tls_on_process */
		tls_scan_processes((pid_t)env->filter_self_tgid, attach_mapped, s);
	for (int i = 0; i < env->ntargets; i++) {
		const struct source_target *t = &env->targets[i];
		if (t->maps_pid > 0) {
			char exe[64];
			tls_mapped_libssl(t->maps_pid, attach_mapped, s);
			snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)t->maps_pid);
			if (tls_elf_exports_ssl(exe))
				attach_file(s, exe);
		} else if (t->exe && tls_elf_exports_ssl(t->exe)) {
			attach_file(s, t->exe);
		}
	}
	p->drain = ring_buffer__new(bpf_map__fd(p->skel->maps.events), drain_record, s, NULL);
	if (p->drain)
		tool_calls_set_sync(tool_calls_shared(), sync_tool_calls, s);
	if (s->nprobes == before) {
		fprintf(stderr, "mcp-bpftrace: tls: no OpenSSL found to probe (no libssl mapped, none in the system, "
				"no executable exporting SSL_write)\n");
		s->attach_errors++;
	}
	return (int)(s->nprobes - before);
}

static int tls_on_record(struct source *s, const void *data, size_t len);

static int drain_record(void *ctx, void *data, size_t len)
{
	struct source *s = ctx;
	if (tls_on_record(s, data, len))
		s->bad_records++;
	return 0;
}

static void tls_on_process(struct source *s, const struct proc_event *e)
{
	struct tls_source *p = priv(s);
	if (!p || !p->skel)
		return;
	/* The exit comes from another source's ring, which may be read before
	 * ours: the exited process's last plaintext (the answer its last call
	 * waited for) may still be in our ring. Read it first, or those calls
	 * would end as unanswered. */
	if (e->kind == PROC_EXIT && p->drain)
		ring_buffer__consume(p->drain);
	if (e->kind == PROC_EXEC && e->path) {
		/* a new image that carries OpenSSL itself (a child `node`) */
		char path[4200];
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)e->pid, e->path);
		if (tls_elf_exports_ssl(path))
			attach_file(s, path);
		/* --all: a process in a container of its own loads that image's
		 * libssl (python's _ssl: a dlopen later): probe it now */
		if (s->env->all && tls_rooted_libssl(e->pid, path, sizeof(path)))
			attach_file(s, path);
	} else if (e->kind == PROC_EXIT) {
		tls_conn_close_pid(&p->conns, (uint32_t)e->pid, 0);
	}
}

/* ---- records -------------------------------------------------------- */

static void on_data(struct tls_source *p, const struct mcp_tls_rec *r)
{
	enum tls_dir dir = (r->h.flags & MCP_TLS_READ) ? TLS_DIR_READ : TLS_DIR_WRITE;
	struct tls_conn *c = tls_conn_get(&p->conns, r->h.pid, r->ssl, r->h.start_ns);
	if (!c)
		return;
	p->cur = r;
	p->cur_conn = c;
	/* a chunk missing before this one: the bytes never came */
	uint64_t missing = 0;
	if (r->offset == 0 && c->next_off[dir] && c->next_off[dir] < c->total[dir])
		missing = c->total[dir] - c->next_off[dir]; /* the last call's tail */
	else if (r->offset > c->next_off[dir])
		missing = r->offset - c->next_off[dir];
	if (missing)
		http1_gap(c->http, dir, missing, r->h.start_ns);
	if (r->offset == 0 && dir == TLS_DIR_WRITE) {
		c->req_tid = r->h.tid;
		c->req_parent_trace[0] = r->parent_trace_id[0];
		c->req_parent_trace[1] = r->parent_trace_id[1];
		c->req_parent_span = r->parent_span_id;
	}
	c->total[dir] = r->total;
	c->next_off[dir] = r->offset + r->len;
	if (c->next_off[dir] >= c->total[dir])
		c->next_off[dir] = c->total[dir] = 0; /* the call is whole */
	c->bytes[dir] += r->len;
	http1_feed(c->http, dir, r->data, r->len, r->h.start_ns);
	p->cur = NULL;
	p->cur_conn = NULL;
}

static int tls_on_record(struct source *s, const void *data, size_t len)
{
	struct tls_source *p = priv(s);
	const struct mcp_tls_rec *r = data;
	if (len < MCP_TLS_REC_SIZE(0) || r->h.size > len)
		return -1;
	int rc = -1;
	p->in_record++;
	switch (r->h.type) {
	case MCP_REC_TLS_DATA:
		if (r->len > MCP_TLS_CHUNK || MCP_TLS_REC_SIZE(r->len) > len)
			break;
		on_data(p, r);
		rc = 0;
		break;
	case MCP_REC_TLS_CLOSE:
		p->cur = r;
		p->cur_conn = NULL;
		tls_conn_close(&p->conns, r->h.pid, r->ssl, r->h.start_ns);
		p->cur = NULL;
		rc = 0;
		break;
	}
	p->in_record--;
	return rc;
}

static void tls_detach(struct source *s)
{
	struct tls_source *p = priv(s);
	if (!p)
		return;
	for (size_t i = 0; i < p->nlinks; i++)
		bpf_link__destroy(p->links[i]);
	p->nlinks = 0;
}

static void tls_close(struct source *s)
{
	struct tls_source *p = priv(s);
	if (!p)
		return;
	tls_detach(s);
	if (tool_calls_shared()->sync_ctx == s)
		tool_calls_set_sync(tool_calls_shared(), NULL, NULL);
	ring_buffer__free(p->drain);
	free(p->links);
	tls_conn_table_free(&p->conns);
	const struct http1_stats *h = &p->http.st;
	const struct llm_tracker_stats *t = &p->tracker.st;
	if (s->env->verbose || h->gap_bytes || h->h2_connections)
		fprintf(stderr,
			"mcp-bpftrace: tls: %llu LLM calls, %llu other HTTPS requests, %llu HTTP/2 connections not parsed, "
			"%llu partial messages skipped, %llu answers without their request, %llu parse errors, "
			"%llu bytes not copied (calls over %d KiB or records dropped), %llu calls lost\n",
			(unsigned long long)t->calls, (unsigned long long)t->other_https,
			(unsigned long long)h->h2_connections, (unsigned long long)h->skipped_messages,
			(unsigned long long)h->orphan_responses,
			(unsigned long long)h->parse_errors, (unsigned long long)h->gap_bytes,
			MCP_TLS_CHUNK * MCP_TLS_MAX_CHUNKS / 1024, (unsigned long long)t->lost);
	tls_bpf__destroy(p->skel);
	prices_free(&p->prices);
	free(p);
	s->priv = NULL;
}

int tls_prices_check(const char *path, char *err, size_t errlen)
{
	struct price_table t = {0};
	int rc = prices_load(&t, path, err, errlen);
	prices_free(&t);
	return rc;
}

const struct source_ops tls_source_ops = {
	.name = "tls",
	.applies = tls_applies,
	.open = tls_open,
	.load = tls_load,
	.attach = tls_attach,
	.on_record = tls_on_record,
	.on_process = tls_on_process,
	.detach = tls_detach,
	.close = tls_close,
};
