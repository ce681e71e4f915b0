/* ELF symbol and USDT note lookup with libelf: where in a file a function
 * starts (the offset a uprobe attaches at), and what a binary offers. */
#ifndef ELF_SYMBOLS_H
#define ELF_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct elf_func {
	char *name;
	uint64_t addr;   /* st_value (link-time virtual address) */
	uint64_t offset; /* file offset of the first instruction */
	uint64_t size;
	bool dynamic;    /* found in .dynsym (stripped binaries keep these) */
};

struct elf_usdt {
	char *provider;
	char *name;
	uint64_t pc;        /* link-time address of the probe */
	uint64_t semaphore; /* link-time address of the semaphore, 0 = none */
	char *args;         /* argument descriptors, e.g. "8@%rdi -4@%esi" */
};

struct elf_info {
	char *path;
	bool is_pie;            /* ET_DYN: loaded at a bias */
	struct elf_func *funcs; /* defined functions, sorted by name, unique */
	size_t nfuncs;
	struct elf_usdt *usdts;
	size_t nusdts;
};

/* Reads functions from .symtab, else .dynsym, and USDT notes. Returns 0, or
 * -errno with a message in err. */
int elf_info_load(const char *path, struct elf_info *out, char *err, size_t errlen);
void elf_info_free(struct elf_info *info);

/* The function named `name`, or NULL. */
const struct elf_func *elf_find_func(const struct elf_info *info, const char *name);
/* The USDT probe provider:name, or NULL. */
const struct elf_usdt *elf_find_usdt(const struct elf_info *info, const char *provider,
				     const char *name);

#endif
