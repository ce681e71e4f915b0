/* What the python source reads and writes in a target's memory, and
 * where its libc is: process_vm_readv/writev, no ptrace stop. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "source/python/py_proc.h"
#include "target/proc_maps.h"

uint64_t py_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int py_lease_write(pid_t pid, uint64_t addr, int64_t deadline_ns)
{
	struct iovec local = {.iov_base = &deadline_ns, .iov_len = sizeof(deadline_ns)};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = sizeof(deadline_ns)};

	return process_vm_writev(pid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof(deadline_ns) ? 0 : -1;
}

int py_libc_path(pid_t pid, bool running, char *out, size_t len)
{
	struct proc_maps m = {0};
	const struct proc_map *pm;
	int rc = -1;

	if (running && !proc_maps_read(pid, &m) && (pm = proc_maps_find_object(&m, "libc.so"))) {
		/* Through the process's root: a container's libc is its own. */
		snprintf(out, len, "/proc/%d/root%s", (int)pid, pm->path);
		rc = 0;
	}
	proc_maps_free(&m);
	if (rc) {
		/* Not mapped yet (a command held before its loader ran): the
		 * host's, which the uprobe finds by inode when it maps it. */
		static const char *const sys[] = {"/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
						  "/lib64/libc.so.6", "/usr/lib64/libc.so.6"};

		for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]) && rc; i++)
			if (!access(sys[i], R_OK))
				rc = snprintf(out, len, "%s", sys[i]) < 0 ? -1 : 0;
	}
	return rc;
}

/* File offset of symbol `name`'s address in ELF `path`, or 0. */
static uint64_t symbol_offset(const char *path, const char *name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *e;
	uint64_t off = 0, vaddr = 0;
	size_t nph = 0;

	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	if (!(e = elf_begin(fd, ELF_C_READ, NULL))) {
		close(fd);
		return 0;
	}
	for (Elf_Scn *scn = NULL; !vaddr && (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *n;

			if (gelf_getsym(d, (int)i, &s) && s.st_value && (n = elf_strptr(e, sh.sh_link, s.st_name)) &&
			    !strcmp(n, name)) {
				vaddr = s.st_value;
				break;
			}
		}
	}
	elf_getphdrnum(e, &nph);
	for (size_t i = 0; vaddr && i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
		    vaddr < ph.p_vaddr + ph.p_memsz) {
			off = vaddr - ph.p_vaddr + ph.p_offset;
			break;
		}
	}
	elf_end(e);
	close(fd);
	return off;
}

int py_interpreter_ready(pid_t pid)
{
	struct proc_maps m = {0};
	int rc = -1;

	if (proc_maps_read(pid, &m))
		return -1;
	/* _PyRuntime is in the executable (Debian's python3.11) or in a
	 * libpython (pyenv builds with --enable-shared): each mapped file once. */
	for (size_t i = 0; i < m.n && rc < 0; i++) {
		const struct proc_map *pm = &m.v[i];
		char path[4400];
		uint64_t off, addr;
		int st[5];

		if (!pm->path || pm->path[0] != '/' || (i && m.v[i - 1].path && !strcmp(m.v[i - 1].path, pm->path)))
			continue;
		if (!strstr(pm->path, "python"))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, pm->path);
		if (!(off = symbol_offset(path, "_PyRuntime")) || !(addr = proc_maps_runtime_addr(&m, pm->path, off)))
			continue;
		struct iovec local = {.iov_base = st, .iov_len = sizeof(st)};
		struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = sizeof(st)};

		if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(st))
			continue;
		/* 3.11-3.13: _initialized, preinitializing, preinitialized,
		 * core_initialized, initialized; the last is set once site
		 * has run, just before the main module does. */
		rc = st[4] == 1 ? 1 : 0;
	}
	proc_maps_free(&m);
	return rc;
}
