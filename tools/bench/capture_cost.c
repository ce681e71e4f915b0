/* Runs a command under one capture mechanism and counts what it captured.
 *   capture-cost MODE -- CMD [ARGS...]
 * MODE: none     nothing attached
 *       tp-other the mcp source's own BPF object (bpf/mcp_io.bpf.c, as built in
 *                $BUILD): tp_btf/sys_enter+sys_exit, traced set = {this process}:
 *                CMD untraced
 *       tp-self  the same, traced set = {CMD}
 *       tp0-other the same tracepoints with empty programs: their own price
 *       up-other uprobes on libc's eight read/write functions, for this process only
 *       up-self  the same, for CMD only
 *       upx-self the same, each probe on the first instruction the kernel
 *                emulates (glibc's entry `cmpb $0,__libc_single_threaded(%rip)`
 *                is rip-relative: stepped out of line, two traps; the `je`
 *                after it is emulated, one trap). Functions without that
 *                entry are probed at their entry as usual.
 *       lx-other the mcp source's libc capture as mcp-bpftrace attaches it
 *                (--mcp-capture=libc: bpf/mcp_io.bpf.c's mcp_libc_enter/exit,
 *                user/source/mcp/mcp_libc.c's offsets and uprobe_multi links
 *                with the traced pid), traced set = {this process}
 *       lx-self  the same, traced set = {CMD}
 * CMD is forked and held until everything is attached (its pid must be
 * known first). Prints CMD's output, then "records=N dropped=N skipped=N". */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "capture_cost.skel.h"
#include "mcp_io.skel.h"
#include "mcp_trace.h"
#include "source/mcp/mcp_capture.h"
#include "source/mcp/mcp_libc.h"
#include "source/uprobe/uprobe_multi.h"

#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"

static long records;

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	records++;
	return 0;
}

/* File offset of func in the ELF at path (its .dynsym value, mapped
 * through the PT_LOAD holding it), 0 when not found. */
static long file_offset(const char *path, const char *func)
{
	long off = 0;
	int fd = open(path, O_RDONLY);
	Elf *e;

	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	GElf_Addr vaddr = 0;
	while (e && !vaddr && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			if (gelf_getsym(d, (int)i, &sym) && GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
			    !strcmp(elf_strptr(e, sh.sh_link, sym.st_name), func)) {
				vaddr = sym.st_value;
				break;
			}
		}
	}
	size_t n = 0;
	if (e && vaddr && !elf_getphdrnum(e, &n)) {
		for (size_t i = 0; i < n; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
			    vaddr < ph.p_vaddr + ph.p_filesz)
				off = (long)(vaddr - ph.p_vaddr + ph.p_offset);
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return off;
}

/* Bytes past func's entry to its first emulated instruction, for glibc's
 * `cmpb $0x0,rip(...)` [`mov %ecx,%r10d`] `je` entry; 0 for any other. No
 * stack change comes before it, so a return probe there still finds the
 * return address on top of the stack. */
static long emulated_entry(const char *func)
{
	unsigned char b[16];
	long at = file_offset(LIBC, func);
	int fd = open(LIBC, O_RDONLY);
	long off = 0;

	if (at && fd >= 0 && pread(fd, b, sizeof(b), at) == (ssize_t)sizeof(b) && b[0] == 0x80 &&
	    b[1] == 0x3d && b[6] == 0x00) {
		off = 7;
		if (b[off] == 0x41 && b[off + 1] == 0x89 && b[off + 2] == 0xca)
			off += 3;
		if (b[off] != 0x74 && !(b[off] == 0x0f && b[off + 1] == 0x84))
			off = 0;
	}
	if (fd >= 0)
		close(fd);
	return off;
}

struct up {
	const char *func;
	struct bpf_program *entry, *ret;
};

