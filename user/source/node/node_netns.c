/* netns_socket: a child joins the namespace, makes the socket, passes it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "node_netns.h"

/* In the child: only async-signal-safe calls (the tracer has threads). */
static void child(pid_t pid, int domain, int type, int chan)
{
	char path[64];
	int code = 1;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	int ns = open(path, O_RDONLY | O_CLOEXEC);

	if (ns >= 0 && setns(ns, CLONE_NEWNET) == 0) {
		int s = socket(domain, type | SOCK_CLOEXEC, 0);

		if (s >= 0) {
			char cbuf[CMSG_SPACE(sizeof(int))];
			char one = 1;
			struct iovec iov = {.iov_base = &one, .iov_len = 1};
			struct msghdr mh = {.msg_iov = &iov,
					    .msg_iovlen = 1,
					    .msg_control = cbuf,
					    .msg_controllen = sizeof(cbuf)};
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

			memset(cbuf, 0, sizeof(cbuf));
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &s, sizeof(int));
			code = sendmsg(chan, &mh, 0) == 1 ? 0 : 3;
		} else {
			code = 2;
		}
	}
	_exit(code);
}

int netns_socket(pid_t pid, int domain, int type, char *err, size_t errlen)
{
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid_t c = fork();

	if (c == 0) {
		close(sp[0]);
		child(pid, domain, type, sp[1]);
	}
	close(sp[1]);
	if (c < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sp[0]);
		return -1;
	}
	int status = 0, fd = -1;

	while (waitpid(c, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		char cbuf[CMSG_SPACE(sizeof(int))], one;
		struct iovec iov = {.iov_base = &one, .iov_len = 1};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf)};

		if (recvmsg(sp[0], &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT) == 1) {
			struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

			if (cm && cm->cmsg_type == SCM_RIGHTS)
				memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		}
	}
	close(sp[0]);
	if (fd < 0)
		snprintf(err, errlen,
			 "cannot make a socket in process %d's network namespace (%s)", (int)pid,
			 WIFEXITED(status) && WEXITSTATUS(status) == 1
				 ? "joining /proc/PID/ns/net failed: process gone or no CAP_SYS_ADMIN"
				 : "socket creation failed");
	return fd;
}
