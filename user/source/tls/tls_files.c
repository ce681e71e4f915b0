/* OpenSSL's files for a traced process: see tls_files.h. */
#include "source/tls/tls_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NEEDED_MAX 64   /* DT_NEEDED entries read per object */
#define NEEDED_DEPTH 4  /* libraries of libraries of ... */
#define NEEDED_SEEN 128 /* objects looked at, per question */

/* What an ELF's dynamic section and symbols say. */
struct elf_dyn {
	bool exports_ssl_write;
	char needed[NEEDED_MAX][64];
	int nneeded;
	char runpath[1024]; /* DT_RUNPATH, else DT_RPATH */
};

/* Reads the exported functions (.dynsym: is SSL_write defined here?) and
 * the DT_NEEDED / DT_RUNPATH entries of an ELF. false: not readable. */
static bool elf_read(const char *path, bool want_sym, struct elf_dyn *d)
{
	memset(d, 0, sizeof(*d));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	char rpath[sizeof(d->runpath)] = "";
	while (e && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_entsize == 0)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t n = data ? sh.sh_size / sh.sh_entsize : 0;
		if (want_sym && sh.sh_type == SHT_DYNSYM) {
			for (size_t i = 0; i < n && !d->exports_ssl_write; i++) {
				GElf_Sym sym;
				if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
				    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
					continue;
				const char *name = elf_strptr(e, sh.sh_link, sym.st_name);
				d->exports_ssl_write = name && !strcmp(name, "SSL_write");
			}
		} else if (!want_sym && sh.sh_type == SHT_DYNAMIC) {
			for (size_t i = 0; i < n; i++) {
				GElf_Dyn dyn;
				if (!gelf_getdyn(data, (int)i, &dyn))
					continue;
				const char *v = dyn.d_tag == DT_NEEDED || dyn.d_tag == DT_RUNPATH || dyn.d_tag == DT_RPATH
							? elf_strptr(e, sh.sh_link, dyn.d_un.d_val) : NULL;
				if (!v)
					continue;
				if (dyn.d_tag == DT_NEEDED && d->nneeded < NEEDED_MAX)
					snprintf(d->needed[d->nneeded++], sizeof(d->needed[0]), "%s", v);
				else if (dyn.d_tag == DT_RUNPATH)
					snprintf(d->runpath, sizeof(d->runpath), "%s", v);
				else if (dyn.d_tag == DT_RPATH)
					snprintf(rpath, sizeof(rpath), "%s", v);
			}
		}
	}
	if (!d->runpath[0])
		snprintf(d->runpath, sizeof(d->runpath), "%s", rpath);
	if (e)
		elf_end(e);
	close(fd);
	return true;
}

bool tls_elf_exports_ssl(const char *path)
{
	struct elf_dyn d;
	return elf_read(path, true, &d) && d.exports_ssl_write;
}

/* Where the dynamic loader would find library `name` needed by `from`:
 * its RUNPATH ($ORIGIN = from's directory), then the standard directories. */
static bool find_needed(const char *name, const char *from, const char *runpath, char *out, size_t cap)
{
	static const char *const std_dirs[] = {
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
		"/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib",
	};
	char origin[1024];
	const char *slash = strrchr(from, '/');
	snprintf(origin, sizeof(origin), "%.*s", slash ? (int)(slash - from) : 1, slash ? from : ".");
	for (const char *p = runpath; *p;) {
		size_t len = strcspn(p, ":");
		char dir[2048];
		if (!strncmp(p, "$ORIGIN", 7) && len >= 7)
			snprintf(dir, sizeof(dir), "%s%.*s", origin, (int)(len - 7), p + 7);
		else
			snprintf(dir, sizeof(dir), "%.*s", (int)len, p);
		snprintf(out, cap, "%s/%s", dir, name);
		if (len && access(out, R_OK) == 0)
			return true;
		p += len + (p[len] == ':');
	}
	for (size_t i = 0; i < sizeof(std_dirs) / sizeof(std_dirs[0]); i++) {
		snprintf(out, cap, "%s/%s", std_dirs[i], name);
		if (access(out, R_OK) == 0)
			return true;
	}
	return false;
}

struct needs_walk {
	char seen[NEEDED_SEEN][64];
	int nseen;
};

