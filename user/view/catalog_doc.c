#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "catalog.h"
#include "aggregate/health.h"
#include "view/catalog_doc.h"

/* The attribute each health metric is split by and its values. health.c,
 * exporters.c and aggregator.c set these series; tests/e2e/test_catalog_doc.sh
 * compares this list with a real export. Every metric needs its line: ""
 * for none; a metric left out prints as undocumented and fails the unit
 * test (tests/unit/test_catalog_doc.c). */
static const struct {
	const char *key;    /* "": no attribute */
	const char *values; /* NULL: health_bpf_stats' reasons; "(...)": an open set, described */
} health_attrs[HM_COUNT] = {
	[HM_EVENTS] = {"", NULL},
	[HM_DROPPED] = {"", NULL},
	[HM_LOST] = {"reason", NULL},
	[HM_ATTACH_ERRORS] = {"reason", "attach_failed"},
	[HM_EXPORT_ERRORS] = {"signal", "traces, metrics"},
	[HM_DROPPED_SPANS] = {"", NULL},
	[HM_CAPTURE_ERRORS] = {"binding", "(the binding's function, or usdt:PROVIDER:NAME; "
					  "a series from the first attribute left out)"},
	[HM_INDUCED_CPU] = {"", NULL}, /* on the traced process's resource (its process.pid) */
	[HM_BINDING_INDUCED_CPU] = {"binding", "(each binding with probes attached)"},
	[HM_TARGET_CPU] = {"", NULL},
	[HM_DETACHED] = {"binding", "(each binding --max-overhead took off)"},
};

static const char *instrument(enum metric_kind k)
{
	return k == MK_COUNTER ? "counter" : k == MK_UPDOWN ? "up-down counter" : "histogram";
}

static const char *otlp_type(const struct metric_def *m)
{
	if (m->kind == MK_HISTOGRAM)
		return "Histogram (exponential; explicit with `--histogram explicit`)";
	return m->kind == MK_COUNTER ? (m->is_double ? "Sum, monotonic, double" : "Sum, monotonic, int")
				     : "Sum, not monotonic, int";
}

static const char *span_kind(enum span_kind k)
{
	return k == SK_SERVER ? "SERVER" : k == SK_CLIENT ? "CLIENT" : "INTERNAL";
}

static const char *when_text(enum act_when w)
{
	return w == ACT_IF_OK ? "if ok" : w == ACT_IF_FAILED ? "if failed" : "every call";
}

/* Whether `key` is read from the call's captures (bound in the probe map)
 * rather than computed by the tracer. */
static bool is_bound(int op, const char *key)
{
	const char *keys[32];
	int n = catalog_op_metric_attrs(op, keys, 32);

	for (int i = 0; i < n; i++)
		if (!strcmp(keys[i], key))
			return true;
	return false;
}

/* One metric attribute as the table shows it: bound keys plain, constants
 * as key="value", computed ones marked. */
static void print_attr(FILE *f, int op, const char *key)
{
	const char *eq = strchr(key, '=');

	if (eq)
		fprintf(f, "`%.*s`=\"%s\"", (int)(eq - key), key, eq + 1);
	else if (is_bound(op, key))
		fprintf(f, "`%s`", key);
	else
		fprintf(f, "`%s` (computed)", key);
}

/* An up-down counter held +1 while a call is open (the "active" ones),
 * rather than moved by what a finished call did (AV_SCALE). */
static bool open_calls(const struct metric_action *a)
{
	return catalog_metrics[a->metric].kind == MK_UPDOWN && a->value != AV_SCALE;
}

static void print_value(FILE *f, const struct metric_action *a)
{
	if (open_calls(a))
		fprintf(f, "+1 at entry, −1 at return");
	else if (a->value == AV_SCALE)
		fprintf(f, "%+g", a->scale);
	else if (a->value == AV_ONE)
		fprintf(f, "+1");
	else if (a->value == AV_DURATION)
		fprintf(f, "the call's duration");
	else if (a->scale != 1)
		fprintf(f, "`%s` × %g", a->value_attr, a->scale);
	else
		fprintf(f, "`%s`", a->value_attr);
}

static int op_nactions(const struct op_def *op)
{
	int n = 0;

	while (n < OP_MAX_ACTIONS && op->actions[n].when)
		n++;
	return n;
}

