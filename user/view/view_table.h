/* The operations table as text: columns, cell formatting and layout, shared
 * by the curses view and the plain-text mode so both show the same thing. */
#ifndef VIEW_TABLE_H
#define VIEW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include "cost/induced.h"
#include "export/export_status.h"
#include "view_model.h"

#define VT_CELL 96

/* What the header shows besides the table: the tracer's state. */
struct view_status {
	char targets[256];    /* "mcp-demo[4242] container 3f2a…" */
	uint64_t start_ns;    /* CLOCK_MONOTONIC when tracing started */
	uint64_t now_ns;
	uint64_t records;     /* ring-buffer records received */
	double records_s;
	uint64_t dropped;     /* records lost: ring buffer full */
	uint64_t lost;        /* calls the BPF side could not trace */
	int attach_errors;
	uint64_t capture_lines; /* lines of output held back while the view is open */
	char capture_last[160];
	bool finished;        /* tracing has stopped; figures are final */
	uint64_t finished_ns; /* when: the final snapshot is taken as of then */
	char finish_msg[96];
	struct export_status exp[EXP_COUNT];
	struct cost_report cost; /* what the probes cost the targets (cost/) */
};

struct vt_col {
	const char *title;
	int width;    /* minimum display columns */
	int priority; /* narrow terminals keep low numbers first */
};

extern const struct vt_col vt_cols[VC_NCOLS];

/* Which columns are shown and how wide the name column is. */
struct vt_layout {
	bool visible[VC_NCOLS];
	int name_w;
	int width; /* display columns of a whole line */
};

/* "812µs", "1.25ms", "3.40s" (ASCII "us" when !utf8); "-" for NaN. */
const char *vt_duration(double s, bool utf8, char *buf, size_t len);
/* Calls per second and the like: "0", "3.25", "812.4", "12.3k". */
const char *vt_rate(double v, char *buf, size_t len);
/* Every cell of a row, as text. */
void vt_cells(const struct vm_row *r, bool utf8, char cells[VC_NCOLS][VT_CELL]);
/* Columns of priority <= VT_CORE stay as long as they fit at all. */
#define VT_CORE 6
/* Fits columns into `width` display columns (all of them when width <= 0),
 * the name column as wide as `want_name` (the longest name to show) unless
 * that would push out a core column. */
void vt_layout(struct vt_layout *l, int width, int want_name);
/* One line, cells padded to the layout, no trailing newline. */
void vt_line(char *buf, size_t len, const struct vt_layout *l, char cells[VC_NCOLS][VT_CELL]);
/* The title line; the sort column carries a marker (▼/▲, or v/^ in ASCII). */
void vt_title(char *buf, size_t len, const struct vt_layout *l, enum vm_col sort, bool desc, bool utf8);
/* `s` padded (or cut) to `w` display columns into `out`. */
const char *vt_pad(char *out, size_t len, const char *s, int w, bool left);
/* Display columns of a UTF-8 string (every code point counts one). */
int vt_width(const char *s);
/* Human count: 1234567 -> "1.23M". */
const char *vt_count(double v, char *buf, size_t len);
/* Display column where column `c` starts in a line of the layout. */
int vt_col_x(const struct vt_layout *l, enum vm_col c);
/* "0:01:23" */
const char *vt_uptime(double s, char *buf, size_t len);
/* The cost to the targets, for the header: "12.3% of pid 4242's CPU (last
 * 10 s), 123 ms in all" (the costliest process), "calibrating" before the
 * figures mean anything. */
const char *vt_cost(const struct cost_report *r, char *buf, size_t len);
/* One exporter as "OTLP file ok (12)" / "OTLP/HTTP off" / "... 3 errors: why". */
const char *vt_export(const struct export_status *x, int which, char *buf, size_t len);

#endif
