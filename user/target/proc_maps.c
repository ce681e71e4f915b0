/* /proc/PID/maps reader. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proc_maps.h"

int proc_maps_read(pid_t pid, struct proc_maps *out)
{
	char fname[64], line[4096];
	FILE *f;

	memset(out, 0, sizeof(*out));
	snprintf(fname, sizeof(fname), "/proc/%d/maps", (int)pid);
	f = fopen(fname, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct proc_map m = {0};
		int path_at = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %*s %lu %n", &m.start,
			   &m.end, m.perms, &m.offset, &m.inode, &path_at) < 5 || !m.inode)
			continue;
		char *p = line + path_at;

		p[strcspn(p, "\n")] = 0;
		if (*p != '/')
			continue;
		void *nv = realloc(out->v, (out->n + 1) * sizeof(*out->v));

		if (!nv)
			break;
		out->v = nv;
		m.path = strdup(p);
		out->v[out->n++] = m;
	}
	fclose(f);
	return 0;
}

void proc_maps_free(struct proc_maps *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

const struct proc_map *proc_maps_find_object(const struct proc_maps *m, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < m->n; i++) {
		const char *path = m->v[i].path;
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

		if (!strcmp(path, name) || !strcmp(base, name) ||
		    (!strncmp(base, name, len) && base[len] == '.'))
			return &m->v[i];
	}
	return NULL;
}

uint64_t proc_maps_runtime_addr(const struct proc_maps *m, const char *path, uint64_t off)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct proc_map *e = &m->v[i];

		if (strcmp(e->path, path) || off < e->offset || off >= e->offset + (e->end - e->start))
			continue;
		return e->start + (off - e->offset);
	}
	return 0;
}

void proc_read_line(pid_t pid, const char *what, char *out, size_t len)
{
	char fn[64];
	FILE *f;

	out[0] = 0;
	snprintf(fn, sizeof(fn), "/proc/%d/%s", (int)pid, what);
	f = fopen(fn, "re");
	if (!f)
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}
