/* Live view: lifecycle, the view thread and its keys (live_view.h).
 * Drawing is in live_view_draw.c. */
#include <curses.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "live_view_int.h"
#include "top_text.h"

static void targets_text(char *buf, size_t len, const struct target *t, int nt)
{
	size_t at = 0;

	buf[0] = 0;
	for (int i = 0; i < nt && at < len; i++) {
		int w;

		if (i == 3) {
			snprintf(buf + at, len - at, " +%d more", nt - 3);
			return;
		}
		w = snprintf(buf + at, len - at, "%s%s[%d]%s%.12s", i ? ", " : "",
			     t[i].comm[0] ? t[i].comm : t[i].exe_name, (int)t[i].pid,
			     t[i].container_id[0] ? " container " : "", t[i].container_id);
		if (w > 0)
			at += (size_t)w;
	}
}

struct live_view *live_view_new(const struct config *cfg, char *err, size_t errlen)
{
	enum top_mode m = cfg->top;
	bool otlp_stdout = cfg->otlp_file && !strcmp(cfg->otlp_file, "-");
	struct live_view *v;

	err[0] = 0;
	if (m == TOP_OFF || (m == TOP_AUTO && (!isatty(1) || otlp_stdout)))
		return NULL;
	if (m == TOP_AUTO)
		m = TOP_TUI;
	if (m == TOP_TUI && !isatty(1)) {
		snprintf(err, errlen, "--top: standard output is not a terminal (--top=text prints the table as text)");
		return NULL;
	}
	if (otlp_stdout) {
		snprintf(err, errlen, "--top%s and --otlp-file - both want standard output", m == TOP_TEXT ? "=text" : "");
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->mode = m;
	v->refresh_s = cfg->refresh_s > 0 ? cfg->refresh_s : 1;
	v->linger = cfg->linger;
	v->sort = VC_RATE;
	v->desc = true;
	v->sel_op = -1;
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->cond, NULL);
	if (m == TOP_TUI) {
		/* Only the character type: numbers in exported JSON and
		 * Prometheus text must keep their '.' decimal point. */
		setlocale(LC_CTYPE, "");
		v->utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
		if (output_capture_begin(&v->oc, err, errlen)) {
			fprintf(stderr, "mcp-bpftrace: %s; continuing without it\n", err);
			err[0] = 0;
			live_view_free(v);
			return NULL;
		}
	}
	return v;
}

static void read_active(struct live_view *v, uint64_t active[VM_MAX_OPS])
{
	memset(active, 0, VM_MAX_OPS * sizeof(*active));
	pthread_mutex_lock(&v->p->stats_lock);
	for (int i = 0; i < v->p->stats.n; i++) {
		int op = v->p->stats.v[i].b->op;

		if (op >= 0 && op < VM_MAX_OPS)
			active[op] += v->p->stats.v[i].active;
	}
	pthread_mutex_unlock(&v->p->stats_lock);
}

/* View thread: a new snapshot and the status that goes with it. */
static void take_snapshot(struct live_view *v)
{
	uint64_t active[VM_MAX_OPS], now;

	pthread_mutex_lock(&v->lock);
	v->shown = v->status;
	v->refresh_now = false;
	pthread_mutex_unlock(&v->lock);
	/* Once tracing stopped, the window stays where the data ended. */
	now = v->shown.finished ? v->shown.finished_ns : clock_mono_ns();
	if (v->sources && !v->shown.finished) {
		uint64_t bpf[MCP_STAT_MAX];

		sources_read_stats(v->sources, bpf);
		health_split(bpf, &v->shown.dropped, &v->shown.lost);
	}
	read_active(v, active);
	vm_snapshot_take(v->vm, v->snap, now, active);
	export_status_get(v->shown.exp);
	if (v->mode == TOP_TUI)
		output_capture_last(&v->oc, v->shown.capture_last, sizeof(v->shown.capture_last),
				    &v->shown.capture_lines);
	v->shown.now_ns = now;
	if (v->shown.finished && now > v->shown.start_ns) /* the run's average */
		v->shown.records_s = (double)v->shown.records / ((double)(now - v->shown.start_ns) / 1e9);
	else if (now > v->prev_ns && v->shown.records >= v->prev_records)
		v->shown.records_s = (double)(v->shown.records - v->prev_records) / ((double)(now - v->prev_ns) / 1e9);
	v->prev_records = v->shown.records;
	v->prev_ns = now;
}