static int attach_uprobes(struct capture_cost_bpf *skel, pid_t pid, bool emulated)
{
	struct up ups[] = {
		{"read", skel->progs.up_read, skel->progs.ur_read},
		{"write", skel->progs.up_write, NULL},
		{"readv", skel->progs.up_readv, skel->progs.ur_readv},
		{"writev", skel->progs.up_writev, NULL},
		{"recvfrom", skel->progs.up_recvfrom, skel->progs.ur_recvfrom},
		{"sendto", skel->progs.up_sendto, NULL},
		{"recvmsg", skel->progs.up_recvmsg, skel->progs.ur_recvmsg},
		{"sendmsg", skel->progs.up_sendmsg, NULL},
	};
	for (size_t i = 0; i < sizeof(ups) / sizeof(ups[0]); i++) {
		for (int r = 0; r < 2; r++) {
			struct bpf_program *prog = r ? ups[i].ret : ups[i].entry;
			if (!prog)
				continue;
			LIBBPF_OPTS(bpf_uprobe_opts, o, .func_name = ups[i].func, .retprobe = r);
			long off = emulated ? emulated_entry(ups[i].func) : 0;
			if (emulated && !off)
				fprintf(stderr, "capture-cost: %s: no emulated entry, probed at +0\n", ups[i].func);
			if (!bpf_program__attach_uprobe_opts(prog, pid, LIBC, (size_t)off, &o)) {
				fprintf(stderr, "capture-cost: uprobe %s:%s: %s\n", LIBC, ups[i].func,
					strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct capture_cost_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	int go[2], status = 0;

	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: capture-cost none|tp0-other|tp-other|tp-self|up-other|up-self|upx-other|upx-self|"
				"lx-other|lx-self -- CMD [ARGS...]\n");
		return 2;
	}
	const char *mode = argv[1];
	bool tp0 = !strncmp(mode, "tp0-", 4), tp = tp0 || !strncmp(mode, "tp-", 3);
	bool lx = !strncmp(mode, "lx-", 3);
	bool upx = !strncmp(mode, "upx-", 4);
	bool up = upx || !strncmp(mode, "up-", 3);
	bool self = strstr(mode, "-self") != NULL;
	if (!tp && !up && !lx && strcmp(mode, "none")) {
		fprintf(stderr, "capture-cost: unknown mode %s\n", mode);
		return 2;
	}
	if (pipe(go))
		return perror("pipe"), 1;
	pid_t child = fork();
	if (child == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(126);
		close(go[0]);
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	close(go[0]);
	struct mcp_io_bpf *io = NULL;
	struct mcp_libc *libc = NULL;
	if ((tp && !tp0) || lx) { /* the real thing, configured as mcp-bpftrace does */
		io = mcp_io_bpf__open();
		if (!io)
			return fprintf(stderr, "capture-cost: cannot open mcp_io.bpf.o\n"), 1;
		io->rodata->traced_mode = MCP_TRACED_BY_SET;
		io->rodata->wakeup_bytes = bpf_map__max_entries(io->maps.events) / 16;
		bool session = lx && umulti_session_supported();
		mcp_capture_programs(io, lx, session);
		if (mcp_io_bpf__load(io))
			return fprintf(stderr, "capture-cost: cannot load mcp_io.bpf.o\n"), 1;
		__u32 pid = self ? (__u32)child : (__u32)getpid();
		struct mcp_traced v = {.flags = MCP_TRACED_TARGET};
		bpf_map_update_elem(bpf_map__fd(io->maps.traced_pids), &pid, &v, BPF_ANY);
		if (lx) { /* CMD is still this program before its exec: the links
			   * follow it into the new image (same libc) */
			char why[400];
			int exit_fd, enter_fd = mcp_capture_libc_fds(io, session, &exit_fd);
			libc = mcp_libc_new(enter_fd, exit_fd, false);
			if (!libc || mcp_libc_cover(libc, (pid_t)pid, false, why, sizeof(why)) != 1)
				return fprintf(stderr, "capture-cost: libc capture: %s\n", libc ? why : "no memory"), 1;
		} else if (!bpf_program__attach(io->progs.mcp_sys_enter) || !bpf_program__attach(io->progs.mcp_sys_exit)) {
			return fprintf(stderr, "capture-cost: tp_btf attach failed\n"), 1;
		}
		rb = ring_buffer__new(bpf_map__fd(io->maps.events), on_record, NULL, NULL);
		if (!rb)
			return fprintf(stderr, "capture-cost: ring buffer failed\n"), 1;
	} else if (tp || up) {
		skel = capture_cost_bpf__open();
		if (!skel)
			return fprintf(stderr, "capture-cost: open failed\n"), 1;
		/* load only the programs of this mode */
		struct bpf_program *prog;
		bpf_object__for_each_program(prog, skel->obj) {
			const char *name = bpf_program__name(prog);
			bool is_tp0 = !strncmp(name, "empty_", 6);
			bpf_program__set_autoload(prog, tp0 == is_tp0);
		}
		if (capture_cost_bpf__load(skel))
			return fprintf(stderr, "capture-cost: load failed\n"), 1;
		__u32 pid = self ? (__u32)child : (__u32)getpid();
		__u8 one = 1;
		bpf_map_update_elem(bpf_map__fd(skel->maps.pids), &pid, &one, BPF_ANY);
		if (tp) {
			if (!bpf_program__attach(skel->progs.empty_enter) ||
			    !bpf_program__attach(skel->progs.empty_exit))
				return fprintf(stderr, "capture-cost: tp_btf attach failed\n"), 1;
		} else if (attach_uprobes(skel, (pid_t)pid, upx)) {
			return 1;
		}
		rb = ring_buffer__new(bpf_map__fd(skel->maps.rb), on_record, NULL, NULL);
		if (!rb)
			return fprintf(stderr, "capture-cost: ring buffer failed\n"), 1;
	}
	if (write(go[1], "g", 1) != 1)
		return perror("write"), 1;
	close(go[1]);
	for (;;) {
		if (rb)
			ring_buffer__poll(rb, 50);
		else
			usleep(50000);
		pid_t w = waitpid(child, &status, WNOHANG);
		if (w == child)
			break;
	}
	long dropped = 0, skipped = 0;
	if (io) {
		ring_buffer__consume(rb);
		int ncpu = libbpf_num_possible_cpus();
		__u64 vals[ncpu];
		__u32 k = MCP_STAT_DROPPED;
		if (!bpf_map_lookup_elem(bpf_map__fd(io->maps.stats), &k, vals))
			for (int c = 0; c < ncpu; c++)
				dropped += (long)vals[c];
	} else if (rb) {
		ring_buffer__consume(rb);
		int ncpu = libbpf_num_possible_cpus();
		__u64 vals[ncpu];
		for (__u32 k = 1; k <= 2; k++) {
			if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.counts), &k, vals))
				continue;
			for (int c = 0; c < ncpu; c++)
				*(k == 1 ? &dropped : &skipped) += (long)vals[c];
		}
	}
	printf("records=%ld dropped=%ld skipped=%ld\n", records, dropped, skipped);
	ring_buffer__free(rb);
	mcp_libc_free(libc);
	capture_cost_bpf__destroy(skel);
	mcp_io_bpf__destroy(io);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
