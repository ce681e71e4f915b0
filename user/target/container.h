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

#define CONTAINER_ID_MAX 80 /* = sizeof(struct resource.container_id) */

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

/* ---- parsing (pure) ---------------------------------------------------- */

/* The container named by one cgroup path, e.g.
 *   /system.slice/docker-<id>.scope          (Docker, systemd driver)
 *   /docker/<id>                             (Docker, cgroupfs driver)
 *   /.../cri-containerd-<id>.scope           (containerd / CRI)
 *   /.../crio-<id>.scope                     (CRI-O)
 *   /machine.slice/libpod-<id>.scope[/container], /libpod_parent/libpod-<id>  (Podman)
 *   /kubepods/.../pod<uid>/<id>              (a plain directory named by the id)
 * where <id> is 64 hex digits; conmon's own cgroups (libpod-conmon-<id>,
 * crio-conmon-<id>) are not the container. The deepest such component wins.
 * Returns the length of the path up to the end of that component (the
 * container's cgroup), 0 when the path names no container. */
size_t container_parse_cgroup_path(const char *path, char *id, size_t idlen);

/* The text of a /proc/PID/cgroup file. Finds the container from the v2 line
 * ("0::PATH") first, else from any v1 line. Returns 0 with `id` set and, in
 * v2_prefix, the container's v2 cgroup when the v2 line names it (else "");
 * -1 when no line names a container. v2_path gets the v2 line's path
 * whatever happens ("" when there is none). */
int container_parse_proc_cgroup(const char *text, char *id, size_t idlen, char *v2_prefix,
				size_t v2len, char *v2_path, size_t v2plen);

/* Matches a user's id or id prefix (hex, any case) against `n` distinct ids:
 * an exact match wins; otherwise the ids that start with it. Returns the
 * number of matches (0, 1, or more: ambiguous), *match = the first. */
int container_match_id(const char *query, const char *const *ids, int n, int *match);

/* True for 1..64 hex digits. */
bool container_is_hex(const char *s);

/* The cgroup v2 mount point from the text of /proc/self/mountinfo
 * (/sys/fs/cgroup on a pure v2 system, /sys/fs/cgroup/unified on a hybrid
 * one). Returns 0, or -1 when no cgroup2 file system is mounted. */
int container_v2_mount(const char *mountinfo, char *out, size_t len);

/* --cgroup PATH -> the path relative to the v2 mount, always starting with
 * "/" and without a trailing "/": PATH may be absolute under the mount
 * ("/sys/fs/cgroup/unified/a/b"), a cgroup path as /proc/PID/cgroup shows
 * it ("/a/b"), or relative ("a/b"). Returns 0, or -1 for paths under
 * /sys/fs/cgroup that are not in the v2 hierarchy, or that contain "..". */
int container_cgroup_rel(const char *v2_mount, const char *path, char *out, size_t len);

#endif
