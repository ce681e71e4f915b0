/* bench-floor: launches COMMAND with an empty uprobe + uretprobe pair on
 * SYMBOL of COMMAND's executable, attached the way mcp-bpftrace attaches
 * (per-pid, before the command's main runs: a uprobe_multi link each when
 * the kernel has them, else libbpf's perf-event uprobes, or those with
 * --perf), and waits for it. With --span, the pair that makes the least a
 * span needs (floor.bpf.c), whose ring this process reads every 2 ms (as
 * mcp-bpftrace does while records stream in); it prints how many.
 *
 *   bench-floor [--perf | --span] SYMBOL -- COMMAND [ARGS...]
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

static unsigned long long nspans;

static int count_span(void *ctx, void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	nspans++;
	return 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	struct floor_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct bpf_program *entry, *exit_;
	bool span = argc > 1 && !strcmp(argv[1], "--span");
	char exe[PATH_MAX];
	int go[2], status = 0, rc = 1, mfd[2] = {-1, -1};
	bool multi;
	pid_t pid;

	multi = !(argc > 1 && !strcmp(argv[1], "--perf"));
	if (!multi || span) {
		argc--;
		argv++;
	}
	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: bench-floor [--perf | --span] SYMBOL -- COMMAND [ARGS...]\n");
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
	if (!skel)
		goto out;
	entry = span ? skel->progs.span_min_entry : skel->progs.floor_entry;
	exit_ = span ? skel->progs.span_min_exit : skel->progs.floor_exit;
	bpf_program__set_autoload(span ? skel->progs.floor_entry : skel->progs.span_min_entry, false);
	bpf_program__set_autoload(span ? skel->progs.floor_exit : skel->progs.span_min_exit, false);
	if (multi) {
		bpf_program__set_expected_attach_type(entry, UMULTI_ATTACH_TYPE);
		bpf_program__set_expected_attach_type(exit_, UMULTI_ATTACH_TYPE);
	}
	if (floor_bpf__load(skel)) {
		fprintf(stderr, "bench-floor: cannot load the BPF programs: %s\n", strerror(errno));
		goto out;
	}
	if (span && !(rb = ring_buffer__new(bpf_map__fd(skel->maps.spans), count_span, NULL, NULL)))
		goto out;
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
			mfd[0] = umulti_attach(bpf_program__fd(exit_), exe, pid, true, &fn->offset, &cookie, 1);
			mfd[1] = umulti_attach(bpf_program__fd(entry), exe, pid, false, &fn->offset, &cookie, 1);
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
	skel->links.floor_exit = bpf_program__attach_uprobe_opts(exit_, pid, exe, 0, &ro);
	skel->links.floor_entry = bpf_program__attach_uprobe_opts(entry, pid, exe, 0, &eo);
	if (!skel->links.floor_exit || !skel->links.floor_entry) {
		fprintf(stderr, "bench-floor: cannot attach to %s in %s: %s\n", argv[1], exe, strerror(errno));
		goto out;
	}
go:
	if (write(go[1], "g", 1) != 1)
		goto out;
	close(go[1]);
	go[1] = -1;
	for (;;) {
		pid_t w = waitpid(pid, &status, rb ? WNOHANG : 0);

		if (w < 0)
			goto out;
		if (w == pid)
			break;
		ring_buffer__poll(rb, 2);
	}
	if (rb) {
		ring_buffer__consume(rb);
		printf("floor_spans=%llu\n", nspans);
	}
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
	ring_buffer__free(rb);
	floor_bpf__destroy(skel);
	return rc;
}
