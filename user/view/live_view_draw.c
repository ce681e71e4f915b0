/* Live view panels: header, operations table (with breakdowns), recent
 * errors, recent span trees, help. Called on the view thread only. */
#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "live_view_int.h"

enum { C_RED = 1, C_GREEN, C_YELLOW, C_CYAN };

#define HEADER_LINES 5 /* title, records, export, totals, banner */

void lv_init_colors(struct live_view *v)
{
	v->colors = has_colors();
	if (!v->colors)
		return;
	start_color();
	use_default_colors();
	init_pair(C_RED, COLOR_RED, -1);
	init_pair(C_GREEN, COLOR_GREEN, -1);
	init_pair(C_YELLOW, COLOR_YELLOW, -1);
	init_pair(C_CYAN, COLOR_CYAN, -1);
}

static attr_t color(const struct live_view *v, int pair)
{
	return v->colors ? COLOR_PAIR(pair) : 0;
}

bool lv_match(const struct live_view *v, const char *s)
{
	return !v->filter[0] || strcasestr(s, v->filter);
}

int lv_rows(struct live_view *v, struct vm_row *rows)
{
	int n = 0;

	for (int i = 0; i < v->snap->nrows; i++)
		if (lv_match(v, v->snap->rows[i].name))
			rows[n++] = v->snap->rows[i];
	vm_sort_rows(rows, n, v->sort, v->desc);
	return n;
}

/* Writes `s` at (y, x), cut to the screen width; returns the next x. */
static int out(int y, int x, attr_t a, const char *s)
{
	int w = COLS - x, cps = 0;
	size_t n = 0;

	if (w <= 0 || y < 0 || y >= LINES)
		return x;
	for (; s[n]; n++) {
		if (((unsigned char)s[n] & 0xC0) == 0x80)
			continue;
		if (cps == w)
			break;
		cps++;
	}
	attrset(a);
	mvaddnstr(y, x, s, (int)n);
	attrset(A_NORMAL);
	return x + cps;
}

