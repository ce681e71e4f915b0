/* Table text for the live view and the text mode (view_table.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "view_table.h"

#define NAME_MIN 20
#define NAME_MAX 48

const struct vt_col vt_cols[VC_NCOLS] = {
	[VC_NAME] = {"OPERATION", NAME_MIN, 0},
	[VC_RATE] = {"CALLS/s", 9, 1},
	[VC_ERR_RATE] = {"ERR/s", 8, 9},
	[VC_ERR_PCT] = {"ERR%", 7, 2},
	[VC_ACTIVE] = {"ACTIVE", 8, 7},
	[VC_P50] = {"P50", 8, 3},
	[VC_P95] = {"P95", 8, 8},
	[VC_P99] = {"P99", 8, 4},
	[VC_CALLS] = {"CALLS", 10, 5},
	[VC_ERRORS] = {"ERRORS", 8, 6},
	[VC_TOKENS] = {"TOKENS/s", 10, 10},
	[VC_COST] = {"COST/s", 10, 11},
	[VC_TTFT] = {"TTFT", 8, 12}, /* median; one word: screen readers split titles on blanks */
};

int vt_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

const char *vt_duration(double s, bool utf8, char *buf, size_t len)
{
	const char *us = utf8 ? "µs" : "us";

	if (isnan(s))
		snprintf(buf, len, "-");
	else if (s < 1e-6)
		snprintf(buf, len, "%.0fns", s * 1e9);
	else if (s < 1e-4)
		snprintf(buf, len, "%.1f%s", s * 1e6, us);
	else if (s < 1e-3)
		snprintf(buf, len, "%.0f%s", s * 1e6, us);
	else if (s < 1e-2)
		snprintf(buf, len, "%.2fms", s * 1e3);
	else if (s < 1e-1)
		snprintf(buf, len, "%.1fms", s * 1e3);
	else if (s < 1)
		snprintf(buf, len, "%.0fms", s * 1e3);
	else if (s < 100)
		snprintf(buf, len, "%.2fs", s);
	else
		snprintf(buf, len, "%.0fs", s);
	return buf;
}

const char *vt_rate(double v, char *buf, size_t len)
{
	if (v == 0)
		snprintf(buf, len, "0");
	else if (v < 10)
		snprintf(buf, len, "%.2f", v);
	else if (v < 100000)
		snprintf(buf, len, "%.1f", v);
	else
		vt_count(v, buf, len);
	return buf;
}

const char *vt_count(double v, char *buf, size_t len)
{
	if (v < 10000)
		snprintf(buf, len, "%.0f", v);
	else if (v < 1e6)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else if (v < 1e9)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else
		snprintf(buf, len, "%.2fG", v / 1e9);
	return buf;
}

static const char *money(double v, char *buf, size_t len)
{
	if (v == 0)
		snprintf(buf, len, "$0");
	else if (v < 10)
		snprintf(buf, len, "$%.4f", v);
	else
		snprintf(buf, len, "$%.2f", v);
	return buf;
}

void vt_cells(const struct vm_row *r, bool utf8, char cells[VC_NCOLS][VT_CELL])
{
	bool lat = !r->point;

	snprintf(cells[VC_NAME], VT_CELL, "%s", r->name);
	vt_rate(r->calls_s, cells[VC_RATE], VT_CELL);
	vt_rate(r->errors_s, cells[VC_ERR_RATE], VT_CELL);
	if (r->win_calls)
		snprintf(cells[VC_ERR_PCT], VT_CELL, "%.1f%%", r->err_pct);
	else
		snprintf(cells[VC_ERR_PCT], VT_CELL, "-");
	if (r->has_active)
		snprintf(cells[VC_ACTIVE], VT_CELL, "%llu", (unsigned long long)r->active);
	else
		snprintf(cells[VC_ACTIVE], VT_CELL, "-");
	vt_duration(lat ? r->p50 : NAN, utf8, cells[VC_P50], VT_CELL);
	vt_duration(lat ? r->p95 : NAN, utf8, cells[VC_P95], VT_CELL);
	vt_duration(lat ? r->p99 : NAN, utf8, cells[VC_P99], VT_CELL);
	snprintf(cells[VC_CALLS], VT_CELL, "%llu", (unsigned long long)r->calls);
	snprintf(cells[VC_ERRORS], VT_CELL, "%llu", (unsigned long long)r->errors);
	if (r->has_tokens) {
		vt_rate(r->tokens_s, cells[VC_TOKENS], VT_CELL);
		money(r->cost_s, cells[VC_COST], VT_CELL);
	} else {
		snprintf(cells[VC_TOKENS], VT_CELL, "-");
		snprintf(cells[VC_COST], VT_CELL, "-");
	}
	vt_duration(r->has_ttft ? r->ttft_p50 : NAN, utf8, cells[VC_TTFT], VT_CELL);
}

/* Columns by priority that fit next to a name column `name_w` wide. */
static int fit(struct vt_layout *l, int width, int name_w)
{
	int used = name_w;

	memset(l->visible, 0, sizeof(l->visible));
	l->visible[VC_NAME] = true;
	for (int prio = 1; prio < VC_NCOLS; prio++)
		for (int c = 1; c < VC_NCOLS; c++)
			if (vt_cols[c].priority == prio &&
			    (width <= 0 || used + 1 + vt_cols[c].width <= width)) {
				l->visible[c] = true;
				used += 1 + vt_cols[c].width;
			}
	return used;
}

