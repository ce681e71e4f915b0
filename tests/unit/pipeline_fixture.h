/* The fixture the pipeline unit tests share (test_aggregator.c, test_spans.c,
 * test_otlp_json.c): a probe map parsed from text, a pipeline over it, and
 * records built by hand as bpf/mcp_trace.bpf.c would emit them.
 *
 * Each test is a program of its own, so everything here is static inline.
 * Before including this header a test defines:
 *   T0           the CLOCK_MONOTONIC origin record times are relative to
 *                (a macro or a uint64_t variable);
 *   FX_TRACE_ID  the trace id of every record, as {high word, low word}.
 */
#ifndef PIPELINE_FIXTURE_H
#define PIPELINE_FIXTURE_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "call.h"
#include "aggregate/pipeline.h"
#include "probe_map.h"
#include "target/resources.h"
#include "aggregate/spans.h"
#include "source/uprobe/uprobe_decode.h"
#include "unit_test.h"

#ifndef FX_TRACE_ID
#error "define FX_TRACE_ID (and T0) before including pipeline_fixture.h"
#endif

#define SEC 1000000000ULL

/* ---- the fixture --------------------------------------------------------- */

#define MAX_KEPT 64

/* A sink that keeps every span (a reference each), as the OTLP queue does. */
struct keeper {
	struct span *v[MAX_KEPT];
	int n;
	int calls; /* spans offered, kept or not */
};

static inline void keep_span(void *ctx, struct span *s)
{
	struct keeper *k = ctx;

	k->calls++;
	if (k->n < MAX_KEPT) {
		span_ref(s);
		k->v[k->n++] = s;
	}
}

/* What the fixture does with the spans the pipeline finishes. */
enum fx_spans {
	FX_SPANS_DROP,  /* no sink: the pipeline lets them go (metric tests) */
	FX_SPANS_KEEP,  /* keep_span() holds them in f->k until fx_free() */
	FX_SPANS_CHECK, /* as KEEP, and check that the sink was added and that
			 * each kept span holds the last reference once the
			 * pipeline is gone */
};

struct fx {
	struct probe_map pm;
	struct resource_table rt;
	struct pipeline p;
	struct keeper k;
	enum fx_spans spans;
	bool ok; /* set up: fx_free() has a pipeline and a map to free */
};

/* Parses quietly: the parser warns on stderr about metric attributes a
 * binding leaves out, which some maps here do on purpose. */
static inline int parse_quiet(const char *text, struct probe_map *pm, char *err, size_t len)
{
	int saved = dup(2), sink = open("/dev/null", O_WRONLY), rc;

	fflush(stderr);
	dup2(sink, 2);
	rc = probe_map_parse(text, "t.probes", false, pm, err, len);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(sink);
	return rc;
}

/* A pipeline over probe map `map` with the default resources (no OTEL_*
 * environment). Returns f->ok; false after failing the test, and the
 * caller then gives up: `if (!fx_init(&f, map, FX_SPANS_DROP)) return;`. */
static inline bool fx_init(struct fx *f, const char *map, enum fx_spans spans)
{
	char err[512] = "";
	int rc;

	memset(f, 0, sizeof(*f));
	f->spans = spans;
	unsetenv("OTEL_SERVICE_NAME");
	unsetenv("OTEL_RESOURCE_ATTRIBUTES");
	resources_init(&f->rt);
	if (parse_quiet(map, &f->pm, err, sizeof(err))) {
		UNIT_FAIL("probe map: %s", err);
		return false;
	}
	if (pipeline_init(&f->p, &f->pm, &f->rt)) {
		UNIT_FAIL("pipeline_init");
		probe_map_free(&f->pm);
		return false;
	}
	if (spans != FX_SPANS_DROP) {
		rc = span_builder_add_sink(f->p.sb, keep_span, &f->k);
		if (spans == FX_SPANS_CHECK)
			CHECK_EQ_INT(rc, 0);
	}
	f->ok = true;
	return true;
}

/* The pipeline goes first: kept spans must outlive it. */
static inline void fx_free(struct fx *f)
{
	if (f->ok) {
		pipeline_destroy(&f->p);
		for (int i = 0; i < f->k.n; i++) {
			if (f->spans == FX_SPANS_CHECK)
				CHECK_EQ_INT(f->k.v[i]->refs, 1);
			span_unref(f->k.v[i]);
		}
		probe_map_free(&f->pm);
	}
	resources_free(&f->rt);
}

/* ---- records ------------------------------------------------------------- */

static inline int binding_of(const struct fx *f, const char *symbol)
{
	for (size_t i = 0; i < f->pm.n; i++)
		if (f->pm.bindings[i].symbol && !strcmp(f->pm.bindings[i].symbol, symbol))
			return (int)i;
	UNIT_FAIL("no binding for %s", symbol);
	return 0;
}