static int outf(int y, int x, attr_t a, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int outf(int y, int x, attr_t a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return out(y, x, a, buf);
}

/* A full-width bar. */
static void bar(int y, attr_t a)
{
	attrset(a);
	mvhline(y, 0, ' ', COLS);
	attrset(A_NORMAL);
}

static const char *wall_time(uint64_t mono_ns, char *buf, size_t len)
{
	uint64_t unix_ns = clock_to_unix_ns(mono_ns);
	time_t t = (time_t)(unix_ns / 1000000000ULL);
	struct tm tm;
	char hms[16];

	localtime_r(&t, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03u", hms, (unsigned)(unix_ns / 1000000ULL % 1000));
	return buf;
}

static void draw_header(struct live_view *v)
{
	const struct view_status *st = &v->shown;
	const struct vm_row *t = &v->snap->total;
	char up[32], b1[32], b2[32], b3[32], right[96], now[32], ex[200];
	int x;
	time_t wall = time(NULL);
	struct tm tm;

	/* 0: who and how long */
	localtime_r(&wall, &tm);
	strftime(now, sizeof(now), "%H:%M:%S", &tm);
	bar(0, A_REVERSE);
	outf(0, 0, A_REVERSE | A_BOLD, " mcp-bpftrace  %s", st->targets);
	snprintf(right, sizeof(right), "%s%sup %s  %s ", v->paused ? "[PAUSED]  " : "",
		 st->finished ? "[FINISHED]  " : "",
		 vt_uptime((double)(v->snap->now_ns - st->start_ns) / 1e9, up, sizeof(up)), now);
	if (COLS > vt_width(right))
		out(0, COLS - vt_width(right), A_REVERSE | A_BOLD, right);

	/* 1: the tracer's own health: a tracer that loses data says so */
	x = out(1, 0, A_BOLD, "Records ");
	x = outf(1, x, A_NORMAL, "%s/s  total %llu   ", vt_rate(st->records_s, b1, sizeof(b1)),
		 (unsigned long long)st->records);
	x = out(1, x, A_BOLD, "Dropped ");
	x = outf(1, x, st->dropped ? (color(v, C_RED) | A_BOLD | A_REVERSE) : A_NORMAL, "%llu",
		 (unsigned long long)st->dropped);
	x = out(1, x, A_NORMAL, st->dropped ? " (ring buffer full)   " : "   ");
	x = out(1, x, A_BOLD, "Lost ");
	x = outf(1, x, st->lost ? (color(v, C_RED) | A_BOLD) : A_NORMAL, "%llu", (unsigned long long)st->lost);
	x = out(1, x, A_NORMAL, "   ");
	x = out(1, x, A_BOLD, "Attach errors ");
	x = outf(1, x, st->attach_errors ? (color(v, C_RED) | A_BOLD) : A_NORMAL, "%d   ", st->attach_errors);
	/* what the probes cost the traced process, and what the cap took off */
	x = out(1, x, A_BOLD, "Cost ");
	x = out(1, x, A_NORMAL, vt_cost(&st->cost, ex, sizeof(ex)));
	if (st->cost.ndetached)
		outf(1, x, color(v, C_YELLOW) | A_BOLD, "   detached: %s", st->cost.detached);

	/* 2: exporters */
	x = out(2, 0, A_BOLD, "Export  ");
	for (int i = 0; i < EXP_COUNT; i++) {
		const struct export_status *e = &st->exp[i];
		enum export_state es = export_status_state(e);
		attr_t a = es == EXS_OFF ? A_DIM
			 : es == EXS_FAILING ? color(v, C_RED) | A_BOLD
			 : es == EXS_OK ? color(v, C_GREEN) : A_NORMAL;

		if (i)
			x = out(2, x, A_DIM, v->utf8 ? " │ " : " | ");
		x = out(2, x, a, vt_export(e, i, ex, sizeof(ex)));
	}

	/* 3: all operations together, window, sort, filter */
	x = out(3, 0, A_BOLD, "Ops ");
	x = outf(3, x, A_NORMAL, "%s/s  ", vt_rate(t->calls_s, b1, sizeof(b1)));
	x = outf(3, x, t->errors_s > 0 ? color(v, C_RED) : A_NORMAL, "errors %s/s (%.1f%%)",
		 vt_rate(t->errors_s, b2, sizeof(b2)), t->err_pct);
	x = outf(3, x, A_NORMAL, "  active %llu", (unsigned long long)t->active);
	if (t->has_tokens)
		x = outf(3, x, A_NORMAL, "  tokens %s/s  cost $%.4f/s", vt_rate(t->tokens_s, b3, sizeof(b3)),
			 t->cost_s);
	x = outf(3, x, A_DIM, "   window %.0fs   sort ", v->snap->window_s);
	x = outf(3, x, A_BOLD, "%s %s", vt_cols[v->sort].title,
		 v->utf8 ? (v->desc ? "▼" : "▲") : (v->desc ? "v" : "^"));
	if (v->filter[0]) {
		x = out(3, x, A_DIM, "   filter ");
		out(3, x, color(v, C_YELLOW) | A_BOLD, v->filter);
	}

	/* 4: state banner */
	if (st->finished)
		outf(4, 0, color(v, C_YELLOW) | A_BOLD, "Tracing stopped: %s", st->finish_msg);
	else if (v->paused)
		out(4, 0, color(v, C_YELLOW) | A_BOLD, "PAUSED: the figures are frozen; p resumes");
}

/* ---- operations ------------------------------------------------------ */

struct line {
	const struct vm_row *row;
	bool brow, last, note, selected;
	const char *text; /* a binding's probe cost, under its operation */
};

static void draw_row(struct live_view *v, int y, const struct vt_layout *l, const struct line *ln)
{
	char cells[VC_NCOLS][VT_CELL], buf[1024];
	attr_t a = ln->selected ? A_REVERSE | A_BOLD : A_NORMAL;

	if (ln->text) {
		outf(y, 0, A_DIM, "   %s %s", v->utf8 ? "·" : "-", ln->text);
		return;
	}
	if (ln->note) {
		outf(y, 0, A_DIM, "   %s no attribute values yet (this operation has no metric attributes)",
		     v->utf8 ? "└" : "`-");
		return;
	}
	vt_cells(ln->row, v->utf8, cells);
	if (ln->brow)
		snprintf(cells[VC_NAME], VT_CELL, "  %s %s", v->utf8 ? (ln->last ? "└" : "├") : (ln->last ? "`-" : "|-"),
			 ln->row->name);
	vt_line(buf, sizeof(buf), l, cells);
	if (ln->selected)
		bar(y, a);
	out(y, 0, ln->brow ? A_DIM | a : a, buf);
	if (ln->selected || !ln->row->win_errors)
		return;
	/* errors in the window: their cells in red */
	static const enum vm_col red[] = {VC_ERR_RATE, VC_ERR_PCT};

	for (size_t i = 0; i < sizeof(red) / sizeof(red[0]); i++)
		if (l->visible[red[i]])
			mvchgat(y, vt_col_x(l, red[i]), vt_cols[red[i]].width, A_BOLD, C_RED, NULL);
}

static void draw_ops(struct live_view *v, int y0, int y1)
{
	struct vm_row rows[VM_MAX_OPS];
	int n = lv_rows(v, rows), nl = 0, sel_line = 0, avail;
	const struct probe_map *pm = v->p ? v->p->pm : NULL;
	int nb = pm ? (int)pm->n : 0, ntext = 0;
	struct line *lines = calloc((size_t)(n + v->snap->nbrows + VM_MAX_OPS + nb + 1), sizeof(*lines));
	char (*texts)[160] = calloc((size_t)nb + 1, sizeof(*texts));
	struct vt_layout l;
	char buf[1024];

	if (!lines || !texts) {
		free(lines);
		free(texts);
		return;
	}
	if (n && (v->sel_op < 0 || !v->snap->nrows))
		v->sel_op = rows[0].op;
	bool found = false;

	for (int i = 0; i < n; i++)
		found |= rows[i].op == v->sel_op;
	if (n && !found)
		v->sel_op = rows[0].op;
	for (int i = 0; i < n; i++) {
		bool sel = rows[i].op == v->sel_op;

		if (sel)
			sel_line = nl;
		lines[nl++] = (struct line){.row = &rows[i], .selected = sel};
		if (!v->expanded[rows[i].op])
			continue;
		int first = nl;

		for (int b = 0; b < v->snap->nbrows; b++)
			if (v->snap->brows[b].op == rows[i].op)
				lines[nl++] = (struct line){.row = &v->snap->brows[b].row, .brow = true};
		if (nl == first)
			lines[nl++] = (struct line){.note = true};
		else
			lines[nl - 1].last = true;
		/* what each of its bindings costs the targets per call */
		for (int b = 0; b < nb && b < v->shown.cost.nbindings && v->shown.cost.ready; b++) {
			const struct cost_report_binding *cb = &v->shown.cost.bindings[b];
			char d[32];

			if (pm->bindings[b].op != rows[i].op || (!cb->calls && !cb->detached))
				continue;
			snprintf(texts[ntext], sizeof(texts[0]), "probe cost of %s: %s a call, %.1f ms CPU so far%s",
				 pm->bindings[b].symbol ? pm->bindings[b].symbol : pm->bindings[b].usdt_name,
				 vt_duration(cb->ns_per_call / 1e9, v->utf8, d, sizeof(d)), cb->induced_s * 1e3,
				 cb->detached ? " (detached by --max-overhead)" : "");
			lines[nl++] = (struct line){.text = texts[ntext++]};
		}
	}
	int want = 0;

	for (int i = 0; i < nl; i++)
		if (lines[i].row && vt_width(lines[i].row->name) + (lines[i].brow ? 4 : 0) > want)
			want = vt_width(lines[i].row->name) + (lines[i].brow ? 4 : 0);
	vt_layout(&l, COLS, want);
	vt_title(buf, sizeof(buf), &l, v->sort, v->desc, v->utf8);
	bar(y0, A_REVERSE);
	out(y0, 0, A_REVERSE | A_BOLD, buf);
	avail = y1 - y0 - 1;
	if (sel_line < v->top)
		v->top = sel_line;
	/* keep the selected row and, when there is room, its breakdown in view */
	int want_end = sel_line + 1;

	while (want_end < nl && (lines[want_end].brow || lines[want_end].note || lines[want_end].text) && want_end - sel_line < avail)
		want_end++;
	if (want_end > v->top + avail)
		v->top = want_end - avail;
	if (v->top > nl - avail)
		v->top = nl - avail > 0 ? nl - avail : 0;
	for (int i = v->top, y = y0 + 1; i < nl && y < y1; i++, y++)
		draw_row(v, y, &l, &lines[i]);
	if (!n)
		out(y0 + 2, 2, A_DIM, v->filter[0] ? "no operation matches the filter"
						    : "no operation seen yet: waiting for the target's calls");
	free(lines);
	free(texts);
}

/* ---- errors ---------------------------------------------------------- */

static void draw_errors(struct live_view *v, int y0, int y1)
{
	const struct vm_snapshot *s = v->snap;
	char t[32], d[32], dp[32], line[512];
	int shown = 0, y = y0 + 1, skip = v->scroll;

	outf(y0 - 1, 0, color(v, C_CYAN) | A_BOLD,
	     "Recent error spans, newest first (%d kept of %llu seen)  %s  e / Esc: back", s->nerrors,
	     (unsigned long long)s->errors_seen, v->utf8 ? "—" : "-");
	snprintf(line, sizeof(line), "%-12s %9s %-26s %-32s %-36s %s", "TIME", "DURATION", "ERROR.TYPE",
		 "TRACE ID", "SPAN", "ATTRIBUTES");
	bar(y0, A_REVERSE);
	out(y0, 0, A_REVERSE | A_BOLD, line);
	for (int i = 0; i < s->nerrors && y < y1; i++) {
		const struct vm_error *e = &s->errors[i];

		if (!lv_match(v, e->span) && !lv_match(v, e->error_type) &&
		    !lv_match(v, catalog_ops[e->op].name) && !lv_match(v, e->detail))
			continue;
		shown++;
		if (skip > 0) {
			skip--;
			continue;
		}
		vt_duration(e->duration_s, v->utf8, d, sizeof(d));
		snprintf(line, sizeof(line), "%s %s ", wall_time(e->end_ns, t, sizeof(t)), vt_pad(dp, sizeof(dp), d, 9, false));
		int x = out(y, 0, A_NORMAL, line);

		x = outf(y, x, color(v, C_RED) | A_BOLD, "%-26.26s", e->error_type);
		snprintf(line, sizeof(line), " %016llx%016llx %-36.36s %s", e->trace_id[0], e->trace_id[1], e->span,
			 e->detail);
		out(y++, x, A_NORMAL, line);
	}
	if (!shown)
		out(y0 + 2, 2, A_DIM, s->nerrors ? "no error span matches the filter" : "no error span yet");
	if (v->scroll > shown)
		v->scroll = shown;
}

/* ---- span trees ------------------------------------------------------- */

struct tline {
	char text[256];
	attr_t a;
	char err[48];
};

static int tree_lines(struct live_view *v, const struct vm_tree *tr, struct tline *out_, int max)
{
	const struct vm_node *root = &tr->nodes[0];
	char t[32], d1[32], d2[32], d3[32], prefix[128];
	bool last_at[MCP_MAX_DEPTH + 2] = {0};
	int n = 0;

	if (n < max) {
		snprintf(out_[n].text, sizeof(out_[n].text), "%s  trace %016llx%016llx  pid %u  %d span%s%s",
			 wall_time(root->end_ns, t, sizeof(t)), tr->trace_id[0], tr->trace_id[1], tr->pid,
			 tr->nnodes + tr->more, tr->nnodes + tr->more == 1 ? "" : "s",
			 tr->more ? " (some not kept)" : "");
		out_[n].a = color(v, C_CYAN);
		out_[n++].err[0] = 0;
	}
	for (int i = 0; i < tr->nnodes && n < max; i++) {
		const struct vm_node *nd = &tr->nodes[i];
		size_t at = 0;
		int depth = nd->depth > MCP_MAX_DEPTH ? MCP_MAX_DEPTH : nd->depth;

		prefix[0] = 0;
		at += (size_t)snprintf(prefix, sizeof(prefix), "  ");
		for (int d = 1; d < depth && at < sizeof(prefix); d++)
			at += (size_t)snprintf(prefix + at, sizeof(prefix) - at, "%s",
					       last_at[d] ? "   " : v->utf8 ? "│  " : "|  ");
		if (depth > 0 && at < sizeof(prefix))
			snprintf(prefix + at, sizeof(prefix) - at, "%s",
				 v->utf8 ? (nd->last ? "└─ " : "├─ ") : (nd->last ? "`- " : "|- "));
		last_at[depth] = nd->last;
		char name[200];
		int pad;

		char c2[32], c3[32];

		snprintf(name, sizeof(name), "%s%s", prefix, nd->name);
		pad = 56 - vt_width(name);
		d1[0] = 0;
		if (i)
			snprintf(d1, sizeof(d1), "+%s",
				 vt_duration((double)(nd->start_ns - root->start_ns) / 1e9, v->utf8, d2, sizeof(d2)));
		vt_duration((double)(nd->end_ns - nd->start_ns) / 1e9, v->utf8, d3, sizeof(d3));
		snprintf(out_[n].text, sizeof(out_[n].text), "%s%*s %s %s", name, pad > 0 ? pad : 0, "",
			 vt_pad(c2, sizeof(c2), d1, 10, false), vt_pad(c3, sizeof(c3), d3, 9, false));
		out_[n].a = i ? A_NORMAL : A_BOLD;
		snprintf(out_[n++].err, sizeof(out_[0].err), "%s", nd->error ? nd->error_type : "");
	}
	if (n < max) {
		out_[n].text[0] = 0;
		out_[n].a = A_NORMAL;
		out_[n++].err[0] = 0;
	}
	return n;
}

static bool tree_matches(const struct live_view *v, const struct vm_tree *tr)
{
	for (int i = 0; i < tr->nnodes; i++)
		if (lv_match(v, tr->nodes[i].name) || (tr->nodes[i].error && lv_match(v, tr->nodes[i].error_type)))
			return true;
	return false;
}

static void draw_trees(struct live_view *v, int y0, int y1)
{
	const struct vm_snapshot *s = v->snap;
	int max = VM_TREE_RING * (VM_TREE_NODES + 2), n = 0;
	struct tline *lines = malloc((size_t)max * sizeof(*lines));
	char hdr[160];

	if (!lines)
		return;
	outf(y0 - 1, 0, color(v, C_CYAN) | A_BOLD,
	     "Recent span trees, newest first (%d kept of %llu finished traces)  %s  t / Esc: back", s->ntrees,
	     (unsigned long long)s->traces_seen, v->utf8 ? "—" : "-");
	snprintf(hdr, sizeof(hdr), "%-56s %10s %9s  %s", "SPAN (parent → children)", "START", "DURATION", "ERROR");
	if (!v->utf8)
		snprintf(hdr, sizeof(hdr), "%-56s %10s %9s  %s", "SPAN (parent -> children)", "START", "DURATION", "ERROR");
	bar(y0, A_REVERSE);
	out(y0, 0, A_REVERSE | A_BOLD, hdr);
	for (int i = 0; i < s->ntrees && n < max; i++)
		if (tree_matches(v, &s->trees[i]))
			n += tree_lines(v, &s->trees[i], lines + n, max - n);
	if (v->scroll > n - 1)
		v->scroll = n > 0 ? n - 1 : 0;
	for (int i = v->scroll, y = y0 + 1; i < n && y < y1; i++, y++) {
		int x = out(y, 0, lines[i].a, lines[i].text);

		if (lines[i].err[0])
			outf(y, x, color(v, C_RED) | A_BOLD, "  ERROR %s", lines[i].err);
	}
	if (!n)
		out(y0 + 2, 2, A_DIM, s->ntrees ? "no span tree matches the filter" : "no finished root span yet");
	free(lines);
}

/* ---- help and footer --------------------------------------------------- */

static const char *const help_text[] = {
	"mcp-bpftrace live view: one row per MCP operation seen",
	"",
	"CALLS/s ERR/s ERR%  P50 P95 P99   over the last 10 s (sliding window)",
	"ACTIVE  calls in progress (operations with an up-down counter)",
	"CALLS ERRORS        totals since the tracer started",
	"TOKENS/s COST/s     model calls, counted once (model_inference, llm_*)",
	"TTFT                median time to first chunk of streamed LLM calls",
	"",
	"  < >  or , .     sort by the previous / next column",
	"  r               reverse the sort order",
	"  Up Down j k     select an operation (PgUp PgDn Home End)",
	"  Enter  Right    expand / collapse: breakdown by attribute value",
	"  Left   x        collapse the selected row / every row",
	"  e               recent error spans (error type, trace id)",
	"  t               recent span trees (parent -> children)",
	"  p  Space        pause / resume (the figures freeze)",
	"  /               filter rows by substring (Enter keeps, Esc undoes)",
	"  Esc             back to the table; clears the filter",
	"  q               quit: detach and print the summary",
	"  h  ?            this help (any key closes it)",
};

static void draw_help(void)
{
	int n = (int)(sizeof(help_text) / sizeof(help_text[0])), w = 74, h = n + 2;
	int y = (LINES - h) / 2, x = (COLS - w) / 2;

	if (y < 0 || x < 0)
		y = x = 0;
	WINDOW *win = newwin(h < LINES ? h : LINES, w < COLS ? w : COLS, y, x);

	if (!win)
		return;
	werase(win);
	box(win, 0, 0);
	for (int i = 0; i < n && i + 1 < getmaxy(win) - 1; i++)
		mvwaddnstr(win, i + 1, 2, help_text[i], getmaxx(win) - 4);
	wnoutrefresh(win);
	delwin(win);
}

static void draw_footer(struct live_view *v)
{
	int y = LINES - 1;

	if (v->shown.capture_lines && LINES > HEADER_LINES + 4)
		outf(y - 1, 0, A_DIM, "output held until exit (%llu line%s): %s",
		     (unsigned long long)v->shown.capture_lines, v->shown.capture_lines == 1 ? "" : "s",
		     v->shown.capture_last);
	if (v->editing) {
		int x = outf(y, 0, A_BOLD, "filter: %s", v->edit);

		out(y, x, A_REVERSE, " ");
		outf(y, x + 2, A_DIM, "(Enter keeps, Esc undoes)");
		return;
	}
	if (v->msg[0]) {
		out(y, 0, color(v, C_YELLOW) | A_BOLD, v->msg);
		return;
	}
	bar(y, A_REVERSE);
	out(y, 0, A_REVERSE,
	    v->utf8 ? " q quit  h help  </> sort  r reverse  ↑↓ select  ⏎ expand  e errors  t traces  p pause  / filter"
		    : " q quit  h help  </> sort  r reverse  up/down select  Enter expand  e errors  t traces  p pause  / filter");
}

void lv_draw(struct live_view *v)
{
	int y0 = HEADER_LINES, y1 = LINES - 1;

	erase();
	if (LINES < HEADER_LINES + 4 || COLS < 40) {
		out(0, 0, A_BOLD, "terminal too small for mcp-bpftrace");
		refresh();
		return;
	}
	draw_header(v);
	if (v->shown.capture_lines)
		y1--;
	switch (v->panel) {
	case LV_OPS:
		draw_ops(v, y0, y1);
		break;
	case LV_ERRORS:
		draw_errors(v, y0 + 1, y1);
		break;
	case LV_TREES:
		draw_trees(v, y0 + 1, y1);
		break;
	}
	draw_footer(v);
	wnoutrefresh(stdscr);
	if (v->help)
		draw_help();
	doupdate();
}
