/* Container ids from the text of cgroup paths, /proc/PID/cgroup and
 * /proc/self/mountinfo: pure functions (unit tested in
 * tests/unit/test_container.c, fuzzed in tests/fuzz/). */
#ifndef CONTAINER_ID_H
#define CONTAINER_ID_H

#include <stdbool.h>
#include <stddef.h>

#define CONTAINER_ID_MAX 80 /* = sizeof(struct resource.container_id) */
#define CONTAINER_HEX_ID_LEN 64 /* a full id: 64 hex digits */

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