static bool should_stop(struct live_view *v, bool *refresh_now)
{
	bool stop;

	pthread_mutex_lock(&v->lock);
	stop = v->stop;
	*refresh_now = v->refresh_now;
	pthread_mutex_unlock(&v->lock);
	return stop;
}

static void *text_main(void *arg)
{
	struct live_view *v = arg;

	pthread_mutex_lock(&v->lock);
	while (!v->stop) {
		struct timespec until;
		uint64_t ns;

		clock_gettime(CLOCK_REALTIME, &until);
		ns = (uint64_t)until.tv_nsec + (uint64_t)(v->refresh_s * 1e9);
		until.tv_sec += (time_t)(ns / 1000000000ULL);
		until.tv_nsec = (long)(ns % 1000000000ULL);
		while (!v->stop && pthread_cond_timedwait(&v->cond, &v->lock, &until) == 0)
			;
		if (v->stop)
			break;
		pthread_mutex_unlock(&v->lock);
		take_snapshot(v);
		top_text_print(stdout, v->snap, &v->shown, v->sort, v->desc);
		pthread_mutex_lock(&v->lock);
	}
	pthread_mutex_unlock(&v->lock);
	return NULL;
}

static void say(struct live_view *v, const char *msg)
{
	snprintf(v->msg, sizeof(v->msg), "%s", msg);
	v->msg_until = clock_mono_ns() + 3000000000ULL;
}

/* Moves the selection by `d` rows of the (sorted, filtered) table. */
static void move_sel(struct live_view *v, int d)
{
	struct vm_row rows[VM_MAX_OPS];
	int n = lv_rows(v, rows), i = 0;

	if (!n)
		return;
	while (i < n && rows[i].op != v->sel_op)
		i++;
	if (i == n)
		i = 0;
	i += d;
	i = i < 0 ? 0 : i >= n ? n - 1 : i;
	v->sel_op = rows[i].op;
}

static void edit_key(struct live_view *v, int ch)
{
	size_t n = strlen(v->edit);

	if (ch == 27) { /* Esc: keep the old filter */
		v->editing = false;
		return;
	}
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		v->editing = false;
		snprintf(v->filter, sizeof(v->filter), "%s", v->edit);
		v->top = v->scroll = 0;
		return;
	}
	if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n)
		v->edit[n - 1] = 0;
	else if (ch >= ' ' && ch < 127 && n + 1 < sizeof(v->edit))
		v->edit[n] = (char)ch, v->edit[n + 1] = 0;
	/* The table follows the filter as it is typed. */
	snprintf(v->filter, sizeof(v->filter), "%s", v->edit);
}

