/* --list. The output is itself a probe map: the inventory is in comments,
 * the proposed bindings are live lines, so `--list > app.probes` is a start.
 *
 * A target's work is often not in its executable: sqlite3, curl or python
 * are thin programs over libsqlite3, libcurl/libssl or libpython. So every
 * object the target maps (or, for a command not started yet, every library
 * its executable needs) is read: the executable is listed in detail, each
 * object with its counts, and bindings are proposed across all of them,
 * with the `object` directive a library needs. `--object NAME` lists one
 * object in detail and proposes only its bindings. */
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "catalog.h"
#include "source/source.h"
#include "source/tls/tls_source.h"
#include "source/node/node_inspect.h"
#include "source/python/py_inject.h"
#include "target/container.h"
#include "source/uprobe/elf_symbols.h"
#include "list.h"
#include "view/catalog_doc.h"
#include "target/proc_maps.h"
#include "target/target.h"

#define MAX_OBJECTS 512

struct object {
	char open_path[PATH_MAX]; /* where the tracer reads it */
	char path[PATH_MAX];      /* as the target sees it (its maps, its mount namespace) */
	const char *name;         /* base name of path */
	bool main;                /* the executable */
	bool in_lib_dir;          /* found by its bare name in a standard directory */
	struct elf_info info;
	bool loaded;
	char err[256]; /* why it could not be read */
};

struct inventory {
	struct object *v;
	int n;
	pid_t pid;            /* 0: a command, not started */
	struct proc_maps maps; /* pid: for runtime addresses */
	char root[64];        /* /proc/PID/root: the target's mount namespace */
};

/* The directories a bare `object NAME` is looked up in (loader.c). */
static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib", "/usr/local/lib", NULL,
};

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* The catalog operation a name most likely is: the longest operation name
 * it contains (model_cache_hit beats a shorter overlap). */
static int match_op(const char *name)
{
	int best = -1;
	size_t best_len = 0;

	for (int i = 0; i < catalog_nops; i++) {
		size_t len = strlen(catalog_ops[i].name);

		if (len > best_len && strstr(name, catalog_ops[i].name)) {
			best = i;
			best_len = len;
		}
	}
	return best;
}

/* In a library, an operation's name inside a function's name is no sign:
 * libgnutls has gnutls_certificate_verification_status_print. There the
 * name must be the operation or end with "_operation" (agent_model_inference). */
static int match_lib_op(const char *name)
{
	size_t nl = strlen(name);

	for (int i = 0; i < catalog_nops; i++) {
		const char *on = catalog_ops[i].name;
		size_t ol = strlen(on);

		if (!strcmp(name, on) || (nl > ol && name[nl - ol - 1] == '_' && !strcmp(name + nl - ol, on)))
			return i;
	}
	return -1;
}

/* USDT probe names are often the operation without its family prefix. */
static int match_usdt_op(const char *name)
{
	int op = match_op(name);
	size_t nl = strlen(name);

	for (int i = 0; op < 0 && i < catalog_nops; i++) {
		const char *on = catalog_ops[i].name;
		size_t ol = strlen(on);

		if (ol > nl && on[ol - nl - 1] == '_' && !strcmp(on + ol - nl, name))
			op = i;
	}
	return op;
}

static void hint_attrs(int op)
{
	const char *keys[16];
	int n = catalog_op_metric_attrs(op, keys, 16);

	for (int i = 0; i < n; i++)
		printf("#   %s = arg? as ...\n", keys[i]);
	if (!catalog_ops[op].point)
		printf("#   fail if ret < 0\n#   error.type = ...\n");
}

static struct object *add_object(struct inventory *inv, const char *path, const char *open_path)
{
	for (int i = 0; i < inv->n; i++)
		if (!strcmp(inv->v[i].path, path))
			return NULL;
	if (inv->n == MAX_OBJECTS)
		return NULL;
	struct object *o = &inv->v[inv->n++];

	memset(o, 0, sizeof(*o));
	snprintf(o->path, sizeof(o->path), "%s", path);
	snprintf(o->open_path, sizeof(o->open_path), "%s", open_path);
	o->name = base_name(o->path);
	for (int i = 0; lib_dirs[i]; i++) {
		size_t n = strlen(lib_dirs[i]);

		if (!strncmp(path, lib_dirs[i], n) && path[n] == '/' && !strchr(path + n + 1, '/'))
			o->in_lib_dir = true;
	}
	return o;
}

