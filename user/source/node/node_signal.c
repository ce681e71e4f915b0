/* node_usr1_check: the kernel's handler table, then the symbol there. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "source/core_btf.h"
#include "sighand.skel.h"
#include "source/node/node_signal.h"
#include "source/uprobe/elf_symbols.h"
#include "target/proc_maps.h"

int signal_handler_of(pid_t pid, int sig, uint64_t *handler, char *err, size_t errlen)
{
	struct sighand_bpf *skel = sighand_bpf__open_opts(core_btf_open_opts(false));
	struct bpf_link *link = NULL;
	uint64_t rec[2];
	ssize_t n = -1;
	int fd = -1;

	if (!skel) {
		snprintf(err, errlen, "cannot open the signal-handler reader: %s", strerror(errno));
		return -1;
	}
	skel->rodata->target_tgid = pid;
	skel->rodata->signo = sig;
	if (sighand_bpf__load(skel) == 0 &&
	    (link = bpf_program__attach_iter(skel->progs.sighand_of, NULL)) &&
	    (fd = bpf_iter_create(bpf_link__fd(link))) >= 0)
		n = read(fd, rec, sizeof(rec));
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(link);
	sighand_bpf__destroy(skel);
	if (n != (ssize_t)sizeof(rec)) {
		snprintf(err, errlen, n == 0 ? "process %d is gone"
				      : "cannot read process %d's signal handlers (BPF task iterator)",
			 (int)pid);
		return -1;
	}
	*handler = rec[0];
	return 0;
}

int handler_where(pid_t pid, uint64_t addr, struct handler_where *w, char *err, size_t errlen)
{
	struct proc_maps maps;
	const struct proc_map *m = NULL;

	memset(w, 0, sizeof(*w));
	if (proc_maps_read(pid, &maps)) {
		snprintf(err, errlen, "cannot read /proc/%d/maps", (int)pid);
		return -1;
	}
	for (size_t i = 0; i < maps.n && !m; i++)
		if (addr >= maps.v[i].start && addr < maps.v[i].end)
			m = &maps.v[i];
	if (!m) {
		snprintf(err, errlen, "address 0x%llx lies in no mapped file", (unsigned long long)addr);
		proc_maps_free(&maps);
		return -1;
	}
	const char *base = strrchr(m->path, '/');

	snprintf(w->file, sizeof(w->file), "%s", base ? base + 1 : m->path);
	w->libuv_apart = proc_maps_find_object(&maps, "libuv.so") != NULL;
	/* map_files: the very file mapped, whatever mount namespace it is in. */
	char path[96];
	struct elf_info info;
	uint64_t off = addr - m->start + m->offset;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", (int)pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	if (elf_info_load(path, &info, err, errlen) == 0) {
		for (size_t i = 0; i < info.nfuncs && !w->sym[0]; i++)
			if (off >= info.funcs[i].offset &&
			    off < info.funcs[i].offset + (info.funcs[i].size ? info.funcs[i].size : 1))
				snprintf(w->sym, sizeof(w->sym), "%s", info.funcs[i].name);
		elf_info_free(&info);
	}
	proc_maps_free(&maps);
	return 0;
}

enum usr1_handler usr1_verdict(const struct handler_where *w)
{
	if (strstr(w->sym, "StartIoThreadWakeup"))
		return USR1_INSPECTOR;
	if (strstr(w->sym, "uv__signal_handler") || (!w->sym[0] && !strncmp(w->file, "libuv.so", 8)))
		return USR1_LIBUV;
	if (w->sym[0])
		return USR1_OTHER;
	/* A libnode without its symbol table (Debian's: they are in a -dbgsym
	 * package), with libuv a library of its own: the one SIGUSR1 handler
	 * libnode installs is the inspector's, and process.on's would lie in
	 * libuv.so. A node binary with libuv inside it cannot be told so. */
	if (!strncmp(w->file, "libnode.so", 10) && w->libuv_apart)
		return USR1_INSPECTOR;
	return USR1_UNKNOWN;
}