static void print_index(FILE *f)
{
	fprintf(f, "## Operations\n\n");
	fprintf(f, "| operation | binding | span name | span kind | service | metrics |\n");
	fprintf(f, "|---|---|---|---|---|---|\n");
	for (int i = 0; i < catalog_nops; i++) {
		const struct op_def *op = &catalog_ops[i];

		fprintf(f, "| [%s](#%s) | %s | ", op->name, op->name, op->point ? "point" : "span");
		if (op->point)
			fprintf(f, "— (event \"%s\" on the open span) | — ", op->event);
		else
			fprintf(f, "`%s` | %s ", op->span_name, span_kind(op->kind));
		fprintf(f, "| %s | %d |\n", op->service, op_nactions(op));
	}
	fprintf(f, "\n");
}

static void print_span(FILE *f, const struct op_def *op)
{
	if (op->point) {
		fprintf(f, "- **Point event**: no span of its own; an event named \"%s\" on the "
			"span open on the same thread, carrying the bound attributes, at the time it "
			"fired.\n", op->event);
		return;
	}
	fprintf(f, "- **Span**: name `%s`, kind %s.\n", op->span_name, span_kind(op->kind));
	fprintf(f, "- **Span attributes**: the bound ones, `mcp.service`=\"%s\", `mcp.operation`=\"%s\"",
		op->service, op->name);
	if (op->success_attr)
		fprintf(f, ", `%s` (bool: the call did not fail)", op->success_attr);
	if (op->duration_attr)
		fprintf(f, ", `%s` (double: the duration in ms)", op->duration_attr);
	fprintf(f, "; on failure `error.type` and status ERROR.\n");
	fprintf(f, "- **Span events**: \"%s started\" (entry), \"%s completed\" or \"%s failed\" "
		"(return; `mcp.error_type` on failure), and on failure \"exception\" "
		"(`exception.type`, `exception.message`).\n", op->event, op->event, op->event);
}

static void print_op(FILE *f, int i)
{
	const struct op_def *op = &catalog_ops[i];
	const char *keys[32];
	int nkeys = catalog_op_metric_attrs(i, keys, 32), nact = op_nactions(op);

	fprintf(f, "### %s\n\n", op->name);
	print_span(f, op);
	fprintf(f, "- **Service** (`mcp.service`): %s.\n", op->service);
	if (nkeys) {
		fprintf(f, "- **Attributes its metrics read** (from the call: bound in the probe map, or set by the source): ");
		for (int k = 0; k < nkeys; k++)
			fprintf(f, "%s`%s`", k ? ", " : "", keys[k]);
		fprintf(f, ".\n");
	}
	if (op->default_attr)
		fprintf(f, "- **Default**: an empty or unbound `%s` counts as \"%s\".\n", op->default_attr,
			op->default_value);
	if (!nact) {
		fprintf(f, "- **Metrics**: none (the span only).\n\n");
		return;
	}
	fprintf(f, "\n| metric | instrument | unit | value | when | attributes |\n");
	fprintf(f, "|---|---|---|---|---|---|\n");
	for (int a = 0; a < nact; a++) {
		const struct metric_action *m = &op->actions[a];
		const struct metric_def *d = &catalog_metrics[m->metric];

		fprintf(f, "| `%s` | %s | `%s` | ", d->name, instrument(d->kind), d->unit);
		print_value(f, m);
		fprintf(f, " | %s", open_calls(m) ? "every call" : when_text(m->when));
		if (m->only_if) {
			const char *eq = strchr(m->only_if, '=');

			fprintf(f, ", when `%.*s`=\"%s\"", (int)(eq ? eq - m->only_if : 0), m->only_if,
				eq ? eq + 1 : m->only_if);
		}
		fprintf(f, " | ");
		for (int k = 0; k < ACT_MAX_ATTRS && m->attrs[k]; k++) {
			fprintf(f, "%s", k ? ", " : "");
			print_attr(f, i, m->attrs[k]);
		}
		if (!m->attrs[0])
			fprintf(f, "—");
		fprintf(f, " |\n");
	}
	fprintf(f, "\n");
}

/* Every catalog metric once, with the operations that update it. */
static void print_metrics(FILE *f)
{
	fprintf(f, "## Metrics\n\n");
	fprintf(f, "| metric | instrument | unit | OTLP | description | updated by |\n");
	fprintf(f, "|---|---|---|---|---|---|\n");
	for (int m = 0; m < catalog_nmetrics; m++) {
		const struct metric_def *d = &catalog_metrics[m];
		int said = 0;

		fprintf(f, "| `%s` | %s | `%s` | %s | %s | ", d->name, instrument(d->kind), d->unit,
			otlp_type(d), d->description);
		for (int i = 0; i < catalog_nops; i++) {
			const struct op_def *op = &catalog_ops[i];
			bool uses = false;

			for (int a = 0; a < OP_MAX_ACTIONS && op->actions[a].when; a++)
				uses |= op->actions[a].metric == m;
			if (uses)
				fprintf(f, "%s[%s](#%s)", said++ ? ", " : "", op->name, op->name);
		}
		fprintf(f, "%s |\n", said ? "" : "—");
	}
	fprintf(f, "\n");
}

