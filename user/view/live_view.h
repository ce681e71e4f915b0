/* The live view: a top-style full-screen view of the traced system's MCP
 * operations (curses), or the same table as plain text every --refresh
 * seconds (--top=text).
 *
 * All terminal work happens on one view thread. The consumer (main) thread
 * only feeds the view model through the pipeline's call hook and a span
 * sink (short critical sections, never terminal I/O) and publishes the
 * tracer's health numbers; it never waits on the terminal.
 *
 * Lifecycle, from main.c:
 *   live_view_new()     before the target is launched (the curses view takes
 *                       the terminal's output away from the command)
 *   live_view_start()   after setup: hooks into the pipeline, starts the thread
 *   live_view_publish() from the main loop, a few times a second
 *   live_view_finish()  tracing stopped; true when the view lingers (--linger)
 *   live_view_wait()    ... until the user presses q (or a signal)
 *   live_view_close()   thread stopped, terminal restored, held-back output
 *                       written to stderr: the exit summary can print now
 *   live_view_free()    after the pipeline is gone
 * Every function accepts NULL (no view). */
#ifndef LIVE_VIEW_H
#define LIVE_VIEW_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include "cli.h"
#include "source/source.h"
#include "aggregate/pipeline.h"
#include "summary.h"
#include "target/target.h"

struct live_view;

/* NULL with err[0] == 0: no view wanted (or possible). NULL with err set: a
 * usage error (exit status 2). */
struct live_view *live_view_new(const struct config *cfg, char *err, size_t errlen);
/* `exit_flag`: the main loop's; the view's q sets it. The view thread reads
 * the BPF side's drop counters from `L` itself: a consumer that cannot keep
 * up does not get back to publishing, and that is when drops matter. */
void live_view_start(struct live_view *v, struct pipeline *p, struct source_set *sources,
		     const struct target *t, int nt, volatile sig_atomic_t *exit_flag);
void live_view_publish(struct live_view *v, const struct health_counts *h);
/* What the probes cost the targets (header, and per binding in a row's detail). */
void live_view_publish_cost(struct live_view *v, const struct cost_report *r);
bool live_view_finish(struct live_view *v, const struct health_counts *h, const char *why);
void live_view_wait(struct live_view *v);
void live_view_close(struct live_view *v);
void live_view_free(struct live_view *v);

#endif