int node_usr1_check(pid_t pid, char *err, size_t errlen)
{
	uint64_t h;
	struct handler_where w;
	char why[256];

	if (signal_handler_of(pid, SIGUSR1, &h, err, errlen))
		return -1;
	if (h == (uint64_t)(uintptr_t)SIG_DFL || h == (uint64_t)(uintptr_t)SIG_IGN) {
		snprintf(err, errlen,
			 "process %d has no SIGUSR1 handler (%s): not a node with its inspector "
			 "(--disable-sigusr1, built without it, or still starting); SIGUSR1 %s",
			 (int)pid, h ? "ignored" : "default",
			 h ? "would do nothing" : "would kill it");
		return -1;
	}
	if (handler_where(pid, h, &w, why, sizeof(why))) {
		snprintf(err, errlen, "process %d's SIGUSR1 handler at 0x%llx: %s; no signal is sent",
			 (int)pid, (unsigned long long)h, why);
		return -1;
	}
	switch (usr1_verdict(&w)) {
	case USR1_INSPECTOR:
		return 0;
	case USR1_LIBUV:
	case USR1_OTHER:
		snprintf(err, errlen,
			 "process %d handles SIGUSR1 itself (%s in %s%s): the signal would run the "
			 "program's handler and open no inspector; not sent",
			 (int)pid, w.sym[0] ? w.sym : "a handler", w.file,
			 usr1_verdict(&w) == USR1_LIBUV ? ", i.e. process.on('SIGUSR1')" : "");
		return -1;
	default:
		snprintf(err, errlen,
			 "process %d's SIGUSR1 handler at 0x%llx in %s cannot be named (no symbols); "
			 "it may be the program's own, so no signal is sent",
			 (int)pid, (unsigned long long)h, w.file);
		return -1;
	}
}

/* Whether NUL- or space-separated text holds an option that starts node's
 * inspector: --inspect, --inspect-brk or --inspect-wait, with or without
 * =HOST:PORT (--inspect-port alone only says where SIGUSR1 opens it). */
static int has_inspect(const char *buf, size_t n)
{
	static const char *const opts[] = {"--inspect-brk", "--inspect-wait", "--inspect"};

	for (size_t i = 0; i < n; i++) {
		if (i && buf[i - 1] != 0 && buf[i - 1] != ' ')
			continue;
		for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
			size_t l = strlen(opts[k]);

			if (i + l <= n && !memcmp(buf + i, opts[k], l) &&
			    (i + l == n || buf[i + l] == 0 || buf[i + l] == ' ' || buf[i + l] == '='))
				return 1;
		}
	}
	return 0;
}

static size_t read_proc(pid_t pid, const char *what, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(buf, 1, len, f) : 0;

	if (f)
		fclose(f);
	return n;
}

int node_inspect_flag_check(pid_t pid, char *err, size_t errlen)
{
	static char buf[1 << 16];
	size_t n = read_proc(pid, "cmdline", buf, sizeof(buf));

	if (has_inspect(buf, n)) {
		snprintf(err, errlen,
			 "process %d was started with --inspect*: its inspector belongs to the "
			 "user's debugger; not touched",
			 (int)pid);
		return -1;
	}
	n = read_proc(pid, "environ", buf, sizeof(buf));
	for (size_t i = 0; i < n;) {
		size_t l = strnlen(buf + i, n - i);

		if (l > 13 && !memcmp(buf + i, "NODE_OPTIONS=", 13) && has_inspect(buf + i + 13, l - 13)) {
			snprintf(err, errlen,
				 "process %d has --inspect* in NODE_OPTIONS: its inspector belongs "
				 "to the user's debugger; not touched",
				 (int)pid);
			return -1;
		}
		i += l + 1;
	}
	return 0;
}
