/* Calls left queued in a target by runs that timed out (py_inject.c): each
 * still points into its page, defused. A later run of the same script in
 * the same process re-arms that call instead of queueing another: a
 * caller that retries while the main thread stays in C (as the python
 * source does every tick) would otherwise fill CPython's queue of 32
 * pending calls, after which the program's own Py_AddPendingCall fails,
 * and leave a page behind per try. Only the thread that runs injections
 * uses this table (py_inject_run is not thread-safe anyway). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "source/python/py_inject_int.h"

#define MAX_PENDING 32

struct pending {
	pid_t pid;
	unsigned long long start; /* the process's start time: a reused pid is another */
	uint64_t page;
	size_t size;
	char *script;
	uint64_t queued_ns; /* when the call was queued */
	unsigned long seq; /* order of adding: the oldest goes when full */
};

static struct pending table[MAX_PENDING];
static unsigned long seq;

/* Field 22 of /proc/PID/stat, after the comm's last ')'. 0 if gone. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], line[1024], *p;
	unsigned long long t = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "re")))
		return 0;
	if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')) &&
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &t) != 1)
		t = 0;
	fclose(f);
	return t;
}

static void drop(struct pending *e)
{
	free(e->script);
	memset(e, 0, sizeof(*e));
}

void py_pending_add(pid_t pid, uint64_t page, size_t size, const char *script, uint64_t queued_ns)
{
	struct pending *e = &table[0];

	for (int i = 0; i < MAX_PENDING; i++) {
		if (!table[i].pid) {
			e = &table[i];
			break;
		}
		if (table[i].seq < e->seq) /* full: forget the oldest (its page stays) */
			e = &table[i];
	}
	drop(e);
	*e = (struct pending){ pid, start_time(pid), page, size, strdup(script), queued_ns, ++seq };
	if (!e->script || !e->start)
		drop(e);
}

int py_pending_take(pid_t pid, const char *script, uint64_t *page, size_t *size, uint64_t *queued_ns)
{
	unsigned long long now = start_time(pid);
	int found = 0;

	for (int i = 0; i < MAX_PENDING; i++) {
		struct pending *e = &table[i];

		if (e->pid && start_time(e->pid) != e->start) /* gone, or its pid reused */
			drop(e);
		else if (!found && e->pid == pid && e->start == now && !strcmp(e->script, script)) {
			*page = e->page;
			*size = e->size;
			*queued_ns = e->queued_ns;
			drop(e);
			found = 1;
		}
	}
	return found;
}
