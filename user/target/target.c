/* Launching and adopting target processes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc_maps.h"
#include "target.h"

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

int target_resolve_cmd(const char *cmd, char *out, size_t outlen)
{
	if (strchr(cmd, '/')) {
		if (!realpath(cmd, out) || access(out, X_OK))
			return -1;
		return 0;
	}
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
	while (*path) {
		size_t len = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, cmd);
		if (access(buf, X_OK) == 0 && realpath(buf, out) && strlen(out) < outlen)
			return 0;
		path += len + (path[len] == ':');
	}
	return -1;
}

int target_launch(char *const argv[], struct target *t, char *err, size_t errlen)
{
	int go[2], ex[2];

	memset(t, 0, sizeof(*t));
	t->pidfd = t->go_fd = t->exec_err_fd = -1;
	if (target_resolve_cmd(argv[0], t->exe, sizeof(t->exe))) {
		snprintf(err, errlen, "%s: command not found or not executable", argv[0]);
		return -1;
	}
	if (pipe2(go, O_CLOEXEC) || pipe2(ex, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();

	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char c;

		close(go[1]);
		close(ex[0]);
		/* Wait at the door: nothing of the command runs before attach. */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execv(t->exe, argv);
		int e = errno;

		if (write(ex[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(ex[1]);
	t->pid = pid;
	t->launched = true;
	t->go_fd = go[1];
	t->exec_err_fd = ex[0];
	t->pidfd = pidfd_open_(pid);
	snprintf(t->exe_name, sizeof(t->exe_name), "%.255s", base_name(t->exe));
	snprintf(t->comm, sizeof(t->comm), "%.15s", t->exe_name);
	snprintf(t->service, sizeof(t->service), "%s", base_name(argv[0]));
	return 0;
}

int target_release(struct target *t, char *err, size_t errlen)
{
	int e = 0;
	ssize_t n;

	if (write(t->go_fd, "g", 1) != 1) {
		snprintf(err, errlen, "cannot start the command: %s", strerror(errno));
		return -1;
	}
	close(t->go_fd);
	t->go_fd = -1;
	/* EOF: exec succeeded (the pipe is close-on-exec). */
	n = read(t->exec_err_fd, &e, sizeof(e));
	close(t->exec_err_fd);
	t->exec_err_fd = -1;
	if (n == sizeof(e)) {
		snprintf(err, errlen, "%s: exec failed: %s", t->exe, strerror(e));
		return -1;
	}
	return 0;
}

int target_open_pid(pid_t pid, struct target *t, char *err, size_t errlen)
{
	char link[64];
	ssize_t n;

	memset(t, 0, sizeof(*t));
	t->pidfd = t->go_fd = t->exec_err_fd = -1;
	t->pid = pid;
	if (kill(pid, 0) && errno == ESRCH) {
		snprintf(err, errlen, "pid %d: no such process", (int)pid);
		return -1;
	}
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, t->exe, sizeof(t->exe) - 1);
	if (n < 0) {
		snprintf(err, errlen, "pid %d: cannot read %s: %s%s", (int)pid, link, strerror(errno),
			 errno == EACCES ? " (run as root)" : "");
		return -1;
	}
	t->exe[n] = 0;
	/* The kernel resolves /proc/PID/exe to the right inode even when the
	 * process lives in another mount namespace: attach through it. */
	snprintf(t->exe_name, sizeof(t->exe_name), "%.255s", base_name(t->exe));
	snprintf(t->exe, sizeof(t->exe), "%s", link);
	proc_read_line(pid, "comm", t->comm, sizeof(t->comm));
	snprintf(t->service, sizeof(t->service), "%s", t->comm[0] ? t->comm : t->exe_name);
	t->pidfd = pidfd_open_(pid);
	return 0;
}

bool target_check_exited(struct target *t)
{
	int st;

	if (t->exited)
		return true;
	if (t->launched) {
		pid_t r = waitpid(t->pid, &st, WNOHANG);

		if (r == t->pid || (r < 0 && errno == ECHILD)) {
			t->exited = true;
			t->exit_status = st;
		}
	} else if (kill(t->pid, 0) && errno == ESRCH) {
		t->exited = true;
	}
	return t->exited;
}

void target_stop(struct target *t)
{
	if (!t->launched || target_check_exited(t))
		return;
	if (t->go_fd >= 0) /* never released: let it die at the door */
		close(t->go_fd), t->go_fd = -1;
	kill(t->pid, SIGTERM);
	for (int i = 0; i < 50 && !target_check_exited(t); i++)
		usleep(20000);
}

void target_close(struct target *t)
{
	if (t->pidfd >= 0)
		close(t->pidfd);
	if (t->go_fd >= 0)
		close(t->go_fd);
	if (t->exec_err_fd >= 0)
		close(t->exec_err_fd);
	t->pidfd = t->go_fd = t->exec_err_fd = -1;
}