/* Returns false on q. */
static bool key(struct live_view *v, int ch)
{
	int page = LINES > 10 ? LINES - 8 : 1;

	if (v->editing) {
		edit_key(v, ch);
		return true;
	}
	if (v->help && ch != KEY_RESIZE && ch != 'q') {
		v->help = false;
		return true;
	}
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case 'h':
	case '?':
	case KEY_F(1):
		v->help = true;
		break;
	case '<':
	case ',':
		v->sort = (enum vm_col)((v->sort + VC_NCOLS - 1) % VC_NCOLS);
		v->desc = vm_col_default_desc(v->sort);
		break;
	case '>':
	case '.':
		v->sort = (enum vm_col)((v->sort + 1) % VC_NCOLS);
		v->desc = vm_col_default_desc(v->sort);
		break;
	case 'r':
		v->desc = !v->desc;
		break;
	case 'p':
	case ' ':
		v->paused = !v->paused;
		say(v, v->paused ? "paused: figures frozen, p resumes" : "resumed");
		break;
	case '/':
		v->editing = true;
		snprintf(v->edit, sizeof(v->edit), "%s", v->filter);
		break;
	case 'e':
		v->panel = v->panel == LV_ERRORS ? LV_OPS : LV_ERRORS;
		v->scroll = 0;
		break;
	case 't':
		v->panel = v->panel == LV_TREES ? LV_OPS : LV_TREES;
		v->scroll = 0;
		break;
	case 27: /* Esc */
		if (v->panel != LV_OPS)
			v->panel = LV_OPS;
		else if (v->filter[0])
			v->filter[0] = 0;
		break;
	case KEY_UP:
	case 'k':
		if (v->panel == LV_OPS)
			move_sel(v, -1);
		else if (v->scroll > 0)
			v->scroll--;
		break;
	case KEY_DOWN:
	case 'j':
		if (v->panel == LV_OPS)
			move_sel(v, 1);
		else
			v->scroll++;
		break;
	case KEY_PPAGE:
		if (v->panel == LV_OPS)
			move_sel(v, -page);
		else
			v->scroll = v->scroll > page ? v->scroll - page : 0;
		break;
	case KEY_NPAGE:
		if (v->panel == LV_OPS)
			move_sel(v, page);
		else
			v->scroll += page;
		break;
	case KEY_HOME:
	case 'g':
		if (v->panel == LV_OPS)
			move_sel(v, -VM_MAX_OPS);
		v->scroll = 0;
		break;
	case KEY_END:
	case 'G':
		if (v->panel == LV_OPS)
			move_sel(v, VM_MAX_OPS);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
	case KEY_RIGHT:
	case 'l':
	case KEY_LEFT:
		if (v->panel != LV_OPS)
			break;
		move_sel(v, 0); /* make the selection concrete */
		if (v->sel_op >= 0 && v->sel_op < VM_MAX_OPS) {
			bool *x = &v->expanded[v->sel_op];

			*x = ch == KEY_LEFT ? false : ch == KEY_RIGHT || ch == 'l' ? true : !*x;
		}
		break;
	case 'x': /* collapse everything */
		memset(v->expanded, 0, sizeof(v->expanded));
		break;
	case 12: /* ^L */
		clearok(curscr, TRUE);
		break;
	case KEY_RESIZE:
		break;
	default:
		break;
	}
	return true;
}

