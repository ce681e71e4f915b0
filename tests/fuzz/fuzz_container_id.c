/* libFuzzer: the container-id parsers (user/target/container_id.c), which
 * read text any process can write into its own cgroup name: cgroup paths,
 * /proc/PID/cgroup, /proc/self/mountinfo, --cgroup PATH and --container
 * queries. Every output buffer is a heap block of exactly the size passed,
 * so ASan sees a write past it. Checks: an id found is 64 lower-case hex
 * digits; a length returned lies inside the input; the container's v2
 * cgroup starts the v2 path; a relative cgroup path
 * starts with "/", has no "..", no "//" and no trailing "/".
 * fuzz-covers: user/target/container_id.c */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "target/container_id.h"

static void check_id(const char *id)
{
	if (!*id)
		return;
	if (strlen(id) != CONTAINER_HEX_ID_LEN)
		abort();
	for (const char *p = id; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			abort();
}

static void check_rel(const char *rel)
{
	size_t n = strlen(rel);

	if (rel[0] != '/' || strstr(rel, "//") || (n > 1 && rel[n - 1] == '/') || strstr(rel, "/../") ||
	    (n >= 3 && !strcmp(rel + n - 3, "/..")))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Sizes from the first byte: the callers' buffers, and smaller ones. */
	size_t small = size ? 1 + data[0] % 80 : 1;
	char *text = malloc(size + 1), *id = malloc(CONTAINER_ID_MAX), *tiny = malloc(small);
	char *prefix = malloc(small), *path = malloc(4096), *path2 = malloc(4096), *rel = malloc(small);
	const char *ids[16];
	int nids = 0, match = -1;
	size_t len;

	memcpy(text, data, size);
	text[size] = 0;

	len = container_parse_cgroup_path(text, id, CONTAINER_ID_MAX);
	if (len > strlen(text) || (len && !*id) || (!len && *id))
		abort();
	check_id(id);
	container_parse_cgroup_path(text, tiny, small);
	container_parse_cgroup_path(text, NULL, 0);

	if (container_parse_proc_cgroup(text, id, CONTAINER_ID_MAX, path, 4096, path2, 4096) == 0) {
		check_id(id);
		/* The container's cgroup is where the v2 line's path starts. */
		if (*path && strncmp(path2, path, strlen(path)))
			abort();
	}
	container_parse_proc_cgroup(text, tiny, small, prefix, small, rel, small);
	container_parse_proc_cgroup(text, id, CONTAINER_ID_MAX, NULL, 0, NULL, 0);

	if (container_v2_mount(text, path, 4096) == 0 && !memchr(path, 0, 4096))
		abort();
	container_v2_mount(text, tiny, small);

	/* Line 1: a mount point or a query; the rest: paths or ids. */
	char *nl = strchr(text, '\n'), *rest = nl ? nl + 1 : text + size;

	if (nl)
		*nl = 0;
	if (container_cgroup_rel(text, rest, path, 4096) == 0)
		check_rel(path);
	if (container_cgroup_rel(text, rest, rel, small) == 0)
		check_rel(rel);
	container_is_hex(text);
	for (char *l = rest; *l && nids < 16;) {
		size_t n = strcspn(l, "\n");
		bool more = l[n] == '\n', dup = false;

		l[n] = 0; /* ids are distinct: the caller's promise */
		for (int k = 0; k < nids; k++)
			dup |= !strcmp(ids[k], l);
		if (!dup)
			ids[nids++] = l;
		if (!more)
			break;
		l += n + 1;
	}
	int m = container_match_id(text, ids, nids, &match);

	if (m < 0 || m > nids || (m > 0 && (match < 0 || match >= nids)))
		abort();
	free(text);
	free(id);
	free(tiny);
	free(prefix);
	free(path);
	free(path2);
	free(rel);
	return 0;
}
