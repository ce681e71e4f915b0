/* Container targets (--container ID|NAME, --cgroup PATH): which cgroup v2
 * (or, failing that, which pid namespace) holds the container's processes,
 * a process of it to resolve binaries through, and when it is gone.
 *
 * The parsing helpers are pure functions of their text arguments (unit
 * tested in tests/unit/test_container.c); container_open() reads /proc and
 * /sys/fs/cgroup and may ask a runtime's CLI (podman, docker, crun, runc)
 * for a name. */
#ifndef CONTAINER_H
#define CONTAINER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "container_id.h"

struct container {
	bool active;               /* a --container / --cgroup run */
	char query[256];           /* what the user gave */
	char id[CONTAINER_ID_MAX]; /* container.id: the runtime's full id ("" if none) */
	char runtime[16];          /* how it was found: "cgroup", "podman", "crun" ... */
	char v2_mount[256];        /* where cgroup v2 is mounted */
	char cgroup[PATH_MAX];     /* the container's v2 cgroup, relative to v2_mount; "" if none */
	uint64_t cgroup_id;        /* its id (inode number); 0: filter by pid namespace */
	uint32_t cgroup_level;     /* its depth below the v2 root (root = 0) */
	uint32_t pidns_ino;        /* pid namespace of the main process */
	pid_t main_pid;            /* host pid of the process whose root and exe are used */
	int nprocs;                /* processes found at open */
	uint64_t empty_since_ns;   /* CLOCK_MONOTONIC of the first empty check; 0 = not empty */
	uint64_t next_check_ns;
	bool gone;
};

/* Resolves `query` (a container id, a unique prefix of one, or a name), or
 * with query NULL the cgroup v2 path `cgroup_path`. Returns 0, or -1 with a
 * sentence in err (no match, an ambiguous prefix with its candidates, a
 * container that is not running ...). */
int container_open(struct container *c, const char *query, const char *cgroup_path, char *err,
		   size_t errlen);
/* True once the container has had no process for a second (its cgroup is
 * removed or empty; its pid namespace has no process left). Cheap to call
 * often: looks at most every 250 ms. */
bool container_gone(struct container *c);
/* One-line description for messages: "container 1a2b3c4d5e6f (podman)". */
const char *container_describe(const struct container *c, char *buf, size_t len);
/* What was found and how it is filtered (for --verbose). */
void container_print(const struct container *c, FILE *f);

/* The container id of a running process, from /proc/PID/cgroup: 0 and the id,
 * or -1 when it is in no container this file recognizes. */
int container_id_of_pid(pid_t pid, char *id, size_t idlen);
/* The pid in the innermost pid namespace (last NSpid field of
 * /proc/PID/status) when the process is in a nested namespace, else 0. */
pid_t container_vpid(pid_t pid);

#endif
