/* The sources of a run, driven together (source.h). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "source/source.h"
#include "source/uprobe/uprobe_source.h"

const struct source_ops *const source_registry[] = {
	&uprobe_source_ops,
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

int sources_open(struct source_set *S, const struct source_env *env, char *err, size_t errlen)
{
	memset(S, 0, sizeof(*S));
	source_libbpf_quiet(env->verbose);
	for (int i = 0; source_registry[i] && S->n < SOURCE_MAX; i++) {
		const struct source_ops *ops = source_registry[i];

		if (!ops->applies(env))
			continue;
		struct source *s = &S->v[S->n++];

		*s = (struct source){.ops = ops, .env = env};
		int rc = ops->open(s, err, errlen);

		if (rc)
			return rc;
		if (env->verbose)
			fprintf(stderr, "mcp-bpftrace: source %s loaded\n", ops->name);
	}
	if (S->n == 0) {
		snprintf(err, errlen, "no source applies: give a probe map (--probes FILE)");
		return 2;
	}
	return 0;
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
		int fd = s->ops->ring_fd(s);
		int e = 0;

		if (!S->rb) {
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
		int n = s->ops->attach(s);

		s->nprobes = n > 0 ? (size_t)n : 0;
		total += n > 0 ? n : 0;
	}
	return total;
}

int sources_poll(struct source_set *S, int timeout_ms)
{
	int e = ring_buffer__poll(S->rb, timeout_ms);

	if (e == 0)
		e = ring_buffer__consume(S->rb);
	return e;
}

void sources_read_stats(struct source_set *S, uint64_t out[MCP_STAT_MAX])
{
	memset(out, 0, sizeof(uint64_t) * MCP_STAT_MAX);
	for (int i = 0; i < S->n; i++)
		S->v[i].ops->read_stats(&S->v[i], out);
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

void sources_close(struct source_set *S)
{
	if (S->rb)
		ring_buffer__free(S->rb);
	for (int i = 0; i < S->n; i++)
		S->v[i].ops->close(&S->v[i]);
	memset(S, 0, sizeof(*S));
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
