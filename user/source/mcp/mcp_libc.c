/* The mcp source's libc capture: see mcp_libc.h. */
#include "source/mcp/mcp_libc.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "source/uprobe/elf_symbols.h"
#include "source/uprobe/uprobe_multi.h"

/* The functions the runtimes call to move data (BENCHMARKS.md, "What
 * Node.js calls": read, write, writev; CPython's os.read, sys.stdout and
 * socket objects: read, write, recv, send; the rest for others), and the
 * syscall each makes on x86-64: the BPF side treats the call as that
 * syscall (recv is recvfrom, send is sendto, with the flags in the same
 * argument). */
static const struct {
	const char *name;
	uint64_t nr;
} funcs[MCP_LIBC_FUNCS] = {
	{"read", 0},      {"write", 1},     {"readv", 19},  {"writev", 20},  {"recv", 45},
	{"send", 44},     {"recvfrom", 45}, {"sendto", 44}, {"recvmsg", 47}, {"sendmsg", 46},
};

/* One libc file, probed or found unusable, by inode. */
struct libc_file {
	dev_t dev;
	ino_t ino;
	char path[256]; /* as opened (through /proc/PID/root) */
	int nfuncs;     /* found; 0: not a glibc we can probe */
	int emulated;   /* of them, probed past the entry check or at a push */
	uint64_t offsets[MCP_LIBC_FUNCS], cookies[MCP_LIBC_FUNCS];
	char why[320];  /* nfuncs 0: why not */
};

/* One traced process told to mcp_libc_cover. */
struct libc_proc {
	pid_t pid;
	bool covered;
	dev_t dev;
	ino_t ino;
	int links[2]; /* entry (or session), return; -1: none */
};

#define REAPERS 8

struct mcp_libc {
	int enter_fd, exit_fd;
	bool verbose;
	struct libc_file *files;
	size_t nfiles;
	struct libc_proc *procs;
	size_t nprocs, cap;
	/* Links of processes gone are closed by threads of their own: a
	 * close waits for the kernel's grace periods (76 ms median here), and
	 * the caller has records to read and processes held to go on.
	 * Several, so that the waits overlap (160 links closed one after the
	 * other kept a run of 81 processes 5 s longer, 2 s with 8). */
	int reap[2];
	pthread_t reapers[REAPERS];
	int nreapers;
};

static void *reap(void *arg)
{
	struct mcp_libc *L = arg;
	int fd;

	while (read(L->reap[0], &fd, sizeof(fd)) == (ssize_t)sizeof(fd))
		close(fd);
	return NULL;
}

const char *mcp_capture_name(enum mcp_capture m)
{
	return m == MCP_CAPTURE_LIBC ? "libc" : m == MCP_CAPTURE_SYSCALLS ? "syscalls" : "auto";
}

/* glibc 2.3x: `cmpb $0x0,__libc_single_threaded(%rip)` (80 3d rel32 00),
 * for the functions with a 4th argument `mov %ecx,%r10d` (41 89 ca) or
 * `mov %rcx,%r10` (49 89 ca), then
 * `je` (74 rel8 or 0f 84 rel32). The cmpb is rip-relative: the kernel
 * would step it out of line, a second trap (~20 us here); the je it
 * emulates. Nothing is pushed before it: a return probe there still finds
 * the return address on top of the stack. A function that starts with a
 * push (recvmsg) is probed at its entry: the kernel emulates pushes. */
uint64_t mcp_libc_probe_offset(const uint8_t *b, size_t n, bool *known)
{
	*known = false;
	if (n >= 13 && b[0] == 0x80 && b[1] == 0x3d && b[6] == 0x00) {
		size_t off = 7;

		if ((b[off] == 0x41 || b[off] == 0x49) && b[off + 1] == 0x89 && b[off + 2] == 0xca)
			off += 3; /* mov %ecx,%r10d or mov %rcx,%r10 (pwrite64) */
		if (b[off] == 0x74 || (b[off] == 0x0f && b[off + 1] == 0x84)) {
			*known = true;
			return off;
		}
		return 0;
	}
	if (n >= 2 && ((b[0] >= 0x50 && b[0] <= 0x57) || (b[0] == 0x41 && b[1] >= 0x50 && b[1] <= 0x57)))
		*known = true;
	return 0;
}

