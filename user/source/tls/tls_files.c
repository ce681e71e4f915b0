/* OpenSSL's files for a traced process: see tls_files.h. */
#include "source/tls/tls_files.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Walks the dynamic symbols (want_sym) or DT_NEEDED entries of an ELF. */
static bool elf_scan(const char *path, bool want_sym)
{
	bool found = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	while (e && !found && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_entsize == 0)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = d ? sh.sh_size / sh.sh_entsize : 0;
		if (want_sym && sh.sh_type == SHT_DYNSYM) {
			for (size_t i = 0; i < n && !found; i++) {
				GElf_Sym s;
				if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF ||
				    GELF_ST_TYPE(s.st_info) != STT_FUNC)
					continue;
				const char *name = elf_strptr(e, sh.sh_link, s.st_name);
				found = name && !strcmp(name, "SSL_write");
			}
		} else if (!want_sym && sh.sh_type == SHT_DYNAMIC) {
			for (size_t i = 0; i < n && !found; i++) {
				GElf_Dyn dyn;
				if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag != DT_NEEDED)
					continue;
				const char *name = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
				found = name && !strncmp(name, "libssl.so", 9);
			}
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return found;
}

bool tls_elf_exports_ssl(const char *path)
{
	return elf_scan(path, true);
}

bool tls_elf_needs_libssl(const char *path)
{
	return elf_scan(path, false);
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
