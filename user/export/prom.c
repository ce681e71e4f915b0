/* Prometheus text exposition (0.0.4). See prom.h. */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hist_buckets.h"
#include "prom.h"

/* ---- rendering --------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void sb_grow(struct sbuf *b, size_t need)
{
	if (b->failed || b->len + need + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 16384;

	while (cap < b->len + need + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);

	if (!p) {
		b->failed = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	sb_grow(b, n);
	if (b->failed)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_grow(b, (size_t)n);
	if (b->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Shortest text that reads back as the same double; Prometheus spellings
 * for the non-finite ones. */
static const char *fmt_float(double v, char *buf, size_t len)
{
	if (isnan(v))
		return "NaN";
	if (isinf(v))
		return v > 0 ? "+Inf" : "-Inf";
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

static void sanitize(const char *in, char *out, size_t len, bool colon_ok)
{
	size_t i = 0;

	if (!len)
		return;
	if (*in >= '0' && *in <= '9' && len > 1)
		out[i++] = '_';
	for (; *in && i + 1 < len; in++) {
		char c = *in;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || (colon_ok && c == ':');

		out[i++] = ok ? c : '_';
	}
	out[i] = 0;
}

void prom_label_name(const char *key, char *out, size_t len)
{
	sanitize(key, out, len, false);
}

void prom_label_value(const char *val, char *out, size_t len)
{
	size_t i = 0;

	if (!len)
		return;
	for (; val && *val && i + 2 < len; val++) {
		if (*val == '\\' || *val == '"') {
			out[i++] = '\\';
			out[i++] = *val;
		} else if (*val == '\n') {
			out[i++] = '\\';
			out[i++] = 'n';
		} else {
			out[i++] = *val;
		}
	}
	out[i] = 0;
}

/* HELP text: backslash and newline escaped. */
static void help_text(struct sbuf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			sb_puts(b, "\\\\");
		else if (*s == '\n')
			sb_puts(b, "\\n");
		else
			sb_put(b, s, 1);
	}
}

static int cmp_metric_first(const void *a, const void *b)
{
	const struct series *x = *(struct series *const *)a, *y = *(struct series *const *)b;

	if (x->metric != y->metric)
		return x->metric < y->metric ? -1 : 1;
	if (x->resource != y->resource)
		return x->resource < y->resource ? -1 : 1;
	for (int i = 0; i < x->nattrs && i < y->nattrs; i++) {
		int c = strcmp(x->vals[i], y->vals[i]);

		if (c)
			return c;
	}
	return x->nattrs - y->nattrs;
}

/* "{k="v",...,service_name="..",process_pid=".."" without the closing
 * brace, so histogram buckets can add le. */
static void labels_open(struct sbuf *b, const struct series *s, const struct resource_table *rt)
{
	struct attr ra[RESOURCE_MAX_ATTRS];
	int nr = resources_attrs(rt, s->resource, ra, RESOURCE_MAX_ATTRS);
	char name[128], val[1024], num[32];
	int k = 0;

	sb_puts(b, "{");
	for (int i = 0; i < s->nattrs; i++, k++) {
		prom_label_name(s->keys[i], name, sizeof(name));
		prom_label_value(s->vals[i], val, sizeof(val));
		sb_printf(b, "%s%s=\"%s\"", k ? "," : "", name, val);
	}
	for (int i = 0; i < nr; i++) {
		if (strcmp(ra[i].key, "service.name") && strcmp(ra[i].key, "process.pid"))
			continue;
		prom_label_name(ra[i].key, name, sizeof(name));
		prom_label_value(attr_text(&ra[i], num, sizeof(num)), val, sizeof(val));
		sb_printf(b, "%s%s=\"%s\"", k++ ? "," : "", name, val);
	}
}

static const double bounds_seconds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
					0.1, 0.25, 0.5, 1, 2.5, 5, 10};
static const double bounds_other[] = {0.1, 0.25, 0.5, 0.75, 0.9, 1, 2, 3, 5, 10, 20, 50, 100};

static void render_hist(struct sbuf *b, const char *name, const struct series *s,
			const struct metric_def *d, const struct resource_table *rt,
			const struct export_opts *eo)
{
	const double *bounds = bounds_other;
	size_t nb = sizeof(bounds_other) / sizeof(bounds_other[0]);
	uint64_t counts[EXPORT_MAX_BOUNDS + 1], cum = 0;
	char fb[40];

	static const struct export_opts none; /* no options: the metric's own bounds still count */

	if (!eo)
		eo = &none;
	if (hist_is_explicit(d, eo)) { /* the semantic conventions' bounds, or --histogram explicit */
		nb = hist_buckets(s, eo, &bounds, counts);
	} else {
		if (!strcmp(d->unit, "s")) {
			bounds = bounds_seconds;
			nb = sizeof(bounds_seconds) / sizeof(bounds_seconds[0]);
		}
		exph_explicit_counts(s->h, bounds, nb, counts);
	}
	for (size_t k = 0; k <= nb; k++) {
		cum += counts[k];
		sb_printf(b, "%s_bucket", name);
		labels_open(b, s, rt);
		sb_printf(b, ",le=\"%s\"} %" PRIu64 "\n",
			  k < nb ? fmt_float(bounds[k], fb, sizeof(fb)) : "+Inf", cum);
	}
	sb_printf(b, "%s_sum", name);
	labels_open(b, s, rt);
	sb_printf(b, "} %s\n", fmt_float(exph_sum(s->h), fb, sizeof(fb)));
	sb_printf(b, "%s_count", name);
	labels_open(b, s, rt);
	sb_printf(b, "} %" PRIu64 "\n", exph_count(s->h));
}

char *prom_render(struct metric_store *ms, const struct resource_table *rt,
		  const struct export_opts *eo, size_t *len)
{
	struct sbuf b = {0};
	size_t n;
	char name[256], fb[40];

	sb_grow(&b, 1);
	pthread_mutex_lock(&ms->lock);
	struct series **v = ms_sorted(ms, &n);

	if (v)
		qsort(v, n, sizeof(*v), cmp_metric_first);
	for (size_t i = 0; v && i < n; i++) {
		const struct series *s = v[i];
		const struct metric_def *d = ms_metric_def(s->metric);
		size_t nl;

		sanitize(d->name, name, sizeof(name) - 8, true);
		nl = strlen(name);
		/* Counters are named ..._total by the catalog; never a second one. */
		if (d->kind == MK_COUNTER && (nl < 6 || strcmp(name + nl - 6, "_total")))
			strcat(name, "_total");
		if (i == 0 || v[i - 1]->metric != s->metric) {
			sb_printf(&b, "# HELP %s ", name);
			help_text(&b, d->description);
			sb_printf(&b, "\n# TYPE %s %s\n", name,
				  d->kind == MK_COUNTER ? "counter" : d->kind == MK_UPDOWN ? "gauge" : "histogram");
		}
		if (d->kind == MK_HISTOGRAM) {
			if (s->h)
				render_hist(&b, name, s, d, rt, eo);
			continue;
		}
		sb_puts(&b, name);
		labels_open(&b, s, rt);
		if (d->is_double)
			sb_printf(&b, "} %s\n", fmt_float(s->v.d, fb, sizeof(fb)));
		else
			sb_printf(&b, "} %" PRId64 "\n", s->v.i);
	}
	pthread_mutex_unlock(&ms->lock);
	free(v);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}