/* A running process: every file it maps executable, the executable first. */
static int objects_of_pid(struct inventory *inv, pid_t pid)
{
	char exe[64], real[PATH_MAX], open_path[PATH_MAX + 64];
	ssize_t n;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	n = readlink(exe, real, sizeof(real) - 1);
	if (proc_maps_read(pid, &inv->maps) || n < 0)
		return -1;
	real[n] = 0;
	snprintf(inv->root, sizeof(inv->root), "/proc/%d/root", (int)pid);
	/* Through /proc/PID/exe: right even in another mount namespace. */
	add_object(inv, real, exe)->main = true;
	for (size_t i = 0; i < inv->maps.n; i++) {
		const struct proc_map *m = &inv->maps.v[i];

		if (!strchr(m->perms, 'x') || strstr(m->path, " (deleted)"))
			continue;
		snprintf(open_path, sizeof(open_path), "%s%s", inv->root, m->path);
		add_object(inv, m->path, open_path);
	}
	return 0;
}

/* DT_NEEDED names and DT_RUNPATH/DT_RPATH of an ELF file. */
static int read_dynamic(const char *path, char needed[][256], int max, int *nneeded,
			char *runpath, size_t rplen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
	Elf *elf;
	Elf_Scn *scn = NULL;

	*nneeded = 0;
	runpath[0] = 0;
	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			const char *s;

			if (!gelf_getdyn(d, (int)i, &dyn))
				break;
			if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RUNPATH && dyn.d_tag != DT_RPATH)
				continue;
			if (!(s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val)))
				continue;
			if (dyn.d_tag == DT_NEEDED && *nneeded < max)
				snprintf(needed[(*nneeded)++], 256, "%s", s);
			else if (dyn.d_tag != DT_NEEDED && !runpath[0])
				snprintf(runpath, rplen, "%s", s);
		}
		rc = 0;
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return rc;
}

/* Where the dynamic loader would find `name` for `from`: its run path
 * ($ORIGIN expanded), then the standard directories. */
static int find_library(const char *name, const char *from, const char *runpath, char *out, size_t len)
{
	const char *slash = strrchr(from, '/');
	int olen = slash ? (int)(slash - from) : 0;

	for (const char *p = runpath; *p;) {
		int n = (int)strcspn(p, ":"), w;

		if (n >= 7 && !strncmp(p, "$ORIGIN", 7))
			w = snprintf(out, len, "%.*s%.*s/%s", olen, from, n - 7, p + 7, name);
		else
			w = snprintf(out, len, "%.*s/%s", n, p, name);
		if (w > 0 && (size_t)w < len && access(out, R_OK) == 0)
			return 0;
		p += n + (p[n] == ':');
	}
	for (int i = 0; lib_dirs[i]; i++) {
		int w = snprintf(out, len, "%s/%s", lib_dirs[i], name);

		if (w > 0 && (size_t)w < len && access(out, R_OK) == 0)
			return 0;
	}
	return -1;
}

/* A command not started yet: its executable and, breadth first, the
 * libraries it needs (what ldd shows, without running anything).
 * Libraries it would dlopen() later are not known. */
static void objects_of_command(struct inventory *inv, const char *exe)
{
	static char needed[128][256];
	char runpath[PATH_MAX], lib[PATH_MAX];
	int nneeded;

	add_object(inv, exe, exe)->main = true;
	for (int i = 0; i < inv->n; i++) {
		char from[PATH_MAX];

		snprintf(from, sizeof(from), "%s", inv->v[i].path);
		if (read_dynamic(from, needed, 128, &nneeded, runpath, sizeof(runpath)))
			continue;
		for (int k = 0; k < nneeded; k++)
			if (find_library(needed[k], from, runpath, lib, sizeof(lib)) == 0)
				add_object(inv, lib, lib);
	}
}

/* --object NAME: a path, a base name, or a base name without its version
 * (libssl.so -> libssl.so.3), as the `object` directive takes them. */
static struct object *find_object(struct inventory *inv, const char *name)
{
	size_t len = strlen(name);

