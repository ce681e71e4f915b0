/* Binding sites (sites.h). The object is found as the loader finds it
 * (source/uprobe/loader.c, resolve_object), in the first target. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cost/calibrate.h"
#include "cost/sites.h"
#include "source/uprobe/elf_symbols.h"
#include "target/proc_maps.h"

static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib", "/usr/local/lib", NULL,
};

static bool object_path(const struct pm_binding *b, const struct source_target *t, char *out, size_t len)
{
	char root[64] = "";
	pid_t pid = t->maps_pid > 0 ? t->maps_pid : t->pid;

	if (!b->object) {
		snprintf(out, len, "%s", t->exe ? t->exe : "");
		return t->exe != NULL;
	}
	if (pid > 0)
		snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	if (b->object[0] == '/') {
		snprintf(out, len, "%s%s", root, b->object);
		return access(out, R_OK) == 0;
	}
	if (strchr(b->object, '/'))
		return len >= PATH_MAX && realpath(b->object, out) != NULL;
	if (pid > 0) { /* a launched command has exec'd by now: its maps say */
		struct proc_maps m;

		if (proc_maps_read(pid, &m) == 0) {
			const struct proc_map *e = proc_maps_find_object(&m, b->object);

			if (e)
				snprintf(out, len, "%s%s", root, e->path);
			proc_maps_free(&m);
			if (e)
				return true;
		}
	}
	for (int i = 0; lib_dirs[i]; i++) {
		snprintf(out, len, "%s%s/%s", root, lib_dirs[i], b->object);
		if (access(out, R_OK) == 0)
			return true;
	}
	return false;
}

void cost_sites_resolve(const struct probe_map *pm, struct cost_binding *b, int nb,
			const struct source_target *t, int nt)
{
	struct elf_info elf = {0};
	char loaded[PATH_MAX] = "", path[PATH_MAX], err[256];
	bool have = false;

	if (nt < 1)
		return;
	for (int i = 0; i < nb && i < (int)pm->n; i++) {
		const struct pm_binding *pb = &pm->bindings[i];
		const struct elf_func *f;

		if (!b[i].counted || b[i].marker || pb->usdt_provider || !pb->symbol || !object_path(pb, &t[0], path, sizeof(path)))
			continue;
		if (!have || strcmp(path, loaded)) { /* bindings come grouped by file, mostly */
			if (have)
				elf_info_free(&elf);
			have = elf_info_load(path, &elf, err, sizeof(err)) == 0;
			snprintf(loaded, sizeof(loaded), "%s", path);
			if (!have)
				continue;
		}
		f = elf_find_func(&elf, pb->symbol);
		if (f)
			b[i].site = cost_site_of(path, f->offset);
	}
	if (have)
		elf_info_free(&elf);
}
