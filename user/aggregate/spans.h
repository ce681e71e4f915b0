/* The span builder: finished calls become spans with the catalog's name,
 * kind, attributes, events and status; point events wait for the span they
 * happened in. Spans are reference counted so that several sinks (file,
 * OTLP/HTTP queue, live view) can hold the same one. */
#ifndef SPANS_H
#define SPANS_H

#include <stdint.h>
#include "call.h"

#define SPAN_MAX_ATTRS (CALL_MAX_ATTRS + 8)
#define EVENT_MAX_ATTRS 8

struct span_event {
	uint64_t time_ns; /* CLOCK_MONOTONIC */
	char name[64];
	struct attr attrs[EVENT_MAX_ATTRS];
	int nattrs;
};

struct point_call; /* a point event waiting for its span */

struct span {
	int refs;
	int resource;
	struct call call; /* ids, times, bound attributes */
	char name[128];
	int kind;         /* enum span_kind */
	bool error;
	struct attr attrs[SPAN_MAX_ATTRS]; /* everything the span carries */
	int nattrs;
	struct span_event *events;
	int nevents;
	struct point_call *points; /* owns the strings of point events */
	char exc_msg[32];
};

typedef void (*span_sink_fn)(void *ctx, struct span *s);

struct span_builder;

struct span_builder *span_builder_new(void);
void span_builder_free(struct span_builder *sb);
/* Sinks are called in order for every finished span; a sink that keeps the
 * span takes a reference with span_ref(). */
int span_builder_add_sink(struct span_builder *sb, span_sink_fn fn, void *ctx);
/* Whether anyone takes spans: without a sink, building them is waste. */
bool span_builder_has_sinks(const struct span_builder *sb);
/* A point event: kept until its span finishes. Returns false when it had no
 * open span (outside any traced call) and so goes on no span. */
bool span_builder_point(struct span_builder *sb, const struct call *c);
/* A finished call. */
void span_builder_end(struct span_builder *sb, const struct call *c, int resource);
/* Point events still waiting (their span never finished). */
uint64_t span_builder_orphan_points(const struct span_builder *sb);

void span_ref(struct span *s);
void span_unref(struct span *s);

#endif