	for (int i = 0; i < inv->n; i++) {
		const char *b = inv->v[i].name;

		if (!strcmp(inv->v[i].path, name) || !strcmp(b, name) || (!strncmp(b, name, len) && b[len] == '.'))
			return &inv->v[i];
	}
	return NULL;
}

static void load_all(struct inventory *inv)
{
	for (int i = 0; i < inv->n; i++) {
		struct object *o = &inv->v[i];

		o->loaded = elf_info_load(o->open_path, &o->info, o->err, sizeof(o->err)) == 0;
	}
}

/* The functions (file offset, runtime address, size) and USDT probes of one object. */
static void print_detail(const struct inventory *inv, const struct object *o)
{
	printf("# %s: %zu functions (%s), %zu USDT probes\n", o->path, o->info.nfuncs,
	       o->main ? (o->info.is_pie ? "PIE" : "fixed address") : "shared library", o->info.nusdts);
	printf("#   %-40s %12s %18s %8s\n", "FUNCTION", "FILE OFFSET", "ADDRESS", "SIZE");
	for (size_t i = 0; i < o->info.nfuncs; i++) {
		const struct elf_func *f = &o->info.funcs[i];
		uint64_t addr = inv->pid ? proc_maps_runtime_addr(&inv->maps, o->path, f->offset) : 0;

		printf("#   %-40s %#12" PRIx64 " %#18" PRIx64 " %8" PRIu64 "%s\n", f->name, f->offset,
		       addr ? addr : f->addr, f->size, f->dynamic ? "" : " (static)");
	}
	for (size_t i = 0; i < o->info.nusdts; i++)
		printf("#   usdt:%s:%s%s  args: %s\n", o->info.usdts[i].provider, o->info.usdts[i].name,
		       o->info.usdts[i].semaphore ? " (semaphore)" : "", o->info.usdts[i].args);
}

/* One line per object: where the functions and USDT probes are. */
static void print_inventory(const struct inventory *inv, const char *target)
{
	const struct object *exe = &inv->v[0];
	size_t lib_funcs = 0, lib_usdts = 0;

	for (int i = 1; i < inv->n; i++)
		if (inv->v[i].loaded)
			lib_funcs += inv->v[i].info.nfuncs, lib_usdts += inv->v[i].info.nusdts;
	printf("\n# Objects %s: %d (--list --object NAME lists one in detail)\n", target, inv->n);
	printf("#   %-36s %9s %5s  %s\n", "OBJECT", "FUNCTIONS", "USDT", "PATH");
	for (int i = 0; i < inv->n; i++) {
		const struct object *o = &inv->v[i];

		if (o->loaded)
			printf("#   %-36s %9zu %5zu  %s%s\n", o->name, o->info.nfuncs, o->info.nusdts, o->path,
			       o->main ? "  (the executable)" : "");
		else
			printf("#   %-36s %9s %5s  %s  (%s)\n", o->name, "?", "?", o->path, o->err);
	}
	if (exe->loaded && exe->info.nfuncs + exe->info.nusdts < 8 && lib_funcs + lib_usdts > 0)
		printf("# %s itself has %zu functions and %zu USDT probes: its work is in the libraries "
		       "above (%zu functions, %zu USDT probes); bind them with `object NAME`\n",
		       exe->name, exe->info.nfuncs, exe->info.nusdts, lib_funcs, lib_usdts);
}

/* Proposed bindings of one object; the `object` line first for a library. */
static int propose(const struct object *o, bool *object_said)
{
	int proposed = 0;

	if (!o->loaded)
		return 0;
	for (size_t i = 0; i < o->info.nfuncs + o->info.nusdts; i++) {
		bool usdt = i >= o->info.nfuncs;
		const char *name = usdt ? o->info.usdts[i - o->info.nfuncs].name : o->info.funcs[i].name;
		int op = usdt ? match_usdt_op(name) : o->main ? match_op(name) : match_lib_op(name);

		if (op < 0 || (usdt && !catalog_ops[op].point))
			continue;
		if (!o->main && !*object_said && !usdt) {
			/* A bare name is looked up in the target's maps and the
			 * standard directories; anything else needs its path. */
			printf("\n# in %s\nobject %s\n", o->path, o->in_lib_dir ? o->name : o->path);
			*object_said = true;
		}
		if (usdt) {
			const struct elf_usdt *u = &o->info.usdts[i - o->info.nfuncs];

			printf("\n# or, through its USDT probe%s%s%s:\n# point %s usdt:%s:%s\n",
			       o->main ? "" : " (object ", o->main ? "" : o->in_lib_dir ? o->name : o->path,
			       o->main ? "" : ")", catalog_ops[op].name, u->provider, u->name);
			continue;
		}
		printf("\n%s %s %s\n", catalog_ops[op].point ? "point" : "span", catalog_ops[op].name, name);
		hint_attrs(op);
		proposed++;
	}
	return proposed;
}

