/* Target processes: launching a command held at the door until the probes
 * are attached, or adopting a running pid; noticing when they exit. */
#ifndef TARGET_H
#define TARGET_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct target {
	pid_t pid;
	char comm[32];
	char exe[PATH_MAX];   /* host path of the executable (for attaching) */
	char exe_name[256];   /* base name: process.executable.name */
	char service[256];    /* service.name */
	char container_id[80];/* "" when not in a container */
	int pidfd;            /* readable when the process exits; -1 if none */
	bool launched;        /* we forked it: we reap it */
	int go_fd;            /* launched: write end of the "start" pipe */
	int exec_err_fd;      /* launched: reports an exec failure */
	bool exited;
	int exit_status;      /* wait status, launched targets only */
};

/* Forks `argv`; the child waits before exec until target_release(). */
int target_launch(char *const argv[], struct target *t, char *err, size_t errlen);
/* Lets a launched child exec. Returns 0, or -1 with err set if exec failed. */
int target_release(struct target *t, char *err, size_t errlen);
/* Adopts a running process. */
int target_open_pid(pid_t pid, struct target *t, char *err, size_t errlen);
/* True when process `pid` no longer runs: no such process, exiting, or a
 * zombie (exited, not yet reaped by its parent: its exe and maps are gone).
 * Reads the leader thread: a process whose main thread left by
 * pthread_exit() while others run counts as gone (its /proc/PID/exe is). */
bool target_pid_gone(pid_t pid);
/* Non-blocking: true once the process is gone (reaps launched children). */
bool target_check_exited(struct target *t);
/* Launched child still running when we stop: ask it to terminate. */
void target_stop(struct target *t);
void target_close(struct target *t);
/* Resolves a command name through PATH; 0 on success. */
int target_resolve_cmd(const char *cmd, char *out, size_t outlen);

#endif
