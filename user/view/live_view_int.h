/* Shared by live_view.c (lifecycle, keys) and live_view_draw.c (panels):
 * the view thread's state. Everything below `thread-only` is touched by
 * the view thread alone. */
#ifndef LIVE_VIEW_INT_H
#define LIVE_VIEW_INT_H

#include <pthread.h>
#include "live_view.h"
#include "output_capture.h"
#include "view_model.h"
#include "view_table.h"

enum lv_panel { LV_OPS, LV_ERRORS, LV_TREES };

struct live_view {
	enum top_mode mode;
	double refresh_s;
	bool linger;
	bool utf8;
	struct output_capture oc;
	struct view_model *vm;
	struct pipeline *p;
	struct source_set *sources;
	volatile sig_atomic_t *exit_flag;
	pthread_t thread;
	bool running; /* the thread was started and not yet joined */

	pthread_mutex_t lock; /* guards the fields up to `thread-only` */
	pthread_cond_t cond;
	struct view_status status; /* as published */
	bool stop, ready, failed, refresh_now, quit;

	/* thread-only */
	struct vm_snapshot *snap;
	struct view_status shown; /* the status that goes with snap */
	uint64_t prev_records, prev_ns;
	enum vm_col sort;
	bool desc;
	enum lv_panel panel;
	bool help, paused;
	int sel_op;   /* catalog index of the selected operation, -1: first */
	int top;      /* first table line shown */
	int scroll;   /* errors / trees panels */
	bool expanded[VM_MAX_OPS];
	char filter[64];
	bool editing;
	char edit[64];
	char msg[128];
	uint64_t msg_until;
	bool colors;
};

/* live_view_draw.c */
void lv_draw(struct live_view *v);
void lv_init_colors(struct live_view *v);
/* Rows of the snapshot that pass the filter, sorted; returns how many. */
int lv_rows(struct live_view *v, struct vm_row *rows);
bool lv_match(const struct live_view *v, const char *s);

#endif
