/* bench-floor: launches COMMAND with an empty uprobe + uretprobe pair on
 * SYMBOL of COMMAND's executable, attached the way mcp-bpftrace attaches
 * (libbpf, per-pid, before the command's main runs), and waits for it.
 *
 *   bench-floor SYMBOL -- COMMAND [ARGS...]
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
#include "floor.skel.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	struct floor_bpf *skel = NULL;
	char exe[PATH_MAX];
	int go[2], status = 0, rc = 1;
	pid_t pid;

	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: bench-floor SYMBOL -- COMMAND [ARGS...]\n");
		return 2;
	}
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
	skel = floor_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "bench-floor: cannot load the BPF programs: %s\n", strerror(errno));
		goto out;
	}
	LIBBPF_OPTS(bpf_uprobe_opts, ro, .retprobe = true, .func_name = argv[1]);
	LIBBPF_OPTS(bpf_uprobe_opts, eo, .retprobe = false, .func_name = argv[1]);
	skel->links.floor_exit = bpf_program__attach_uprobe_opts(skel->progs.floor_exit, pid, exe, 0, &ro);
	skel->links.floor_entry = bpf_program__attach_uprobe_opts(skel->progs.floor_entry, pid, exe, 0, &eo);
	if (!skel->links.floor_exit || !skel->links.floor_entry) {
		fprintf(stderr, "bench-floor: cannot attach to %s in %s: %s\n", argv[1], exe, strerror(errno));
		goto out;
	}
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
	floor_bpf__destroy(skel);
	return rc;
}
