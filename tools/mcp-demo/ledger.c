#include "ledger.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * Entries are keyed by a string "K<RS>name(<US>key<GS>value)*" where K is the
 * kind. Attributes are sorted by key so the order callers pass them in never
 * splits one series in two.
 */
enum { KIND_SPAN = 'S', KIND_COUNTER = 'C', KIND_HIST = 'H' };
#define SEP_NAME '\x1e'
#define SEP_ATTR '\x1f'
#define SEP_VALUE '\x1d'
#define KEY_MAX 512
#define MAX_ATTRS 8

struct entry {
	char *key;
	uint64_t hash;
	/* span */
	uint64_t ok, error, inner_ns, outer_ns;
	/* counter */
	long ival;
	double dval;
	bool is_double;
	/* histogram */
	uint64_t count, sum_ns;
	double sum;
	bool is_duration;
};

struct ledger {
	struct entry *slots;
	size_t cap, used;
};

static __thread struct ledger *current;

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

struct ledger *ledger_new(void)
{
	struct ledger *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->cap = 256;
	l->slots = calloc(l->cap, sizeof(*l->slots));
	if (!l->slots) {
		free(l);
		return NULL;
	}
	return l;
}

void ledger_free(struct ledger *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->cap; i++)
		free(l->slots[i].key);
	free(l->slots);
	free(l);
}

void ledger_bind(struct ledger *l)
{
	current = l;
}

static int grow(struct ledger *l)
{
	size_t ncap = l->cap * 2;
	struct entry *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -1;
	for (size_t i = 0; i < l->cap; i++) {
		struct entry *e = &l->slots[i];
		size_t j;

		if (!e->key)
			continue;
		for (j = e->hash & (ncap - 1); n[j].key; j = (j + 1) & (ncap - 1))
			;
		n[j] = *e;
	}
	free(l->slots);
	l->slots = n;
	l->cap = ncap;
	return 0;
}

/* Out of memory in a demo's bookkeeping is fatal: a partial ledger would lie. */
static void die_oom(void)
{
	fputs("mcp-demo: out of memory in ledger\n", stderr);
	abort();
}

static struct entry *lookup(struct ledger *l, const char *key)
{
	uint64_t h = fnv1a(key);
	size_t i;

	if ((l->used + 1) * 10 > l->cap * 7 && grow(l) < 0)
		die_oom();
	for (i = h & (l->cap - 1); l->slots[i].key; i = (i + 1) & (l->cap - 1)) {
		if (l->slots[i].hash == h && strcmp(l->slots[i].key, key) == 0)
			return &l->slots[i];
	}
	l->slots[i].key = strdup(key);
	if (!l->slots[i].key)
		die_oom();
	l->slots[i].hash = h;
	l->used++;
	return &l->slots[i];
}

static void build_key(char *buf, char kind, const char *name, size_t n,
		      const struct ledger_attr *attrs)
{
	const struct ledger_attr *sorted[MAX_ATTRS];
	size_t len;

	if (n > MAX_ATTRS)
		n = MAX_ATTRS;
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		while (j > 0 && strcmp(sorted[j - 1]->key, attrs[i].key) > 0) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = &attrs[i];
	}
	len = (size_t)snprintf(buf, KEY_MAX, "%c%c%s", kind, SEP_NAME, name);
	for (size_t i = 0; i < n && len < KEY_MAX; i++)
		len += (size_t)snprintf(buf + len, KEY_MAX - len, "%c%s%c%s",
					SEP_ATTR, sorted[i]->key, SEP_VALUE,
					sorted[i]->value);
}

static struct entry *find(char kind, const char *name, size_t n,
			  const struct ledger_attr *attrs)
{
	char key[KEY_MAX];

	build_key(key, kind, name, n, attrs);
	return lookup(current, key);
}

void ledger_span(const char *span, bool ok, uint64_t inner_ns)
{
	struct entry *e = find(KIND_SPAN, span, 0, NULL);

	if (ok)
		e->ok++;
	else
		e->error++;
	e->inner_ns += inner_ns;
}

void ledger_outer(const char *span, uint64_t outer_ns)
{
	find(KIND_SPAN, span, 0, NULL)->outer_ns += outer_ns;
}

void ledger_count(const char *metric, long delta, size_t n,
		  const struct ledger_attr *attrs)
{
	find(KIND_COUNTER, metric, n, attrs)->ival += delta;
}

void ledger_count_double(const char *metric, double delta, size_t n,
			 const struct ledger_attr *attrs)
{
	struct entry *e = find(KIND_COUNTER, metric, n, attrs);

	e->dval += delta;
	e->is_double = true;
}

void ledger_observe(const char *metric, double value, size_t n,
		    const struct ledger_attr *attrs)
{
	struct entry *e = find(KIND_HIST, metric, n, attrs);

	e->count++;
	e->sum += value;
}

void ledger_observe_ns(const char *metric, uint64_t ns, size_t n,
		       const struct ledger_attr *attrs)
{
	struct entry *e = find(KIND_HIST, metric, n, attrs);

	e->count++;
	e->sum_ns += ns;
	e->is_duration = true;
}