static inline const struct pm_capture *cap_of(const struct pm_binding *b, const char *key)
{
	for (int i = 0; i < b->ncaps; i++)
		if (!strcmp(b->caps[i].key, key))
			return &b->caps[i];
	return NULL;
}

/* A record and the binding it belongs to (for the capture slots). */
struct rb {
	struct mcp_call_rec r;
	const struct pm_binding *b;
};

/* A call of binding `sym` in this process (pid = tid = getpid()): a complete
 * span (MCP_REC_SPAN_END) over [T0 + start, T0 + end], or for a point an
 * MCP_REC_POINT at T0 + start; `ret` is the raw return register. A
 * `fail if ret ...` reads its value from a hidden capture the BPF side fills
 * with the register. */
static inline struct rb fx_rec(const struct fx *f, const char *sym, uint64_t span, uint64_t parent,
			       uint64_t start, uint64_t end, uint64_t ret)
{
	static const uint64_t trace_id[2] = FX_TRACE_ID;
	struct rb x;
	int bi = binding_of(f, sym);

	memset(&x, 0, sizeof(x));
	x.b = &f->pm.bindings[bi];
	x.r.h.type = x.b->kind == PM_POINT ? MCP_REC_POINT : MCP_REC_SPAN_END;
	x.r.h.size = sizeof(x.r);
	x.r.nstrs = MCP_MAX_STRS;
	x.r.binding = (unsigned short)bi;
	x.r.h.pid = (unsigned)getpid();
	x.r.h.tid = (unsigned)getpid();
	x.r.h.start_ns = T0 + start;
	x.r.h.end_ns = T0 + (x.b->kind == PM_POINT ? start : end);
	x.r.trace_id[0] = trace_id[0];
	x.r.trace_id[1] = trace_id[1];
	x.r.span_id = span;
	x.r.parent_id = parent;
	x.r.ret = (long long)ret;
	if (x.b->fail.present) {
		const struct pm_capture *c = &x.b->caps[x.b->fail.cap];

		if (c->spec.src == MCP_SRC_RET)
			x.r.vals[c->spec.slot] = ret;
	}
	return x;
}

/* Capture values, by metric attribute name: raw bits of a numeric capture. */
static inline void set_raw(struct rb *x, const char *key, uint64_t raw)
{
	const struct pm_capture *c = cap_of(x->b, key);

	if (!c || c->type == PT_STR || c->type == PT_STRPTR || c->type == PT_CONST) {
		UNIT_FAIL("no numeric capture %s", key);
		return;
	}
	x->r.vals[c->spec.slot] = raw;
}

static inline void set_double(struct rb *x, const char *key, double d)
{
	uint64_t raw;

	memcpy(&raw, &d, sizeof(raw));
	set_raw(x, key, raw);
}

static inline void set_float(struct rb *x, const char *key, float fl)
{
	uint32_t raw;

	memcpy(&raw, &fl, sizeof(raw));
	set_raw(x, key, raw); /* a 4-byte read: upper bytes zero */
}

static inline void set_str(struct rb *x, const char *key, const char *s)
{
	const struct pm_capture *c = cap_of(x->b, key);

	if (!c || !(c->type == PT_STR || c->type == PT_STRPTR)) {
		UNIT_FAIL("no string capture %s", key);
		return;
	}
	snprintf(x->r.strs[c->spec.slot], MCP_STR_LEN, "%s", s);
}

/* As the uprobe source does with a record off the ring: decode, then the
 * pipeline; a record it cannot decode is counted as bad. */
static inline void push_record_len(struct fx *f, const struct mcp_call_rec *r, size_t len)
{
	static struct call c;

	if (uprobe_decode_record(&c, r, len, &f->pm))
		f->p.bad_records++;
	else
		pipeline_call(&f->p, &c);
}

static inline void push_record(struct fx *f, const struct mcp_call_rec *r)
{
	push_record_len(f, r, sizeof(*r));
}

static inline void push(struct fx *f, const struct rb *x)
{
	push_record(f, &x->r);
}

/* The MCP_REC_SPAN_START the BPF side emits at entry: a copy of the frame
 * before the return-time captures ran (they are zero) and before ret. */
static inline void push_start(struct fx *f, const struct rb *x)
{
	struct mcp_call_rec s = x->r;

	s.h.type = MCP_REC_SPAN_START;
	s.h.end_ns = s.h.start_ns;
	s.ret = 0;
	for (int i = 0; i < x->b->ncaps; i++) {
		const struct pm_capture *c = &x->b->caps[i];

		if (c->type == PT_CONST || c->spec.when != MCP_AT_RETURN)
			continue;
		if (c->type == PT_STR || c->type == PT_STRPTR)
			memset(s.strs[c->spec.slot], 0, MCP_STR_LEN);
		else
			s.vals[c->spec.slot] = 0;
	}
	push_record(f, &s);
}

#endif
