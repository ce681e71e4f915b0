/* /proc/PID: which files a process has mapped, and where; small text files. */
#ifndef PROC_MAPS_H
#define PROC_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_map {
	uint64_t start, end, offset;
	char perms[5];
	unsigned long inode;
	char *path; /* as the process sees it (its own mount namespace) */
};

struct proc_maps {
	struct proc_map *v;
	size_t n;
};

int proc_maps_read(pid_t pid, struct proc_maps *out);
/* The first line of /proc/PID/WHAT (comm, …), newline stripped; "" if none. */
void proc_read_line(pid_t pid, const char *what, char *out, size_t len);
void proc_maps_free(struct proc_maps *m);

/* The mapped file whose path equals `name`, or whose base name equals it or
 * starts with "name." (libssl.so -> libssl.so.3). NULL when none. */
const struct proc_map *proc_maps_find_object(const struct proc_maps *m, const char *name);

/* Runtime address of file offset `off` of the object at `path`, through the
 * mapping that covers it (this is where a PIE's load bias shows). 0 if none. */
uint64_t proc_maps_runtime_addr(const struct proc_maps *m, const char *path, uint64_t off);

#endif