static void *tui_main(void *arg)
{
	struct live_view *v = arg;
	FILE *in = fdopen(fcntl(v->oc.tty_in, F_DUPFD_CLOEXEC, 3), "r");
	FILE *out = fdopen(fcntl(v->oc.tty_out, F_DUPFD_CLOEXEC, 3), "w");
	SCREEN *scr = in && out ? newterm(NULL, out, in) : NULL;
	uint64_t next = 0;
	bool quit = false;

	pthread_mutex_lock(&v->lock);
	v->ready = true;
	v->failed = !scr;
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
	if (!scr)
		goto out;
	set_term(scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	timeout(100);
	lv_init_colors(v);
	take_snapshot(v);
	next = clock_mono_ns() + (uint64_t)(v->refresh_s * 1e9);
	lv_draw(v);
	for (;;) {
		bool refresh_now, dirty = false;
		int ch = getch();

		if (should_stop(v, &refresh_now))
			break;
		if (ch != ERR) {
			if (!key(v, ch)) {
				quit = true;
				break;
			}
			dirty = true;
		}
		uint64_t now = clock_mono_ns();

		if (!v->paused && (refresh_now || (now >= next && !v->shown.finished))) {
			take_snapshot(v);
			next = now + (uint64_t)(v->refresh_s * 1e9);
			dirty = true;
		}
		if (v->msg[0] && now > v->msg_until) {
			v->msg[0] = 0;
			dirty = true;
		}
		if (dirty)
			lv_draw(v);
	}
	endwin();
	delscreen(scr);
out:
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	if (quit) {
		pthread_mutex_lock(&v->lock);
		v->quit = true;
		pthread_mutex_unlock(&v->lock);
		*v->exit_flag = 1;
	}
	return NULL;
}

void live_view_start(struct live_view *v, struct pipeline *p, struct source_set *sources,
		     const struct target *t, int nt, volatile sig_atomic_t *exit_flag)
{
	if (!v)
		return;
	v->p = p;
	v->sources = sources;
	v->exit_flag = exit_flag;
	v->status.start_ns = clock_mono_ns();
	v->prev_ns = v->status.start_ns;
	targets_text(v->status.targets, sizeof(v->status.targets), t, nt);
	v->vm = vm_new(VM_WINDOW_S, v->status.start_ns);
	v->snap = vm_snapshot_new();
	if (!v->vm || !v->snap ||
	    pthread_create(&v->thread, NULL, v->mode == TOP_TUI ? tui_main : text_main, v)) {
		fprintf(stderr, "mcp-bpftrace: cannot start the live view; continuing without it\n");
		v->mode = TOP_OFF;
		return;
	}
	v->running = true;
	if (v->mode == TOP_TUI) {
		bool failed;

		pthread_mutex_lock(&v->lock);
		while (!v->ready)
			pthread_cond_wait(&v->cond, &v->lock);
		failed = v->failed;
		pthread_mutex_unlock(&v->lock);
		if (failed) {
			pthread_join(v->thread, NULL);
			v->running = false;
			output_capture_end(&v->oc);
			fprintf(stderr, "mcp-bpftrace: the live view cannot use this terminal (TERM=%s); "
				"continuing without it\n", getenv("TERM") ? getenv("TERM") : "");
			v->mode = TOP_OFF;
			return;
		}
	}
	span_builder_add_sink(p->sb, vm_span_sink, v->vm);
	p->on_call = vm_call_hook;
	p->on_call_ctx = v->vm;
}

void live_view_publish(struct live_view *v, const struct health_counts *h)
{
	uint64_t dropped, lost;

	if (!v || v->mode == TOP_OFF)
		return;
	health_split(h->bpf, &dropped, &lost);
	pthread_mutex_lock(&v->lock);
	v->status.records = h->records;
	v->status.dropped = dropped;
	v->status.lost = lost;
	v->status.attach_errors = h->attach_errors;
	pthread_mutex_unlock(&v->lock);
}

void live_view_publish_cost(struct live_view *v, const struct cost_report *r)
{
	if (!v || v->mode == TOP_OFF)
		return;
	pthread_mutex_lock(&v->lock);
	v->status.cost = *r;
	pthread_mutex_unlock(&v->lock);
}

bool live_view_finish(struct live_view *v, const struct health_counts *h, const char *why)
{
	bool linger;

	if (!v || v->mode == TOP_OFF)
		return false;
	live_view_publish(v, h);
	linger = v->mode == TOP_TUI && v->linger && v->running && !*v->exit_flag;
	pthread_mutex_lock(&v->lock);
	v->status.finished = true;
	v->status.finished_ns = clock_mono_ns();
	snprintf(v->status.finish_msg, sizeof(v->status.finish_msg), "%s%s", why ? why : "tracing stopped",
		 linger ? "; probes detached, final figures (q quits)" : "");
	v->refresh_now = true;
	pthread_mutex_unlock(&v->lock);
	return linger;
}

void live_view_wait(struct live_view *v)
{
	if (!v || !v->running)
		return;
	while (!*v->exit_flag) {
		bool quit;

		pthread_mutex_lock(&v->lock);
		quit = v->quit;
		pthread_mutex_unlock(&v->lock);
		if (quit)
			break;
		usleep(50 * 1000);
	}
}

void live_view_close(struct live_view *v)
{
	if (!v)
		return;
	if (v->running) {
		pthread_mutex_lock(&v->lock);
		v->stop = true;
		pthread_cond_broadcast(&v->cond);
		pthread_mutex_unlock(&v->lock);
		pthread_join(v->thread, NULL);
		v->running = false;
		if (v->mode == TOP_TEXT) { /* the final figures, once more */
			take_snapshot(v);
			top_text_print(stdout, v->snap, &v->shown, v->sort, v->desc);
		}
	}
	if (v->p && v->p->on_call_ctx == v->vm)
		v->p->on_call = NULL; /* the span sink stays: it is harmless until free */
	output_capture_end(&v->oc);
}

void live_view_free(struct live_view *v)
{
	if (!v)
		return;
	live_view_close(v);
	vm_snapshot_free(v->snap);
	vm_free(v->vm);
	pthread_cond_destroy(&v->cond);
	pthread_mutex_destroy(&v->lock);
	free(v);
}
