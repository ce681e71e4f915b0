/* The price table: see prices.h. */
#include "source/tls/prices.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "data_dir.h"

static char *field(char **p)
{
	char *s = *p;
	if (!s)
		return NULL;
	char *tab = strchr(s, '\t');
	if (tab) {
		*tab = '\0';
		*p = tab + 1;
	} else {
		*p = NULL;
	}
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static bool number(const char *s, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	return *s && !*end && !errno && *v >= 0;
}

int prices_parse(struct price_table *t, const char *text, const char *name, char *err, size_t errlen)
{
	struct price_entry *e = NULL;
	size_t n = 0, cap = 0;
	int lineno = 0;
	char *copy = strdup(text ? text : "");
	if (!copy) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	for (char *line = copy, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		const char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '#' || *s == '\0' || *s == '\r')
			continue;
		char *p = line; /* a leading tab is an empty provider, not indentation */
		char *prov = field(&p), *model = field(&p), *in = field(&p), *out = field(&p);
		double vin, vout;
		const char *bad = NULL;
		if (!out || p)
			bad = "want 4 tab-separated fields: provider, model, USD per million input tokens, per million output tokens";
		else if (!*prov || strlen(prov) >= sizeof(e->provider))
			bad = "provider empty or too long";
		else if (!*model || strlen(model) >= sizeof(e->model))
			bad = "model empty or too long";
		else if (!number(in, &vin) || !number(out, &vout))
			bad = "prices must be numbers >= 0";
		if (bad) {
			snprintf(err, errlen, "%s: line %d: %s", name, lineno, bad);
			free(e);
			free(copy);
			return -1;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			struct price_entry *ne = realloc(e, cap * sizeof(*e));
			if (!ne) {
				snprintf(err, errlen, "%s: out of memory", name);
				free(e);
				free(copy);
				return -1;
			}
			e = ne;
		}
		memset(&e[n], 0, sizeof(e[n]));
		snprintf(e[n].provider, sizeof(e[n].provider), "%s", prov);
		snprintf(e[n].model, sizeof(e[n].model), "%s", model);
		e[n].input_per_m = vin;
		e[n].output_per_m = vout;
		n++;
	}
	free(copy);
	free(t->e);
	t->e = e;
	t->n = n;
	snprintf(t->source, sizeof(t->source), "%s", name);
	return 0;
}

int prices_load(struct price_table *t, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open the price table: %s", path, strerror(errno));
		return -1;
	}
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (len + 1 == cap) {
			char *nb = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf) {
		snprintf(err, errlen, "%s: the price table is too large (64 MiB at most)", path);
		return -1;
	}
	buf[len] = '\0';
	int rc = prices_parse(t, buf, path, err, errlen);
	free(buf);
	return rc;
}

const char *prices_default_path(char *buf, size_t cap)
{
	/* The data directory beside the executable, then the PREFIX's
	 * (data_dir.c: the same places --version names). */
	char dir[PATH_MAX - 16];

	if (!data_dir(dir, sizeof(dir)))
		return NULL;
	snprintf(buf, cap, "%s/prices.tsv", dir);
	return access(buf, R_OK) == 0 ? buf : NULL;
}

/* "-2024-07-18", "-20241022", "-latest": a snapshot of the same model. */
static bool snapshot_suffix(const char *s)
{
	if (!strcmp(s, "-latest"))
		return true;
	size_t n = strlen(s);
	if (n == 9 && s[0] == '-') {
		for (int i = 1; i < 9; i++)
			if (!isdigit((unsigned char)s[i]))
				return false;
		return true;
	}
	if (n == 11 && s[0] == '-' && s[5] == '-' && s[8] == '-') {
		for (int i = 1; i < 11; i++)
			if (i != 5 && i != 8 && !isdigit((unsigned char)s[i]))
				return false;
		return true;
	}
	return false;
}

const struct price_entry *prices_find(const struct price_table *t, const char *provider, const char *model)
{
	if (!t || !provider || !model || !*model)
		return NULL;
	const struct price_entry *best = NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct price_entry *e = &t->e[i];
		if (strcmp(e->provider, provider))
			continue;
		if (!strcmp(e->model, model))
			return e;
		size_t m = strlen(e->model);
		if (!strncmp(e->model, model, m) && snapshot_suffix(model + m))
			best = e;
	}
	return best;
}

bool prices_cost(const struct price_table *t, const char *provider, const char *model1, const char *model2,
		 int64_t input_tokens, int64_t output_tokens, double *usd)
{
	const struct price_entry *e = prices_find(t, provider, model1);
	if (!e)
		e = prices_find(t, provider, model2);
	if (!e || (input_tokens < 0 && output_tokens < 0))
		return false;
	*usd = (input_tokens > 0 ? (double)input_tokens * e->input_per_m : 0) / 1e6 +
	       (output_tokens > 0 ? (double)output_tokens * e->output_per_m : 0) / 1e6;
	return true;
}

bool prices_warn_once(struct price_table *t, const char *provider, const char *model)
{
	char key[160];
	snprintf(key, sizeof(key), "%s/%s", provider ? provider : "", model ? model : "");
	for (size_t i = 0; i < t->nwarned; i++)
		if (!strcmp(t->warned[i], key))
			return false;
	if (t->nwarned == PRICES_WARNED_MAX)
		return false; /* said enough: a run with this many models is not reading warnings */
	snprintf(t->warned[t->nwarned++], sizeof(t->warned[0]), "%s", key);
	return true;
}

void prices_free(struct price_table *t)
{
	free(t->e);
	t->e = NULL;
	t->n = 0;
}