uint64_t mcp_libc_func_probe_at(const char *path, const char *name, bool *known)
{
	struct elf_info info;
	char err[256];
	uint64_t at = 0;

	*known = false;
	if (elf_info_load(path, &info, err, sizeof(err)))
		return 0;
	const struct elf_func *fn = elf_find_func(&info, name);
	int fd = fn ? open(path, O_RDONLY | O_CLOEXEC) : -1;

	if (fd >= 0) {
		uint8_t code[16];
		ssize_t got = pread(fd, code, sizeof(code), (off_t)fn->offset);

		at = fn->offset + mcp_libc_probe_offset(code, got > 0 ? (size_t)got : 0, known);
		close(fd);
	}
	elf_info_free(&info);
	return at;
}

static void load_file(struct libc_file *f, bool verbose)
{
	struct elf_info info;
	char err[256];
	int fd;

	if (elf_info_load(f->path, &info, err, sizeof(err))) {
		snprintf(f->why, sizeof(f->why), "%s", err);
		return;
	}
	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	for (int i = 0; i < MCP_LIBC_FUNCS && fd >= 0; i++) {
		const struct elf_func *fn = elf_find_func(&info, funcs[i].name);
		uint8_t code[16];
		bool known;

		if (!fn) {
			if (verbose)
				fprintf(stderr, "mcp-bpftrace: mcp: %s has no %s: not probed\n", f->path, funcs[i].name);
			continue;
		}
		ssize_t got = pread(fd, code, sizeof(code), (off_t)fn->offset);
		uint64_t off = mcp_libc_probe_offset(code, got > 0 ? (size_t)got : 0, &known);
		if (verbose && !known)
			fprintf(stderr, "mcp-bpftrace: mcp: %s:%s starts with no instruction the kernel emulates "
					"(%02x %02x): probed at its entry, single-stepped\n",
				f->path, funcs[i].name, code[0], code[1]);
		f->offsets[f->nfuncs] = fn->offset + off;
		f->cookies[f->nfuncs] = funcs[i].nr;
		f->nfuncs++;
		f->emulated += known;
	}
	if (fd >= 0)
		close(fd);
	/* read and write are what every runtime calls: without them it is
	 * no libc to capture with */
	if (!elf_find_func(&info, "read") || !elf_find_func(&info, "write")) {
		snprintf(f->why, sizeof(f->why), "%s has no read and write functions", f->path);
		f->nfuncs = 0;
	}
	elf_info_free(&info);
}

/* The file at path (already resolved), read once per inode. */
static struct libc_file *file_of(struct mcp_libc *L, const char *path, char *why, size_t n)
{
	struct stat st;

