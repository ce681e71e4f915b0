/* Attribute helpers. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "attrs.h"

const char *attr_text(const struct attr *a, char *buf, size_t len)
{
	switch (a->type) {
	case AT_STR:
		return a->s;
	case AT_INT:
		snprintf(buf, len, "%" PRId64, a->i);
		return buf;
	case AT_DOUBLE:
		snprintf(buf, len, "%.17g", a->d);
		return buf;
	case AT_BOOL:
		return a->b ? "true" : "false";
	}
	return "";
}

double attr_number(const struct attr *a)
{
	switch (a->type) {
	case AT_INT:
		return (double)a->i;
	case AT_DOUBLE:
		return a->d;
	case AT_BOOL:
		return a->b;
	default:
		return 0;
	}
}

const struct attr *attr_find(const struct attr *v, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i].key, key))
			return &v[i];
	return NULL;
}