static bool needs_libssl(const char *path, int depth, struct needs_walk *w, char *via, size_t via_cap)
{
	struct elf_dyn d;
	if (!elf_read(path, false, &d))
		return false;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	for (int i = 0; i < d.nneeded; i++)
		if (!strncmp(d.needed[i], "libssl.so", 9)) {
			snprintf(via, via_cap, "%s", base);
			return true;
		}
	if (depth == NEEDED_DEPTH)
		return false;
	for (int i = 0; i < d.nneeded; i++) {
		bool seen = false;
		for (int k = 0; k < w->nseen && !seen; k++)
			seen = !strcmp(w->seen[k], d.needed[i]);
		if (seen || w->nseen == NEEDED_SEEN)
			continue;
		snprintf(w->seen[w->nseen++], sizeof(w->seen[0]), "%s", d.needed[i]);
		char lib[4096];
		if (find_needed(d.needed[i], path, d.runpath, lib, sizeof(lib)) &&
		    needs_libssl(lib, depth + 1, w, via, via_cap))
			return true;
	}
	return false;
}

bool tls_elf_needs_libssl(const char *path, char *via, size_t via_cap)
{
	struct needs_walk *w = calloc(1, sizeof(*w));
	char dummy[8];
	if (!w)
		return false;
	bool r = needs_libssl(path, 0, w, via ? via : dummy, via ? via_cap : sizeof(dummy));
	free(w);
	return r;
}

const char *tls_system_libssl(void)
{
	static const char *const paths[] = {
		"/usr/lib/x86_64-linux-gnu/libssl.so.3", "/lib/x86_64-linux-gnu/libssl.so.3",
		"/usr/lib/aarch64-linux-gnu/libssl.so.3", "/usr/lib64/libssl.so.3", "/usr/lib/libssl.so.3",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], R_OK) == 0)
			return paths[i];
	return NULL;
}

int tls_mapped_libssl(pid_t pid, void (*fn)(void *ctx, const char *path), void *ctx)
{
	char maps[64], line[4096], last[4096] = "";
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(maps, "r");
	int n = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/');
		if (!path)
			continue;
		path[strcspn(path, "\n")] = '\0';
		const char *base = strrchr(path, '/') + 1;
		if (strncmp(base, "libssl.so", 9) || !strcmp(path, last))
			continue;
		snprintf(last, sizeof(last), "%s", path);
		char full[4200];
		snprintf(full, sizeof(full), "/proc/%d/root%s", (int)pid, path);
		fn(ctx, full);
		n++;
	}
	fclose(f);
	return n;
}

bool tls_rooted_libssl(pid_t pid, char *out, size_t cap)
{
	static const char *const paths[] = {
		"/usr/lib/x86_64-linux-gnu/libssl.so.3", "/lib/x86_64-linux-gnu/libssl.so.3",
		"/usr/lib/aarch64-linux-gnu/libssl.so.3", "/usr/lib64/libssl.so.3", "/usr/lib/libssl.so.3",
		"/lib/libssl.so.3", /* alpine */
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(out, cap, "/proc/%d/root%s", (int)pid, paths[i]);
		if (access(out, R_OK) == 0)
			return true;
	}
	return false;
}

#define SCAN_EXES 1024 /* distinct executables looked into, per scan */

void tls_scan_processes(pid_t self, void (*fn)(void *ctx, const char *path), void *ctx)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	/* Executables already looked into (device, inode): reading .dynsym
	 * once per file, not once per process (a host runs many bash). */
	static struct { dev_t dev; ino_t ino; } seen[SCAN_EXES];
	int nseen = 0;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end, path[4200];
		long pid = strtol(de->d_name, &end, 10);
		struct stat st;

		if (*end || pid <= 0 || pid == self)
			continue;
		tls_mapped_libssl((pid_t)pid, fn, ctx);
		if (tls_rooted_libssl((pid_t)pid, path, sizeof(path)))
			fn(ctx, path);
		snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
		if (stat(path, &st))
			continue; /* a kernel thread, or gone */
		bool known = false;
		for (int i = 0; i < nseen && !known; i++)
			known = seen[i].dev == st.st_dev && seen[i].ino == st.st_ino;
		if (known)
			continue;
		if (nseen < SCAN_EXES) {
			seen[nseen].dev = st.st_dev;
			seen[nseen++].ino = st.st_ino;
		}
		if (tls_elf_exports_ssl(path))
			fn(ctx, path);
	}
	closedir(d);
}