	if (stat(path, &st)) {
		snprintf(why, n, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (size_t i = 0; i < L->nfiles; i++)
		if (L->files[i].dev == st.st_dev && L->files[i].ino == st.st_ino)
			return &L->files[i];
	struct libc_file *v = realloc(L->files, (L->nfiles + 1) * sizeof(*v));
	if (!v) {
		snprintf(why, n, "out of memory");
		return NULL;
	}
	L->files = v;
	struct libc_file *f = &v[L->nfiles++];
	memset(f, 0, sizeof(*f));
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	snprintf(f->path, sizeof(f->path), "%s", path);
	load_file(f, L->verbose);
	if (L->verbose && f->nfuncs)
		fprintf(stderr, "mcp-bpftrace: mcp: %s: %d functions, %d probed past glibc's entry check or at a push\n",
			path, f->nfuncs, f->emulated);
	return f;
}

static bool is_glibc_name(const char *base)
{
	return !strcmp(base, "libc.so.6") || (!strncmp(base, "libc-2.", 7) && strstr(base, ".so"));
}

/* The libc a running process maps, as a path through its root. */
static int mapped_libc(pid_t pid, char *out, size_t n, char *why, size_t wn)
{
	char maps[64], line[512];
	FILE *fp;
	int found = 0;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	fp = fopen(maps, "re");
	if (!fp) {
		snprintf(why, wn, "%s: %s", maps, strerror(errno));
		return -1;
	}
	while (!found && fgets(line, sizeof(line), fp)) {
		char *path = strchr(line, '/');
		if (!path)
			continue;
		path[strcspn(path, "\n")] = 0;
		const char *base = strrchr(path, '/') + 1;
		if (is_glibc_name(base)) {
			snprintf(out, n, "/proc/%d/root%s", (int)pid, path);
			found = 1;
		}
	}
	fclose(fp);
	if (!found)
		snprintf(why, wn, "it maps no glibc libc.so.6 (a static binary, or another C library)");
	return found ? 0 : -1;
}

/* The program interpreter of the process's executable (PT_INTERP), "" for
 * a static one; -1 when it cannot be read. */
static int interp_of(pid_t pid, char *out, size_t n)
{
	char exe[64];
	int fd, rc = -1;
	size_t ph = 0;
	Elf *elf;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	fd = open(exe, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || elf_version(EV_CURRENT) == EV_NONE)
		goto out;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && !elf_getphdrnum(elf, &ph)) {
		out[0] = 0;
		rc = 0;
		for (size_t i = 0; i < ph; i++) {
			GElf_Phdr p;
			if (gelf_getphdr(elf, (int)i, &p) && p.p_type == PT_INTERP && p.p_filesz < n &&
			    pread(fd, out, p.p_filesz, (off_t)p.p_offset) == (ssize_t)p.p_filesz)
				out[p.p_filesz] = 0;
		}
	}
	if (elf)
		elf_end(elf);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The libc a process stopped at exec will load: its interpreter says
 * which C library (glibc's is ld-linux*), the usual directories where. */
static int image_libc(pid_t pid, char *out, size_t n, char *why, size_t wn)
{
	static const char *const dirs[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
					   "/usr/lib64", "/lib", "/usr/lib"};
	char interp[256];

	if (interp_of(pid, interp, sizeof(interp))) {
		snprintf(why, wn, "its executable cannot be read (/proc/%d/exe)", (int)pid);
		return -1;
	}
	if (!interp[0]) {
		snprintf(why, wn, "a static binary (no program interpreter)");
		return -1;
	}
	const char *base = strrchr(interp, '/') ? strrchr(interp, '/') + 1 : interp;
	if (strncmp(base, "ld-linux", 8)) {
		snprintf(why, wn, "its program interpreter %.100s is not glibc's", interp);
		return -1;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(out, n, "/proc/%d/root%s/libc.so.6", (int)pid, dirs[i]);
		if (!access(out, R_OK))
			return 0;
	}
	snprintf(why, wn, "no libc.so.6 found in its root's library directories");
	return -1;
}

static struct libc_proc *proc_of(struct mcp_libc *L, pid_t pid, bool make)
{
	for (size_t i = 0; i < L->nprocs; i++)
		if (L->procs[i].pid == pid)
			return &L->procs[i];
	if (!make)
		return NULL;
	if (L->nprocs == L->cap) {
		size_t cap = L->cap ? L->cap * 2 : 64;
		struct libc_proc *v = realloc(L->procs, cap * sizeof(*v));
		if (!v)
			return NULL;
		L->procs = v;
		L->cap = cap;
	}
	struct libc_proc *p = &L->procs[L->nprocs++];
	*p = (struct libc_proc){.pid = pid, .links = {-1, -1}};
	return p;
}

static void unlink_proc(struct mcp_libc *L, struct libc_proc *p)
{
	for (int i = 0; i < 2; i++) {
		int fd = p->links[i];
		if (fd >= 0 && (!L->nreapers || write(L->reap[1], &fd, sizeof(fd)) != (ssize_t)sizeof(fd)))
			close(fd);
		p->links[i] = -1;
	}
	p->covered = false;
}

int mcp_libc_cover(struct mcp_libc *L, pid_t pid, bool image, char *why, size_t n)
{
	struct libc_proc *p = proc_of(L, pid, true);
	char path[256];

	if (!p) {
		snprintf(why, n, "out of memory");
		return -1;
	}
	int e = image ? image_libc(pid, path, sizeof(path), why, n) : mapped_libc(pid, path, sizeof(path), why, n);
	struct libc_file *f = e ? NULL : file_of(L, path, why, n);
	if (!f) {
		unlink_proc(L, p);
		return 0;
	}
	if (!f->nfuncs) {
		snprintf(why, n, "%s", f->why);
		unlink_proc(L, p);
		return 0;
	}
	/* an exec into an image on the same libc: the links follow the
	 * process (the kernel matches them by its current mm) */
	if (p->covered && p->dev == f->dev && p->ino == f->ino) {
		snprintf(why, n, "%s, probed already", path);
		return 1;
	}
	unlink_proc(L, p);
	/* this process's path to it: the one cached may be another's, gone */
	uint32_t type = L->exit_fd < 0 ? UMULTI_SESSION_ATTACH_TYPE : UMULTI_ATTACH_TYPE;
	int a = umulti_attach_as(L->enter_fd, type, path, pid, false, f->offsets, f->cookies, (uint32_t)f->nfuncs);
	int r = a < 0 || L->exit_fd < 0
			? a
			: umulti_attach(L->exit_fd, path, pid, true, f->offsets, f->cookies, (uint32_t)f->nfuncs);
	if (a < 0 || r < 0) {
		snprintf(why, n, "uprobe_multi link on %s: %s", path, strerror(-(a < 0 ? a : r)));
		if (a >= 0)
			close(a);
		return -1;
	}
	p->links[0] = a;
	p->links[1] = L->exit_fd < 0 ? -1 : r;
	p->covered = true;
	p->dev = f->dev;
	p->ino = f->ino;
	snprintf(why, n, "%s, %d functions", path, f->nfuncs);
	return 1;
}

void mcp_libc_uncover(struct mcp_libc *L, pid_t pid)
{
	struct libc_proc *p = proc_of(L, pid, true);

	if (p)
		unlink_proc(L, p);
}

void mcp_libc_forget(struct mcp_libc *L, pid_t pid)
{
	struct libc_proc *p = proc_of(L, pid, false);

	if (!p)
		return;
	unlink_proc(L, p);
	*p = L->procs[--L->nprocs];
}

static size_t count(const struct mcp_libc *L, bool covered)
{
	size_t n = 0;

	for (size_t i = 0; L && i < L->nprocs; i++)
		n += L->procs[i].covered == covered;
	return n;
}

size_t mcp_libc_uncovered(const struct mcp_libc *L)
{
	return count(L, false);
}

size_t mcp_libc_covered(const struct mcp_libc *L)
{
	return count(L, true);
}

struct mcp_libc *mcp_libc_new(int enter_fd, int exit_fd, bool verbose)
{
	struct mcp_libc *L = calloc(1, sizeof(*L));

	if (L) {
		L->enter_fd = enter_fd;
		L->exit_fd = exit_fd;
		L->verbose = verbose;
		if (!pipe2(L->reap, O_CLOEXEC)) {
			while (L->nreapers < REAPERS && !pthread_create(&L->reapers[L->nreapers], NULL, reap, L))
				L->nreapers++;
			if (!L->nreapers) {
				close(L->reap[0]);
				close(L->reap[1]);
			}
		}
	}
	return L;
}

void mcp_libc_free(struct mcp_libc *L)
{
	if (!L)
		return;
	for (size_t i = 0; i < L->nprocs; i++)
		unlink_proc(L, &L->procs[i]);
	if (L->nreapers) { /* they close what is queued, then see the end */
		close(L->reap[1]);
		for (int i = 0; i < L->nreapers; i++)
			pthread_join(L->reapers[i], NULL);
		close(L->reap[0]);
	}
	free(L->procs);
	free(L->files);
	free(L);
}
