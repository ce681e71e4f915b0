/* Function symbols and USDT notes of an ELF file, via libelf. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elf_symbols.h"

/* Link-time virtual address -> file offset, through the PT_LOAD segment that
 * holds it. A uprobe attaches at a file offset, so this is the step that
 * makes PIE and non-PIE binaries (and shared libraries) alike. */
static int vaddr_to_offset(Elf *elf, uint64_t vaddr, uint64_t *off)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -1;
}

static int cmp_func(const void *a, const void *b)
{
	return strcmp(((const struct elf_func *)a)->name, ((const struct elf_func *)b)->name);
}

static int read_symtab(Elf *elf, Elf_Scn *scn, GElf_Shdr *sh, bool dynamic, struct elf_info *out)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	if (!data)
		return -1;
	for (size_t i = 0; i < count; i++) {
		GElf_Sym sym;
		uint64_t off;

		if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
			continue;
		const char *name = elf_strptr(elf, sh->sh_link, sym.st_name);

		if (!name || !*name || vaddr_to_offset(elf, sym.st_value, &off))
			continue;
		if (out->nfuncs % 256 == 0) {
			void *p = realloc(out->funcs, (out->nfuncs + 256) * sizeof(*out->funcs));

			if (!p)
				return -1;
			out->funcs = p;
		}
		out->funcs[out->nfuncs++] = (struct elf_func){
			.name = strdup(name), .addr = sym.st_value, .offset = off,
			.size = sym.st_size, .dynamic = dynamic,
		};
	}
	return 0;
}

/* Sort by name and keep one entry per name (.symtab and aliases repeat). */
static void dedupe_funcs(struct elf_info *out)
{
	size_t w = 0;

	if (!out->nfuncs)
		return;
	qsort(out->funcs, out->nfuncs, sizeof(*out->funcs), cmp_func);
	for (size_t r = 1; r < out->nfuncs; r++) {
		if (strcmp(out->funcs[r].name, out->funcs[w].name) == 0) {
			free(out->funcs[r].name);
			continue;
		}
		out->funcs[++w] = out->funcs[r];
	}
	out->nfuncs = w + 1;
}

/* .note.stapsdt: each note is pc, base, semaphore (3 addresses), then
 * provider, name and argument strings. */
static int read_usdt_notes(Elf_Scn *scn, struct elf_info *out)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t pos = 0, name_off, desc_off;
	GElf_Nhdr nh;

	if (!data)
		return -1;
	while ((pos = gelf_getnote(data, pos, &nh, &name_off, &desc_off)) > 0) {
		const char *desc = (const char *)data->d_buf + desc_off;
		const char *nname = (const char *)data->d_buf + name_off;

		if (nh.n_type != 3 || strcmp(nname, "stapsdt") || nh.n_descsz < 24)
			continue;
		uint64_t addrs[3];

		memcpy(addrs, desc, sizeof(addrs));
		const char *prov = desc + 24;
		const char *end = desc + nh.n_descsz;
		const char *pname = memchr(prov, 0, end - prov);

		if (!pname++ || pname >= end)
			continue;
		const char *args = memchr(pname, 0, end - pname);

		if (!args++ || args > end)
			continue;
		void *p = realloc(out->usdts, (out->nusdts + 1) * sizeof(*out->usdts));

		if (!p)
			return -1;
		out->usdts = p;
		out->usdts[out->nusdts++] = (struct elf_usdt){
			.provider = strdup(prov), .name = strdup(pname), .pc = addrs[0],
			.semaphore = addrs[2], .args = strndup(args, end - args),
		};
	}
	return 0;
}

int elf_info_load(const char *path, struct elf_info *out, char *err, size_t errlen)
{
	int fd, rc = 0;
	Elf *elf = NULL;
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	GElf_Shdr sh, symtab_sh, dynsym_sh;
	GElf_Ehdr eh;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		snprintf(err, errlen, "%s: not an ELF file", path);
		rc = -ENOEXEC;
		goto out;
	}
	out->path = strdup(path);
	out->is_pie = eh.e_type == ET_DYN;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB) {
			symtab = scn;
			symtab_sh = sh;
		} else if (sh.sh_type == SHT_DYNSYM) {
			dynsym = scn;
			dynsym_sh = sh;
		} else if (sh.sh_type == SHT_NOTE) {
			const char *sname = NULL;
			size_t shstrndx;

			if (!elf_getshdrstrndx(elf, &shstrndx))
				sname = elf_strptr(elf, shstrndx, sh.sh_name);
			if (sname && !strcmp(sname, ".note.stapsdt") && read_usdt_notes(scn, out)) {
				rc = -ENOMEM;
				goto out;
			}
		}
	}
	/* Both tables: .symtab has statics, .dynsym survives `strip`. */
	if ((symtab && read_symtab(elf, symtab, &symtab_sh, false, out)) ||
	    (dynsym && read_symtab(elf, dynsym, &dynsym_sh, true, out))) {
		snprintf(err, errlen, "%s: cannot read symbols", path);
		rc = -ENOMEM;
		goto out;
	}
	dedupe_funcs(out);
out:
	if (elf)
		elf_end(elf);
	close(fd);
	if (rc)
		elf_info_free(out);
	return rc;
}

void elf_info_free(struct elf_info *info)
{
	for (size_t i = 0; i < info->nfuncs; i++)
		free(info->funcs[i].name);
	for (size_t i = 0; i < info->nusdts; i++) {
		free(info->usdts[i].provider);
		free(info->usdts[i].name);
		free(info->usdts[i].args);
	}
	free(info->funcs);
	free(info->usdts);
	free(info->path);
	memset(info, 0, sizeof(*info));
}

const struct elf_func *elf_find_func(const struct elf_info *info, const char *name)
{
	struct elf_func key = {.name = (char *)name};

	if (!info->nfuncs)
		return NULL;
	return bsearch(&key, info->funcs, info->nfuncs, sizeof(key), cmp_func);
}

const struct elf_usdt *elf_find_usdt(const struct elf_info *info, const char *provider,
				     const char *name)
{
	for (size_t i = 0; i < info->nusdts; i++)
		if (!strcmp(info->usdts[i].provider, provider) && !strcmp(info->usdts[i].name, name))
			return &info->usdts[i];
	return NULL;
}