void vt_layout(struct vt_layout *l, int width, int want_name)
{
	int name = want_name < NAME_MIN ? NAME_MIN : want_name > NAME_MAX ? NAME_MAX : want_name;
	int used;

	memset(l, 0, sizeof(*l));
	/* The names shown get their width unless a core column would go. */
	used = fit(l, width, name);
	for (int c = 1; c < VC_NCOLS; c++)
		if (vt_cols[c].priority <= VT_CORE && !l->visible[c]) {
			name = NAME_MIN;
			used = fit(l, width, name);
			break;
		}
	if (width > used) /* room to spare: longer names */
		name += width - used < NAME_MAX - name ? width - used : NAME_MAX - name;
	else if (width <= 0 && name < 28)
		name = 28;
	l->name_w = name;
	l->width = 0;
	for (int c = 0; c < VC_NCOLS; c++)
		if (l->visible[c])
			l->width += (c == VC_NAME ? name : vt_cols[c].width) + (c ? 1 : 0);
}

/* Appends `s` padded to `w` display columns (left or right aligned),
 * cutting it when longer. */
static size_t put(char *buf, size_t len, size_t at, const char *s, int w, bool left)
{
	int sw = vt_width(s);
	size_t n = strlen(s);

	if (sw > w) { /* cut at w code points */
		int cps = 0;

		for (n = 0; s[n]; n++) {
			if (((unsigned char)s[n] & 0xC0) == 0x80)
				continue;
			if (cps == w)
				break;
			cps++;
		}
		sw = w;
	}
	if (!left)
		for (int i = sw; i < w && at + 1 < len; i++)
			buf[at++] = ' ';
	for (size_t i = 0; i < n && at + 1 < len; i++)
		buf[at++] = s[i];
	if (left)
		for (int i = sw; i < w && at + 1 < len; i++)
			buf[at++] = ' ';
	buf[at] = 0;
	return at;
}

void vt_line(char *buf, size_t len, const struct vt_layout *l, char cells[VC_NCOLS][VT_CELL])
{
	size_t at = 0;

	if (!len)
		return;
	buf[0] = 0;
	for (int c = 0; c < VC_NCOLS; c++) {
		if (!l->visible[c])
			continue;
		if (c)
			at = put(buf, len, at, " ", 1, true);
		at = put(buf, len, at, cells[c], c == VC_NAME ? l->name_w : vt_cols[c].width, c == VC_NAME);
	}
}

void vt_title(char *buf, size_t len, const struct vt_layout *l, enum vm_col sort, bool desc, bool utf8)
{
	char cells[VC_NCOLS][VT_CELL];

	for (int c = 0; c < VC_NCOLS; c++)
		snprintf(cells[c], VT_CELL, "%s%s", vt_cols[c].title,
			 c != (int)sort ? "" : utf8 ? (desc ? " ▼" : " ▲") : (desc ? " v" : " ^"));
	vt_line(buf, len, l, cells);
}

int vt_col_x(const struct vt_layout *l, enum vm_col col)
{
	int x = 0;

	for (int c = 0; c < (int)col; c++)
		if (l->visible[c])
			x += (c == VC_NAME ? l->name_w : vt_cols[c].width) + 1;
	return x;
}

const char *vt_uptime(double s, char *buf, size_t len)
{
	unsigned long t = s > 0 ? (unsigned long)s : 0;

	snprintf(buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	return buf;
}

const char *vt_export(const struct export_status *x, int which, char *buf, size_t len)
{
	return export_status_text(x, (enum exporter_id)which, buf, len); /* one wording everywhere */
}

const char *vt_pad(char *out, size_t len, const char *s, int w, bool left)
{
	if (len)
		out[0] = 0;
	put(out, len, 0, s, w, left);
	return out;
}

const char *vt_cost(const struct cost_report *r, char *buf, size_t len)
{
	const struct cost_report_proc *p = &r->procs[0];
	double pct = !isnan(p->recent_pct) ? p->recent_pct : p->pct;
	size_t n;

	if (!r->ready) {
		snprintf(buf, len, r->why[0] ? "unknown (%s)" : "calibrating", r->why);
		return buf;
	}
	if (!r->nprocs) {
		snprintf(buf, len, "no probe hit yet");
		return buf;
	}
	if (isnan(pct))
		n = (size_t)snprintf(buf, len, "pid %d: %.1f ms CPU", (int)p->pid, p->induced_s * 1e3);
	else
		n = (size_t)snprintf(buf, len, "%.1f%% of pid %d's CPU%s, %.1f ms in all", pct, (int)p->pid,
				     isnan(p->recent_pct) ? "" : " (last 10 s)", r->total_s * 1e3);
	if (n < len && r->nprocs_total > 1)
		n += (size_t)snprintf(buf + n, len - n, " (%d processes)", r->nprocs_total);
	if (n < len && r->max_pct > 0)
		snprintf(buf + n, len - n, "   cap %g%%", r->max_pct);
	return buf;
}