/* What each built-in source sees, for the Sources block. */
static const struct { const char *name, *what; } source_what[] = {
	{"uprobe", "the probe map's bindings"},
	{"exec", "processes it starts, their execs, git worktree commands"},
	{"tls", "LLM API calls over HTTPS"},
	{"mcp", "MCP JSON-RPC on its pipes and sockets"},
	{"python", "the probe map's python: bindings, through injected wrappers (--inject)"},
	{"node", "the probe map's node: bindings, through the inspector SIGUSR1 opens (--inject)"},
};

static const char *what_of(const char *name)
{
	for (size_t i = 0; i < sizeof(source_what) / sizeof(source_what[0]); i++)
		if (!strcmp(source_what[i].name, name))
			return source_what[i].what;
	return "";
}

/* The built-in sources that apply to the target, each source's own
 * `applies` answering for the target as it is now (env.listing: not for
 * what it may load later), with the reason for tls and uprobe. */
static void print_sources(const struct config *cfg, pid_t pid, const char *exe)
{
	static struct probe_map pm;
	char err[512] = "", why[512];
	bool map_ok = !cfg->probes || probe_map_load(cfg->probes, cfg->capture_content, &pm, err, sizeof(err)) == 0;
	struct source_target t = {.pid = pid, .maps_pid = pid, .exe = exe};
	struct source_env env = {.pm = &pm, .targets = &t, .ntargets = 1, .follow = !cfg->no_follow, .listing = true};
	bool applies[SOURCE_MAX] = {false};
	int n = 0;

	printf("\n# Sources that apply to it:");
	for (int i = 0; source_registry[i] && i < SOURCE_MAX; i++) {
		n++;
		applies[i] = source_registry[i]->applies(&env);
		if (applies[i])
			printf(" %s", source_registry[i]->name);
	}
	printf("   (--sources LIST chooses)\n");
	for (int pass = 1; pass >= 0; pass--) { /* those that apply first */
		for (int i = 0; i < n; i++) {
			const char *name = source_registry[i]->name;

			if (applies[i] != pass)
				continue;
			if (!strcmp(name, "tls")) {
				tls_target_uses_openssl(&t, why, sizeof(why));
				if (!pass && !cfg->probes)
					snprintf(why + strlen(why), sizeof(why) - strlen(why),
						 "; a run without a probe map still watches the system's libssl "
						 "(children, dlopen)");
			} else if (!strcmp(name, "python")) {
				/* Whether injection can work, without touching the process. */
				char e[400];

				snprintf(why, sizeof(why), "%s%s", pass ? "" : "no python: bindings; ",
					 !pid ? "a command is checked when its interpreter runs"
					 : py_inject_check(pid, e, sizeof(e)) ? e
					 : "injectable (CPython, ptrace allowed)");
			} else if (!strcmp(name, "node")) {
				/* Read-only: the SIGUSR1 handler, the command line; no signal. */
				char e[400];
				const char *verdict = !pid ? "a command cannot be (node: bindings need --pid)"
						      : node_inject_check(pid, e, sizeof(e)) ? e
						      : "injectable (SIGUSR1 wakes node's inspector)";

				snprintf(why, sizeof(why), "%s%s", pass ? "" : "no node: bindings; ", verdict);
			} else if (!strcmp(name, "uprobe")) {
				snprintf(why, sizeof(why), "%s", !cfg->probes ? "no probe map (--probes FILE)"
							  : !map_ok ? err : cfg->probes);
			} else {
				why[0] = '\0';
			}
			printf("#   %-7s %s%s%s%s\n", name, pass ? "" : "not: ", pass ? what_of(name) : "",
			       pass && why[0] ? ": " : "", why);
		}
	}
	probe_map_free(&pm);
}

