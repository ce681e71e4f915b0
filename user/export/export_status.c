/* The export status board (export_status.h). */
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

void export_status_signals(enum exporter_id x, bool traces, bool metrics)
{
	if (!valid(x))
		return;
	pthread_mutex_lock(&lock);
	board[x].signals[EXP_TRACES] = traces;
	board[x].signals[EXP_METRICS] = metrics;
	pthread_mutex_unlock(&lock);
}

void export_status_ok(enum exporter_id x)
{
	if (!valid(x))
		return;
	pthread_mutex_lock(&lock);
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
	board[x].errors++;
	board[x].last_error_ns = clock_mono_ns();
	va_start(ap, fmt);
	vsnprintf(board[x].last_error, sizeof(board[x].last_error), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&lock);
}

void export_status_failed(enum exporter_id x, enum export_signal sig)
{
	if (!valid(x) || (unsigned)sig >= EXP_NSIGNALS)
		return;
	pthread_mutex_lock(&lock);
	board[x].failed[sig]++;
	pthread_mutex_unlock(&lock);
}

void export_status_dropped(enum exporter_id x, uint64_t n)
{
	if (!valid(x))
		return;
	pthread_mutex_lock(&lock);
	board[x].spans_dropped += n;
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
	if (errors > board[x].errors)
		board[x].last_error_ns = now;
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

void export_status_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(board, 0, sizeof(board));
	pthread_mutex_unlock(&lock);
}

enum export_state export_status_state(const struct export_status *s)
{
	if (!s->configured)
		return EXS_OFF;
	if (s->errors && s->last_error_ns >= s->last_ok_ns)
		return EXS_FAILING;
	return s->ok ? EXS_OK : EXS_WAITING;
}

const char *export_status_name(enum exporter_id x)
{
	static const char *const names[EXP_COUNT] = {"OTLP file", "OTLP/HTTP", "Prometheus"};

	return valid(x) ? names[x] : "?";
}

const char *export_status_text(const struct export_status *s, enum exporter_id x, char *buf, size_t len)
{
	const char *name = export_status_name(x);
	unsigned long long ok = s->ok, errors = s->errors;

	switch (export_status_state(s)) {
	case EXS_OFF:
		snprintf(buf, len, "%s off", name);
		break;
	case EXS_WAITING:
		snprintf(buf, len, "%s waiting", name);
		break;
	case EXS_FAILING:
		snprintf(buf, len, "%s %llu error%s: %s", name, errors, errors == 1 ? "" : "s",
			 s->last_error[0] ? s->last_error : "?");
		break;
	case EXS_OK:
		if (errors)
			snprintf(buf, len, "%s ok (%llu, %llu failed)", name, ok, errors);
		else
			snprintf(buf, len, "%s ok (%llu)", name, ok);
		break;
	}
	return buf;
}
