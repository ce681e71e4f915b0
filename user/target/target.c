/* Launching and adopting target processes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
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

/*
 * The command must start as it would from a shell, not with what the
 * tracer set for itself: exec keeps ignored signals (the tracer ignores
 * SIGPIPE, so `yes | head -1` would end with status 1 instead of 141) and
 * the signal mask. Every disposition back to default, nothing blocked.
 * Runs in the forked child: async-signal-safe calls only.
 */
static void reset_signals(void)
{
	struct sigaction dfl;
	sigset_t none;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (int sig = 1; sig < NSIG; sig++) {
		/* fails for SIGKILL, SIGSTOP (never changed) and for the two
		 * signals glibc keeps for itself (32, 33), which a parent may
		 * still have left ignored: those through the raw system call. */
		if (sigaction(sig, &dfl, NULL) && errno == EINVAL && sig != SIGKILL && sig != SIGSTOP) {
			struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; } k = {0};

			syscall(SYS_rt_sigaction, sig, &k, NULL, sizeof(k.mask));
		}
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
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
		reset_signals();
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

/* A "Cap…:" line of /proc/PID/status (pid 0: ourselves) as a bit set. */
static uint64_t proc_caps(pid_t pid, const char *field)
{
	char fn[64], line[256];
	uint64_t v = 0;
	size_t fl = strlen(field);
	FILE *f;

	if (pid)
		snprintf(fn, sizeof(fn), "/proc/%d/status", (int)pid);
	else
		snprintf(fn, sizeof(fn), "/proc/self/status");
	f = fopen(fn, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, fl) && line[fl] == ':') {
			v = strtoull(line + fl + 1, NULL, 16);
			break;
		}
	fclose(f);
	return v;
}

static const char *const cap_names[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid",
	"setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast",
	"net_admin", "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio",
	"sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
	"sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write",
	"audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
	"block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};
#define CAP_SYS_PTRACE_BIT 19

/*
 * Why the kernel would not show us /proc/PID: "run as root" only helps
 * when we are not root. As root, the usual cause is the kernel's ptrace
 * rule: a process may inspect another only if it holds every capability
 * the other holds, or CAP_SYS_PTRACE (and a security module may refuse
 * even then). Say which capabilities the target has and we have not.
 */
static void explain_denied(pid_t pid, char *out, size_t len)
{
	uint64_t ours = proc_caps(0, "CapEff"), theirs = proc_caps(pid, "CapPrm");
	uint64_t missing = theirs & ~ours;
	size_t n;

	if (geteuid() != 0) {
		snprintf(out, len, " (the tracer runs as uid %u: run it as root, or with CAP_SYS_PTRACE, "
			 "CAP_BPF and CAP_PERFMON)", (unsigned)geteuid());
		return;
	}
	if (!missing) {
		snprintf(out, len, " (the tracer runs as root with every capability pid %d has: a security "
			 "module or the process's own settings forbid inspecting it)", (int)pid);
		return;
	}
	n = (size_t)snprintf(out, len, " (the tracer runs as root, but pid %d holds capabilities the tracer lacks:",
			     (int)pid);
	for (unsigned i = 0; i < 64 && n < len; i++)
		if (missing >> i & 1) {
			if (i < sizeof(cap_names) / sizeof(cap_names[0]))
				n += (size_t)snprintf(out + n, len - n, " cap_%s", cap_names[i]);
			else
				n += (size_t)snprintf(out + n, len - n, " cap_%u", i);
		}
	if (n < len)
		snprintf(out + n, len - n, "; %sthe kernel does not let it read a more privileged process)",
			 ours >> CAP_SYS_PTRACE_BIT & 1 ? "" : "without cap_sys_ptrace ");
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
		int e = errno;
		char why[400] = "";

		if (e == ENOENT || e == ESRCH) {
			snprintf(err, errlen, "pid %d: exited before it could be traced", (int)pid);
			return -1;
		}
		if (e == EACCES || e == EPERM)
			explain_denied(pid, why, sizeof(why));
		snprintf(err, errlen, "pid %d: cannot read %s: %s%s", (int)pid, link, strerror(e), why);
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

bool target_pid_gone(pid_t pid)
{
	char stat[512], state = 0, *rp;
	unsigned long flags = 0;

	if (kill(pid, 0) && errno == ESRCH)
		return true;
	proc_read_line(pid, "stat", stat, sizeof(stat));
	if (!stat[0])
		return true; /* gone between the two */
	/* "PID (comm) S ppid pgrp session tty tpgid flags ...": comm may hold
	 * anything, the fields follow its last ')'. A process on its way out
	 * (PF_EXITING, 0x4) has already let go of its memory and executable:
	 * /proc/PID/exe fails before it is a zombie. */
	rp = strrchr(stat, ')');
	if (!rp || sscanf(rp + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) != 2)
		return false;
	return state == 'Z' || state == 'X' || (flags & 0x4);
}

bool target_check_exited(struct target *t)
{
	int st;

	if (t->exited)
		return true;
	if (t->launched) {
		/* Look first, without taking (WNOWAIT): a ptrace stop of the
		 * child that another thread of ours waits for, while it borrows
		 * one of the child's threads (source/python/ptrace_call.c), shows
		 * here too, and taking it would end the session for nothing. */
		siginfo_t si = { 0 };
		int w = waitid(P_PID, t->pid, &si, WEXITED | WNOHANG | WNOWAIT);
		bool dead = si.si_pid == t->pid && si.si_code != CLD_TRAPPED && si.si_code != CLD_STOPPED;
		pid_t r = (w == 0 && dead) ? waitpid(t->pid, &st, WNOHANG) : 0;

		if (r == t->pid || (w < 0 && errno == ECHILD)) {
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
