/* bench-replay: the user-space pipeline without BPF. Loads a probe map,
 * makes the records the kernel side would emit for its first binding (a
 * completed span: entry and return captures filled in), and feeds them
 * through the uprobe decoder and pipeline_call() exactly as the uprobe source does —
 * into the aggregator, the span builder and, with --otlp-file, the OTLP/JSON
 * writer. Linked against the project's objects (all but main.o).
 *
 *   bench-replay PROBES [--records N] [--distinct K] [--otlp-file PATH]
 *
 * Native: prints ns/record, the pipeline's ceiling on one core. Under
 * `valgrind --tool=callgrind --toggle-collect=replay_record` the Ir
 * total divided by N is the instruction cost of one record, repeatable on
 * a noisy machine. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "export/otlp_file.h"
#include "aggregate/pipeline.h"
#include "probe_map.h"
#include "target/resources.h"
#include "source/uprobe/uprobe_decode.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* xorshift: ids must look random (the span builder and sets hash them). */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Fills the captures of binding `b` for call number `i`, the way the BPF
 * side would: strings into strs[slot], numbers into vals[slot]. */
static void fill_captures(struct mcp_call_rec *r, const struct pm_binding *b, long i, long distinct)
{
	for (int k = 0; k < b->ncaps; k++) {
		const struct pm_capture *c = &b->caps[k];

		if (c->type == PT_CONST)
			continue;
		if (c->spec.read == MCP_READ_STR || c->spec.read == MCP_READ_STRPTR) {
			char *s = r->strs[c->spec.slot % MCP_MAX_STRS];

			if (distinct > 0)
				snprintf(s, MCP_STR_LEN, "model-%08ld", i % distinct);
			else
				snprintf(s, MCP_STR_LEN, "gpt-4");
		} else {
			r->vals[c->spec.slot % MCP_MAX_CAPS] = (uint64_t)(i & 0xffff);
		}
	}
}

/* What the uprobe source does with each record: decode, then the
 * pipeline (callgrind collects from here). */
__attribute__((noinline)) void replay_record(struct pipeline *p, const struct probe_map *pm,
					     const struct mcp_call_rec *r, struct call *c)
{
	if (!uprobe_decode_record(c, r, sizeof(*r), pm))
		pipeline_call(p, c);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"records", required_argument, 0, 'n'},
		{"distinct", required_argument, 0, 'k'},
		{"otlp-file", required_argument, 0, 'o'},
		{0, 0, 0, 0},
	};
	static struct probe_map pm;
	static struct resource_table rt;
	static struct pipeline p;
	static struct otlp_file of;
	const char *otlp = NULL;
	long n = 100000, distinct = 0;
	char err[512];
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 'k': distinct = atol(optarg); break;
		case 'o': otlp = optarg; break;
		default: return 2;
		}
	}
	if (optind != argc - 1 || n < 1) {
		fprintf(stderr, "usage: bench-replay PROBES [--records N] [--distinct K] [--otlp-file PATH]\n");
		return 2;
	}
	clock_init();
	resources_init(&rt);
	if (probe_map_load(argv[optind], false, &pm, err, sizeof(err))) {
		fprintf(stderr, "bench-replay: %s\n", err);
		return 2;
	}
	if (pm.n < 1 || pm.bindings[0].kind != PM_SPAN) {
		fprintf(stderr, "bench-replay: %s: the first binding must be a span\n", argv[optind]);
		return 2;
	}
	if (pipeline_init(&p, &pm, &rt)) {
		fprintf(stderr, "bench-replay: out of memory\n");
		return 1;
	}
	p.service_hint = "bench-target";
	if (otlp) {
		if (otlp_file_open(&of, otlp, &rt, err, sizeof(err))) {
			fprintf(stderr, "bench-replay: %s\n", err);
			return 1;
		}
		span_builder_add_sink(p.sb, otlp_file_span, &of);
	}

	struct mcp_call_rec r;
	static struct call call; /* as the source keeps its scratch call */
	uint64_t t = mono_ns(), t0;

	memset(&r, 0, sizeof(r));
	r.h.type = MCP_REC_SPAN_END;
	r.h.size = sizeof(r);
	r.nstrs = MCP_MAX_STRS;
	r.binding = 0;
	r.h.pid = (unsigned)getpid();
	r.h.tid = r.h.pid;
	t0 = mono_ns();
	for (long i = 0; i < n; i++) {
		r.h.start_ns = t + (uint64_t)i * 3000;
		r.h.end_ns = r.h.start_ns + 1500 + (uint64_t)(i & 1023);
		r.trace_id[0] = rnd();
		r.trace_id[1] = rnd();
		r.span_id = rnd() | 1;
		r.ret = i & 0xffff;
		fill_captures(&r, &pm.bindings[0], i, distinct);
		replay_record(&p, &pm, &r, &call);
	}
	double el = (double)(mono_ns() - t0);

	if (otlp)
		otlp_file_close(&of);
	printf("records=%llu\nbad_records=%llu\nns_per_record=%.1f\nrecords_per_s=%.0f\nseries=%zu\n",
	       (unsigned long long)p.records, (unsigned long long)p.bad_records, el / (double)n,
	       (double)n * 1e9 / el, p.ms.n);
	pipeline_destroy(&p);
	probe_map_free(&pm);
	resources_free(&rt);
	return p.records == (uint64_t)n ? 0 : 1;
}
