/* The catalog of ../shared/spec/telemetry.md as data: every operation, the
 * span it becomes and the metrics it updates. Exporters and the aggregator
 * walk these tables; no metric name appears anywhere else in the code. */
#ifndef CATALOG_H
#define CATALOG_H

#include <stdbool.h>

enum metric_kind { MK_COUNTER = 1, MK_UPDOWN, MK_HISTOGRAM };

struct metric_def {
	const char *name;
	enum metric_kind kind;
	const char *unit;
	const char *description;
	bool is_double; /* counter of non-integers (cost in USD) */
	/* Histograms whose semantic conventions give explicit bucket
	 * boundaries (the GenAI client metrics): exported as explicit
	 * histograms with these, counted exactly, whatever --histogram says.
	 * NULL: the run's --histogram choice. */
	const double *bounds;
	int nbounds;
};

/* An OpenTelemetry semantic-convention metric (gen_ai.client.*, mcp.*.duration:
 * dotted names), whose attributes are left out when the call has no value
 * (error.type only on errors), unlike the seed's labels (mcp_*: always
 * present, "" when unknown). */
static inline bool metric_is_semconv(const struct metric_def *m)
{
	return m->name[0] && __builtin_strchr(m->name, '.') != 0;
}

/* When an action applies to a finished call. */
enum act_when { ACT_ALWAYS = 1, ACT_IF_OK, ACT_IF_FAILED };

/* What value an action adds or records. */
enum act_value {
	AV_ONE = 1,  /* counters: +1 */
	AV_DURATION, /* histograms: call duration in seconds */
	AV_ATTR,     /* the numeric attribute `value_attr` times `scale` */
	AV_SCALE,    /* up-down counters: `scale` itself, when the call ends
		      * (an active count moved by what a call did, not by the
		      * call being open: git worktree add +1, remove -1) */
};

#define ACT_MAX_ATTRS 8  /* the GenAI metrics' attributes (operation, provider, models, server address and port, type) */
#define OP_MAX_ACTIONS 10 /* an LLM call: GenAI metrics and the model_inference series */

/* A metric update. Attribute keys name the call's attributes; the computed
 * ones are `mcp.success` ("true"/"false") and `mcp.error_type`; "key=value"
 * is a constant. Up-down counters go +1 at entry and -1 at return. */
struct metric_action {
	int metric; /* index into catalog_metrics */
	enum act_when when;
	enum act_value value;
	const char *value_attr;
	double scale;
	const char *attrs[ACT_MAX_ATTRS];
	const char *only_if; /* "key=value": only calls whose attribute has it */
};

enum span_kind { SK_INTERNAL = 1, SK_SERVER = 2, SK_CLIENT = 3 };

struct op_def {
	const char *name;      /* binding name (probe map) */
	const char *span_name; /* may hold one {attribute} */
	enum span_kind kind;
	const char *service;   /* mcp.service */
	bool point;            /* point event: no span of its own */
	const char *event;     /* span ops: "Collaboration" -> "... started"; points: event name */
	const char *success_attr;  /* computed bool on the span, NULL for none */
	const char *duration_attr; /* computed duration in ms, NULL for none */
	const char *default_attr;  /* an attribute with a default when empty ... */
	const char *default_value; /* ... and that default */
	struct metric_action actions[OP_MAX_ACTIONS];
};

extern const struct metric_def catalog_metrics[];
extern const int catalog_nmetrics;
extern const struct op_def catalog_ops[];
extern const int catalog_nops;

/* Index of the operation named `name`, -1 when none. */
int catalog_find_op(const char *name);
/* Whether an operation keeps an up-down counter (needs start records). */
bool catalog_op_has_updown(int op);
/* Attribute keys the operation's metrics read from captures (not computed
 * ones), for warnings about bindings that leave them out. Returns count. */
int catalog_op_metric_attrs(int op, const char **keys, int max);

#endif
