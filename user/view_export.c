/* Export status board (view_export.h). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "view_export.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct view_export_status board[VX_COUNT];

static bool valid(enum view_exporter x)
{
	return (unsigned)x < VX_COUNT;
}

void view_export_configure(enum view_exporter x, const char *target)
{
	if (!valid(x))
		return;
	pthread_mutex_lock(&lock);
	board[x].configured = true;
	snprintf(board[x].target, sizeof(board[x].target), "%s", target ? target : "");
	pthread_mutex_unlock(&lock);
}

void view_export_ok(enum view_exporter x)
{
	if (!valid(x))
		return;
	pthread_mutex_lock(&lock);
	board[x].configured = true;
	board[x].ok++;
	board[x].last_ok_ns = clock_mono_ns();
	pthread_mutex_unlock(&lock);
}

void view_export_error(enum view_exporter x, const char *fmt, ...)
{
	va_list ap;

	if (!valid(x))
		return;
	pthread_mutex_lock(&lock);
	board[x].configured = true;
	board[x].errors++;
	board[x].last_error_ns = clock_mono_ns();
	va_start(ap, fmt);
	vsnprintf(board[x].last_error, sizeof(board[x].last_error), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&lock);
}

void view_export_totals(enum view_exporter x, uint64_t ok, uint64_t errors)
{
	if (!valid(x))
		return;
	pthread_mutex_lock(&lock);
	uint64_t now = clock_mono_ns();

	board[x].configured = true;
	if (ok > board[x].ok)
		board[x].last_ok_ns = now;
	if (errors > board[x].errors) {
		board[x].last_error_ns = now;
		if (!board[x].last_error[0])
			snprintf(board[x].last_error, sizeof(board[x].last_error), "write failed");
	}
	board[x].ok = ok;
	board[x].errors = errors;
	pthread_mutex_unlock(&lock);
}

void view_export_get(struct view_export_status out[VX_COUNT])
{
	pthread_mutex_lock(&lock);
	memcpy(out, board, sizeof(board));
	pthread_mutex_unlock(&lock);
}

const char *view_export_name(enum view_exporter x)
{
	static const char *const names[VX_COUNT] = {"OTLP file", "OTLP/HTTP", "Prometheus"};

	return valid(x) ? names[x] : "?";
}