static void inventory_free(struct inventory *inv)
{
	for (int i = 0; i < inv->n; i++)
		if (inv->v[i].loaded)
			elf_info_free(&inv->v[i].info);
	free(inv->v);
	proc_maps_free(&inv->maps);
}

int list_main(const struct config *cfg)
{
	static struct inventory inv;
	char exe[PATH_MAX], err[512], target[64];
	pid_t pid = cfg->npids ? cfg->pids[0] : 0;

	if (cfg->container || cfg->cgroup) { /* the container's main process, as --pid */
		static struct container ct;

		if (container_open(&ct, cfg->container, cfg->cgroup, err, sizeof(err))) {
			fprintf(stderr, "mcp-bpftrace: %s\n", err);
			return 1;
		}
		pid = ct.main_pid;
	}
	inv.v = calloc(MAX_OBJECTS, sizeof(*inv.v));
	if (!inv.v) {
		fprintf(stderr, "mcp-bpftrace: out of memory\n");
		return 1;
	}
	if (cfg->cmd) {
		if (target_resolve_cmd(cfg->cmd[0], exe, sizeof(exe))) {
			fprintf(stderr, "mcp-bpftrace: %s: command not found or not executable\n", cfg->cmd[0]);
			free(inv.v);
			return 2;
		}
		objects_of_command(&inv, exe);
		snprintf(target, sizeof(target), "it needs");
	} else {
		inv.pid = pid;
		if (objects_of_pid(&inv, pid)) {
			fprintf(stderr, "mcp-bpftrace: pid %d: no such process, or its maps are unreadable\n", (int)pid);
			inventory_free(&inv);
			return 1;
		}
		snprintf(target, sizeof(target), "pid %d maps", (int)pid);
	}
	load_all(&inv);
	const struct object *focus = &inv.v[0];

	if (cfg->list_object && !(focus = find_object(&inv, cfg->list_object))) {
		fprintf(stderr, "mcp-bpftrace: --object %s: no such object among the %d %s "
			"(--list without --object shows them)\n", cfg->list_object, inv.n,
			inv.pid ? "mapped by the process" : "the command needs");
		inventory_free(&inv);
		return 2;
	}
	if (!focus->loaded) {
		fprintf(stderr, "mcp-bpftrace: %s\n", focus->err);
		inventory_free(&inv);
		return 1;
	}
	print_detail(&inv, focus);
	if (!cfg->list_object) {
		print_inventory(&inv, target);
		print_sources(cfg, inv.pid, inv.pid ? inv.v[0].open_path : exe);
	}

	printf("\n# Proposed bindings: fill in the attributes each needs.\n");
	int proposed = 0;
	bool said = false;

	if (cfg->list_object) {
		proposed = propose(focus, &said);
	} else {
		for (int i = 0; i < inv.n; i++) {
			said = false;
			proposed += propose(&inv.v[i], &said);
		}
	}
	if (!proposed)
		printf("# (no function name matches a catalog operation)\n");
	inventory_free(&inv);
	return 0;
}

int list_ops(bool markdown)
{
	if (markdown)
		return catalog_doc_markdown(stdout);
	for (int i = 0; i < catalog_nops; i++) {
		const struct op_def *op = &catalog_ops[i];

		printf("%-5s %-20s %-34s %s\n", op->point ? "point" : "span", op->name,
		       op->point ? "(event on the open span)" : op->span_name, op->service);
		for (int a = 0; a < OP_MAX_ACTIONS && op->actions[a].when; a++) {
			const struct metric_action *m = &op->actions[a];

			printf("        %s {", catalog_metrics[m->metric].name);
			for (int k = 0; k < ACT_MAX_ATTRS && m->attrs[k]; k++)
				printf("%s%s", k ? ", " : "", m->attrs[k]);
			printf("}%s\n", m->when == ACT_IF_OK ? " if ok" : m->when == ACT_IF_FAILED ? " if failed" : "");
		}
	}
	return 0;
}
