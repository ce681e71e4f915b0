/* Which processes' calls --all keeps: see comm_filter.h. */
#include "source/comm_filter.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool comm_filter_wanted(const struct comm_filter *f, const char *comm)
{
	for (int i = 0; i < f->nexclude; i++)
		if (!fnmatch(f->exclude[i], comm, 0))
			return false;
	if (f->ninclude == 0)
		return true;
	for (int i = 0; i < f->ninclude; i++)
		if (!fnmatch(f->include[i], comm, 0))
			return true;
	return false;
}

bool comm_filter_name(struct comm_filter *f, pid_t pid, char out[16])
{
	char path[64];
	size_t slot = (size_t)pid % COMM_FILTER_CACHE;
	int fd;
	ssize_t n = -1;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, out, 15);
		close(fd);
	}
	if (n > 0) {
		out[n] = 0;
		out[strcspn(out, "\n")] = 0;
		/* The name now: a later exec renames the process, so read each time. */
		f->cache_pid[slot] = pid;
		memcpy(f->cache_comm[slot], out, 16);
		return true;
	}
	if (f->cache_pid[slot] == pid && pid) {
		memcpy(out, f->cache_comm[slot], 16);
		return true;
	}
	return false;
}

void comm_filter_call(void *ctx, const struct call *c)
{
	struct comm_filter *f = ctx;
	char comm[16];
	bool known = false;

	/* An exec span names its own image: the process's name while that
	 * image ran (comm: 15 characters of it), not the one it has now that
	 * it has exec'd again (a shell script that execs python3.11). */
	for (int i = 0; i < c->nattrs && !known; i++)
		if (c->attrs[i].type == AT_STR && c->attrs[i].s && !strcmp(c->attrs[i].key, "process.executable.name")) {
			snprintf(comm, sizeof(comm), "%.15s", c->attrs[i].s);
			known = true;
		}
	if (!known)
		known = comm_filter_name(f, (pid_t)c->rec.pid, comm);
	if (known && !comm_filter_wanted(f, comm)) {
		f->dropped++;
		return;
	}
	f->next.fn(f->next.ctx, c);
}