int ledger_merge(struct ledger *dst, const struct ledger *src)
{
	for (size_t i = 0; i < src->cap; i++) {
		const struct entry *s = &src->slots[i];
		struct entry *d;

		if (!s->key)
			continue;
		d = lookup(dst, s->key);
		d->ok += s->ok;
		d->error += s->error;
		d->inner_ns += s->inner_ns;
		d->outer_ns += s->outer_ns;
		d->ival += s->ival;
		d->dval += s->dval;
		d->is_double |= s->is_double;
		d->count += s->count;
		d->sum_ns += s->sum_ns;
		d->sum += s->sum;
		d->is_duration |= s->is_duration;
	}
	return 0;
}

void ledger_totals(const struct ledger *l, uint64_t *spans, uint64_t *errors)
{
	*spans = *errors = 0;
	for (size_t i = 0; i < l->cap; i++) {
		const struct entry *e = &l->slots[i];

		if (e->key && e->key[0] == KIND_SPAN) {
			*spans += e->ok + e->error;
			*errors += e->error;
		}
	}
}

/* ---- JSON output ---- */

static void put_json_string(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* The name part of a key: between the kind separator and the first attribute. */
static const char *key_name(const char *key, size_t *len)
{
	const char *name = key + 2;

	*len = strcspn(name, "\x1f");
	return name;
}

static void put_attributes(FILE *f, const char *key)
{
	const char *p = strchr(key, SEP_ATTR);
	bool first = true;

	fputs("{\"attributes\": {", f);
	while (p) {
		const char *k = p + 1;
		const char *v = strchr(k, SEP_VALUE);
		const char *next = strchr(v, SEP_ATTR);
		size_t vlen = next ? (size_t)(next - v - 1) : strlen(v + 1);

		fputs(first ? "" : ", ", f);
		put_json_string(f, k, (size_t)(v - k));
		fputs(": ", f);
		put_json_string(f, v + 1, vlen);
		first = false;
		p = next;
	}
	fputs("}", f);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;

	return strcmp(x->key, y->key);
}

static void put_value(FILE *f, const struct entry *e, char kind)
{
	if (kind == KIND_COUNTER) {
		if (e->is_double)
			fprintf(f, ", \"value\": %.17g}", e->dval + (double)e->ival);
		else
			fprintf(f, ", \"value\": %ld}", e->ival);
	} else if (e->is_duration) {
		fprintf(f, ", \"count\": %llu, \"sum\": %.9f}",
			(unsigned long long)e->count, (double)e->sum_ns / 1e9);
	} else {
		fprintf(f, ", \"count\": %llu, \"sum\": %.17g}",
			(unsigned long long)e->count, e->sum);
	}
}

/* Writes one section ("spans", "counters", ...) from sorted entries of kind. */
static void put_section(FILE *f, struct entry **v, size_t n, char kind,
			const char *section, bool durations, bool last)
{
	const char *prev = NULL;
	size_t prev_len = 0;

	fprintf(f, "  \"%s\": {", section);
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = v[i];
		size_t len;
		const char *name;

		if (e->key[0] != kind)
			continue;
		name = key_name(e->key, &len);
		if (kind == KIND_SPAN) {
			fputs(prev ? ",\n    " : "\n    ", f);
			put_json_string(f, name, len);
			if (durations)
				fprintf(f, ": {\"inner_sum_s\": %.9f, \"outer_sum_s\": %.9f}",
					(double)e->inner_ns / 1e9,
					(double)e->outer_ns / 1e9);
			else
				fprintf(f, ": {\"ok\": %llu, \"error\": %llu}",
					(unsigned long long)e->ok,
					(unsigned long long)e->error);
			prev = name;
			continue;
		}
		if (!prev || prev_len != len || memcmp(prev, name, len) != 0) {
			fputs(prev ? "],\n    " : "\n    ", f);
			put_json_string(f, name, len);
			fputs(": [\n      ", f);
		} else {
			fputs(",\n      ", f);
		}
		put_attributes(f, e->key);
		put_value(f, e, kind);
		prev = name;
		prev_len = len;
	}
	if (prev && kind != KIND_SPAN)
		fputs("]", f);
	fprintf(f, "%s}%s\n", prev ? "\n  " : "", last ? "" : ",");
}

int ledger_write_json(const struct ledger *l, FILE *f)
{
	struct entry **v = malloc((l->used ? l->used : 1) * sizeof(*v));
	size_t n = 0;

	if (!v)
		return -1;
	for (size_t i = 0; i < l->cap; i++)
		if (l->slots[i].key)
			v[n++] = &l->slots[i];
	qsort(v, n, sizeof(*v), cmp_entry);

	fputs("{\n", f);
	put_section(f, v, n, KIND_SPAN, "spans", false, false);
	put_section(f, v, n, KIND_COUNTER, "counters", false, false);
	put_section(f, v, n, KIND_HIST, "histograms", false, false);
	put_section(f, v, n, KIND_SPAN, "durations", true, true);
	fputs("}\n", f);
	free(v);
	if (ferror(f)) {
		errno = EIO;
		return -1;
	}
	return 0;
}
