/* bench-floor: launches COMMAND with an empty uprobe + uretprobe pair on
 * SYMBOL of COMMAND's executable, attached the way mcp-bpftrace attaches
 * (per-pid, before the command's main runs: a uprobe_multi link each when
 * the kernel has them, else libbpf's perf-event uprobes, or those with
 * --perf), and waits for it.
 *
 *   bench-floor [--perf] SYMBOL -- COMMAND [ARGS...]
 *
 * Exit status: the command's, or 1 if loading/attaching failed. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "source/uprobe/elf_symbols.h"
#include "floor.skel.h"
#include "source/uprobe/uprobe_multi.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	struct floor_bpf *skel = NULL;
	char exe[PATH_MAX];
	int go[2], status = 0, rc = 1, mfd[2] = {-1, -1};
	bool multi;
	pid_t pid;

	multi = !(argc > 1 && !strcmp(argv[1], "--perf"));
	if (!multi) {
		argc--;
		argv++;
	}
	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: bench-floor [--perf] SYMBOL -- COMMAND [ARGS...]\n");
		return 2;
	}
	multi = multi && umulti_supported();
	if (!realpath(argv[3], exe)) {
		fprintf(stderr, "bench-floor: %s: %s\n", argv[3], strerror(errno));
		return 2;
	}
	libbpf_set_print(quiet);
	if (pipe(go))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) { /* wait at the door until the probes are in */
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		close(go[0]);
		execv(exe, &argv[3]);
		_exit(127);
	}
	close(go[0]);
	skel = floor_bpf__open();
	if (skel && multi) {
		bpf_program__set_expected_attach_type(skel->progs.floor_entry, UMULTI_ATTACH_TYPE);
		bpf_program__set_expected_attach_type(skel->progs.floor_exit, UMULTI_ATTACH_TYPE);
	}
	if (!skel || floor_bpf__load(skel)) {
		fprintf(stderr, "bench-floor: cannot load the BPF programs: %s\n", strerror(errno));
		goto out;
	}
	if (multi) {
		struct elf_info info;
		const struct elf_func *fn;
		char err[256];
		uint64_t cookie = 0;

		if (elf_info_load(exe, &info, err, sizeof(err))) {
			fprintf(stderr, "bench-floor: %s\n", err);
			goto out;
		}
		fn = elf_find_func(&info, argv[1]);
		if (fn) {
			mfd[0] = umulti_attach(bpf_program__fd(skel->progs.floor_exit), exe, pid, true, &fn->offset,
					       &cookie, 1);
			mfd[1] = umulti_attach(bpf_program__fd(skel->progs.floor_entry), exe, pid, false,
					       &fn->offset, &cookie, 1);
		}
		elf_info_free(&info);
		if (mfd[0] < 0 || mfd[1] < 0) {
			fprintf(stderr, "bench-floor: cannot attach to %s in %s\n", argv[1], exe);
			goto out;
		}
		goto go;
	}
	LIBBPF_OPTS(bpf_uprobe_opts, ro, .retprobe = true, .func_name = argv[1]);
	LIBBPF_OPTS(bpf_uprobe_opts, eo, .retprobe = false, .func_name = argv[1]);
	skel->links.floor_exit = bpf_program__attach_uprobe_opts(skel->progs.floor_exit, pid, exe, 0, &ro);
	skel->links.floor_entry = bpf_program__attach_uprobe_opts(skel->progs.floor_entry, pid, exe, 0, &eo);
	if (!skel->links.floor_exit || !skel->links.floor_entry) {
		fprintf(stderr, "bench-floor: cannot attach to %s in %s: %s\n", argv[1], exe, strerror(errno));
		goto out;
	}
go:
	if (write(go[1], "g", 1) != 1)
		goto out;
	close(go[1]);
	go[1] = -1;
	if (waitpid(pid, &status, 0) < 0)
		goto out;
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	pid = 0;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	for (int i = 0; i < 2; i++)
		if (mfd[i] >= 0)
			close(mfd[i]);
	floor_bpf__destroy(skel);
	return rc;
}