static void print_health(FILE *f)
{
	fprintf(f, "## The tracer's own metrics\n\n");
	fprintf(f, "What the tracer lost or could not do, as running totals, exported with the "
		"catalog's metrics under the tracer's own resource (`service.name`=\"mcp-bpftrace\", "
		"its `process.pid`, `host.name`, and with `--container` the `container.id` traced). The summary at exit and the live view's header show the same counts.\n\n");
	fprintf(f, "| metric | instrument | unit | OTLP | attributes | description |\n");
	fprintf(f, "|---|---|---|---|---|---|\n");
	for (int h = 0; h < HM_COUNT; h++) {
		const struct metric_def *d = &health_metrics[h];

		fprintf(f, "| `%s` | %s | `%s` | %s | ", d->name, instrument(d->kind), d->unit, otlp_type(d));
		if (!health_attrs[h].key) {
			fprintf(f, "undocumented: add it to health_attrs in user/view/catalog_doc.c");
		} else if (!health_attrs[h].key[0]) {
			fprintf(f, "—");
		} else if (health_attrs[h].values) {
			fprintf(f, "`%s`: %s", health_attrs[h].key, health_attrs[h].values);
		} else {
			int said = 0;

			fprintf(f, "`%s`: ", health_attrs[h].key);
			for (int i = 0; i < MCP_STAT_MAX; i++)
				if (health_bpf_stats[i].reason)
					fprintf(f, "%s%s", said++ ? ", " : "", health_bpf_stats[i].reason);
		}
		fprintf(f, " | %s |\n", d->description);
	}
	fprintf(f, "\n");
}

int catalog_doc_markdown(FILE *f)
{
	fprintf(f, "# The mcp-bpftrace catalog\n\n");
	fprintf(f, "<!-- Written by `mcp-bpftrace --list-ops=markdown` from the tables in "
		"user/catalog.c and user/aggregate/health.c. Do not edit: `make docs` rewrites it, "
		"and tests/e2e/test_catalog_doc.sh fails when it differs from the binary. -->\n\n");
	fprintf(f, "Every operation (what a probe map binds, `span OPERATION LOCATION` or "
		"`point OPERATION LOCATION`, or what a built-in source sees), the span it "
		"becomes and the metrics it updates, "
		"then every metric, then the tracer's own health metrics: "
		"%d operations, %d metrics, %d health metrics.\n\n", catalog_nops, catalog_nmetrics, HM_COUNT);
	fprintf(f, "How to read it:\n\n");
	fprintf(f, "- A call's metrics are updated when it returns (a point event's when it fires); "
		"\"if ok\" and \"if failed\" follow the binding's `fail if` line (without one no call "
		"fails). The \"active\" up-down counters go +1 at entry and −1 at return; "
		"the others move by a fixed amount when a call ends.\n");
	fprintf(f, "- Attribute keys are written in full. Bound attributes come from the probe map; "
		"`mcp.success` (\"true\"/\"false\") and `mcp.error_type` (the bound `error.type`, "
		"or `_OTHER`) are computed for every call; `key`=\"value\" is a constant.\n");
	fprintf(f, "- The `mcp_*` metrics always carry their attributes (\"\" when a call has no "
		"value); the OpenTelemetry ones with dotted names (`gen_ai.client.*`, "
		"`mcp.client.*`, `mcp.server.*`) carry only those the call has: `error.type` "
		"on failed calls alone.\n");
	fprintf(f, "- Durations are in seconds; an attribute value \"× 0.001\" turns milliseconds "
		"into seconds.\n");
	fprintf(f, "- Prometheus (`--prometheus`) uses the same names, attribute keys with dots "
		"turned into underscores, up-down counters as gauges and histograms as classic "
		"buckets.\n\n");
	print_index(f);
	for (int i = 0; i < catalog_nops; i++)
		print_op(f, i);
	print_metrics(f);
	print_health(f);
	return fflush(f) || ferror(f) ? 1 : 0;
}
