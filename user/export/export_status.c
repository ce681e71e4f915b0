/* Export status board (export_status.h). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "export_status.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct export_status board[EXP_COUNT];

static bool valid(enum exporter_id x)
{
	return (unsigned)x < EXP_COUNT;
}

void export_status_configure(enum exporter_id x, const char *target)
{
	if (!valid(x))
		return;
	pthread_mutex_lock(&lock);
	board[x].configured = true;
	snprintf(board[x].target, sizeof(board[x].target), "%s", target ? target : "");
	pthread_mutex_unlock(&lock);
}

void export_status_ok(enum exporter_id x)
{
	if (!valid(x))
		return;
	pthread_mutex_lock(&lock);
	board[x].configured = true;
	board[x].ok++;
	board[x].last_ok_ns = clock_mono_ns();
	pthread_mutex_unlock(&lock);
}

void export_status_error(enum exporter_id x, const char *fmt, ...)
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

void export_status_totals(enum exporter_id x, uint64_t ok, uint64_t errors)
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

void export_status_get(struct export_status out[EXP_COUNT])
{
	pthread_mutex_lock(&lock);
	memcpy(out, board, sizeof(board));
	pthread_mutex_unlock(&lock);
}

const char *export_status_name(enum exporter_id x)
{
	static const char *const names[EXP_COUNT] = {"OTLP file", "OTLP/HTTP", "Prometheus"};

	return valid(x) ? names[x] : "?";
}
