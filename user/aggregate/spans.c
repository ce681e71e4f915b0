/* Span builder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spans.h"

struct point_call {
	struct point_call *next;
	struct call call;
};

#define PENDING_BUCKETS 4096

struct sink {
	span_sink_fn fn;
	void *ctx;
};

struct span_builder {
	struct point_call *pending[PENDING_BUCKETS]; /* by parent span id */
	uint64_t npending;
	struct sink sinks[8];
	int nsinks;
};

struct span_builder *span_builder_new(void)
{
	return calloc(1, sizeof(struct span_builder));
}

static void free_points(struct point_call *p)
{
	while (p) {
		struct point_call *n = p->next;

		free(p);
		p = n;
	}
}

void span_builder_free(struct span_builder *sb)
{
	if (!sb)
		return;
	for (int i = 0; i < PENDING_BUCKETS; i++)
		free_points(sb->pending[i]);
	free(sb);
}

int span_builder_add_sink(struct span_builder *sb, span_sink_fn fn, void *ctx)
{
	if (sb->nsinks == (int)(sizeof(sb->sinks) / sizeof(sb->sinks[0])))
		return -1;
	sb->sinks[sb->nsinks++] = (struct sink){fn, ctx};
	return 0;
}

uint64_t span_builder_orphan_points(const struct span_builder *sb)
{
	return sb->npending;
}

bool span_builder_has_sinks(const struct span_builder *sb)
{
	return sb->nsinks > 0;
}

bool span_builder_point(struct span_builder *sb, const struct call *c)
{
	if (!c->rec.parent_id)
		return false;
	struct point_call *p = malloc(sizeof(*p));

	if (!p)
		return false;
	call_copy(&p->call, c);
	struct point_call **head = &sb->pending[c->rec.parent_id % PENDING_BUCKETS];

	p->next = *head;
	*head = p;
	sb->npending++;
	return true;
}

/* Expands one {attribute} in the catalog's span name. */
static void span_name(const struct call *c, char *out, size_t len)
{
	const char *tpl = c->op->span_name;
	const char *open = strchr(tpl, '{'), *close = open ? strchr(open, '}') : NULL;
	char key[64], buf[32];

	if (!open || !close || (size_t)(close - open - 1) >= sizeof(key)) {
		snprintf(out, len, "%s", tpl);
		return;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(close - open - 1), open + 1);
	const struct attr *a = attr_find(c->attrs, c->nattrs, key);
	const char *v = a ? attr_text(a, buf, sizeof(buf)) : "unknown";

	snprintf(out, len, "%.*s%s%s", (int)(open - tpl), tpl, v, close + 1);
}

static struct span_event *add_event(struct span *s, uint64_t t, const char *base, const char *what)
{
	struct span_event *e = &s->events[s->nevents++];

	memset(e, 0, sizeof(*e));
	e->time_ns = t;
	snprintf(e->name, sizeof(e->name), "%s%s%s", base, what ? " " : "", what ? what : "");
	return e;
}

static void add_attr(struct span *s, struct attr a)
{
	if (s->nattrs < SPAN_MAX_ATTRS)
		s->attrs[s->nattrs++] = a;
}

/* Takes this span's point events out of the pending table, oldest first. */
static struct point_call *claim_points(struct span_builder *sb, uint64_t span_id, int *n)
{
	struct point_call **pp = &sb->pending[span_id % PENDING_BUCKETS], *mine = NULL;

	*n = 0;
	while (*pp) {
		struct point_call *p = *pp;

		if (p->call.rec.parent_id != span_id) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		p->next = mine; /* the table is newest-first: reversing restores order */
		mine = p;
		(*n)++;
		sb->npending--;
	}
	return mine;
}

void span_builder_end(struct span_builder *sb, const struct call *c, int resource)
{
	int npoints;
	struct point_call *points = claim_points(sb, c->rec.span_id, &npoints);
	struct span *s = calloc(1, sizeof(*s));

	if (!s) {
		free_points(points);
		return;
	}
	s->events = calloc(npoints + 3, sizeof(*s->events));
	if (!s->events) {
		free_points(points);
		free(s);
		return;
	}
	s->refs = 1;
	s->resource = resource;
	call_copy(&s->call, c);
	c = &s->call; /* from here on, strings come from our own copy */
	s->points = points;
	s->kind = c->op->kind;
	s->error = c->failed;
	span_name(&s->call, s->name, sizeof(s->name));

	for (int i = 0; i < s->call.nattrs; i++) {
		/* The bound error name is meaningless on a call that did not
		 * fail, and on one that did, error_type has it (or _OTHER). */
		if (!strcmp(s->call.attrs[i].key, "error.type"))
			continue;
		add_attr(s, s->call.attrs[i]);
	}
	add_attr(s, (struct attr){.key = "mcp.service", .type = AT_STR, .s = c->op->service});
	if (!attr_find(s->attrs, s->nattrs, "mcp.operation"))
		add_attr(s, (struct attr){.key = "mcp.operation", .type = AT_STR, .s = c->op->name});
	if (c->op->success_attr)
		add_attr(s, (struct attr){.key = c->op->success_attr, .type = AT_BOOL, .b = !c->failed});
	if (c->op->duration_attr)
		add_attr(s, (struct attr){.key = c->op->duration_attr, .type = AT_DOUBLE,
					  .d = call_duration_s(c) * 1000.0});
	if (c->failed)
		add_attr(s, (struct attr){.key = "error.type", .type = AT_STR, .s = c->error_type});

	/* "started" carries the start time, "completed"/"failed" the end time
	 * (the seed stamps both at the end: corrected by the spec). */
	add_event(s, c->rec.start_ns, c->op->event, "started");
	for (struct point_call *p = points; p; p = p->next) {
		struct span_event *e = add_event(s, p->call.rec.start_ns, p->call.op->event, NULL);

		for (int i = 0; i < p->call.nattrs && e->nattrs < EVENT_MAX_ATTRS; i++)
			e->attrs[e->nattrs++] = p->call.attrs[i];
	}
	struct span_event *end = add_event(s, c->rec.end_ns, c->op->event,
					   c->failed ? "failed" : "completed");

	if (c->failed) {
		end->attrs[end->nattrs++] = (struct attr){.key = "mcp.error_type", .type = AT_STR, .s = c->error_type};
		struct span_event *ex = add_event(s, c->rec.end_ns, "exception", NULL);

		ex->attrs[ex->nattrs++] = (struct attr){.key = "exception.type", .type = AT_STR, .s = c->error_type};
		if (c->b && pm_by_name(c->b)) /* python:/node: fail when they raise */
			snprintf(s->exc_msg, sizeof(s->exc_msg), "raised %s", c->error_type);
		else
			snprintf(s->exc_msg, sizeof(s->exc_msg), "returned %lld", c->ret_value);
		ex->attrs[ex->nattrs++] = (struct attr){.key = "exception.message", .type = AT_STR, .s = s->exc_msg};
	}
	for (int i = 0; i < sb->nsinks; i++)
		sb->sinks[i].fn(sb->sinks[i].ctx, s);
	span_unref(s);
}

void span_ref(struct span *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
}

void span_unref(struct span *s)
{
	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL))
		return;
	free_points(s->points);
	free(s->events);
	free(s);
}
