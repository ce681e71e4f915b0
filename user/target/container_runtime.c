/* Asking a container runtime's CLI (podman, docker, crun, runc) which
 * container a name means: subprocesses with a time limit, apart from the
 * /proc scans (container_runtime.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "container_runtime.h"
#include "target.h"

/* Runs argv with stdout into out (stderr discarded), at most timeout_ms.
 * Returns the exit status, -1 if it could not run or timed out. */
static int run_capture(char *const argv[], char *out, size_t len, int timeout_ms)
{
	int p[2], status = -1;
	size_t at = 0;
	pid_t pid;
	uint64_t deadline = clock_mono_ns() + (uint64_t)timeout_ms * 1000000ull;

	out[0] = 0;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(p[1], 1);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		uint64_t now = clock_mono_ns();
		struct pollfd pf = {.fd = p[0], .events = POLLIN};
		char sink[512];

		if (now >= deadline) {
			kill(pid, SIGKILL);
			break;
		}
		int r = poll(&pf, 1, (int)((deadline - now) / 1000000 + 1));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		ssize_t n = at + 1 < len ? read(p[0], out + at, len - 1 - at) : read(p[0], sink, sizeof(sink));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (at + 1 < len)
			at += (size_t)n;
	}
	out[at] = 0;
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (clock_mono_ns() >= deadline)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool have_cmd(const char *cmd)
{
	char path[PATH_MAX];

	return target_resolve_cmd(cmd, path, sizeof(path)) == 0;
}


/* podman / docker: "ID NAME PID" for an exact name (or full id). */
static int ask_inspect(const char *tool, const char *name, struct cli_hit *h)
{
	char out[1024], *argv[] = {(char *)tool, "inspect", "--type", "container", "--format",
				   "{{.Id}} {{.Name}} {{.State.Pid}}", (char *)name, NULL};
	char id[256], nm[256];
	long pid;

	if (run_capture(argv, out, sizeof(out), 10000) != 0)
		return -1;
	if (sscanf(out, "%255s %255s %ld", id, nm, &pid) != 3)
		return -1;
	const char *n = nm[0] == '/' ? nm + 1 : nm; /* docker: "/name" */

	if (strcmp(n, name) && strcmp(id, name))
		return -1;
	snprintf(h->id, sizeof(h->id), "%.79s", id);
	h->pid = (pid_t)pid;
	snprintf(h->runtime, sizeof(h->runtime), "%.15s", tool);
	return 0;
}

/* crun / runc: `state NAME` prints the OCI state as JSON. */
static int ask_oci_state(const char *tool, const char *name, struct cli_hit *h)
{
	char out[8192], *argv[] = {(char *)tool, "state", (char *)name, NULL};
	cJSON *j;
	int rc = -1;

	if (run_capture(argv, out, sizeof(out), 10000) != 0)
		return -1;
	j = cJSON_Parse(out);
	if (!j)
		return -1;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
	const cJSON *pid = cJSON_GetObjectItemCaseSensitive(j, "pid");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");

	if (cJSON_IsString(id) && !strcmp(id->valuestring, name)) {
		snprintf(h->id, sizeof(h->id), "%s", id->valuestring);
		h->pid = cJSON_IsNumber(pid) && (!cJSON_IsString(st) || strcmp(st->valuestring, "stopped"))
				 ? (pid_t)pid->valuedouble : 0;
		snprintf(h->runtime, sizeof(h->runtime), "%s", tool);
		rc = 0;
	}
	cJSON_Delete(j);
	return rc;
}

int container_ask_runtimes(const char *name, struct cli_hit *h, char *asked, size_t alen)
{
	static const char *const tools[] = {"podman", "docker", "crun", "runc"};

	asked[0] = 0;
	if (name[0] == '-')
		return -1;
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		if (!have_cmd(tools[i]))
			continue;
		size_t al = strlen(asked);

		snprintf(asked + al, alen - al, "%s%s", al ? ", " : "", tools[i]);
		if ((i < 2 ? ask_inspect(tools[i], name, h) : ask_oci_state(tools[i], name, h)) == 0)
			return 0;
	}
	return -1;
}
