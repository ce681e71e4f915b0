/* Terminal output capture for the live view (output_capture.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "output_capture.h"

static void keep(struct output_capture *oc, const char *p, size_t n)
{
	pthread_mutex_lock(&oc->lock);
	if (n > OC_KEEP) {
		oc->dropped += n - OC_KEEP;
		p += n - OC_KEEP;
		n = OC_KEEP;
	}
	if (oc->len + n > OC_KEEP) { /* keep the newest: drop the front */
		size_t cut = oc->len + n - OC_KEEP;

		memmove(oc->buf, oc->buf + cut, oc->len - cut);
		oc->len -= cut;
		oc->dropped += cut;
	}
	memcpy(oc->buf + oc->len, p, n);
	oc->len += n;
	for (size_t i = 0; i < n; i++) {
		size_t pl = strlen(oc->partial);

		if (p[i] == '\n') {
			if (pl) {
				memcpy(oc->last_line, oc->partial, pl + 1);
				oc->partial[0] = 0;
			}
			oc->lines++;
		} else if (pl + 1 < sizeof(oc->partial) && (unsigned char)p[i] >= ' ') {
			oc->partial[pl] = p[i];
			oc->partial[pl + 1] = 0;
		}
	}
	pthread_mutex_unlock(&oc->lock);
}

static void *reader(void *arg)
{
	struct output_capture *oc = arg;
	struct pollfd fds[2] = {{oc->pipe_r, POLLIN, 0}, {oc->stop_r, POLLIN, 0}};
	char chunk[4096];

	for (;;) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[0].revents) {
			ssize_t n = read(oc->pipe_r, chunk, sizeof(chunk));

			if (n > 0)
				keep(oc, chunk, (size_t)n);
			else if (n == 0 || errno != EAGAIN)
				fds[0].fd = -1; /* every writer is gone */
		}
		if (fds[1].revents) { /* stop: take what is there, then go */
			ssize_t n;

			while ((n = read(oc->pipe_r, chunk, sizeof(chunk))) > 0)
				keep(oc, chunk, (size_t)n);
			break;
		}
	}
	return NULL;
}

int output_capture_begin(struct output_capture *oc, char *err, size_t errlen)
{
	int p[2] = {-1, -1}, s[2] = {-1, -1}, null = -1;

	memset(oc, 0, sizeof(*oc));
	oc->tty_in = oc->tty_out = -1;
	oc->saved[0] = oc->saved[1] = oc->saved[2] = -1;
	oc->buf = malloc(OC_KEEP);
	oc->tty_in = isatty(0) ? fcntl(0, F_DUPFD_CLOEXEC, 3) : open("/dev/tty", O_RDWR | O_CLOEXEC);
	oc->tty_out = fcntl(1, F_DUPFD_CLOEXEC, 3);
	for (int i = 0; i < 3; i++)
		oc->saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!oc->buf || oc->tty_in < 0 || oc->tty_out < 0 || oc->saved[0] < 0 || oc->saved[1] < 0 ||
	    oc->saved[2] < 0 || null < 0 || pipe2(p, O_CLOEXEC) || pipe2(s, O_CLOEXEC)) {
		snprintf(err, errlen, "cannot set up the terminal for the live view: %s", strerror(errno));
		goto fail;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	oc->pipe_r = p[0];
	oc->stop_r = s[0];
	oc->stop_w = s[1];
	pthread_mutex_init(&oc->lock, NULL);
	if (pthread_create(&oc->thread, NULL, reader, oc)) {
		pthread_mutex_destroy(&oc->lock);
		snprintf(err, errlen, "cannot start the output reader thread");
		goto fail;
	}
	fflush(stdout);
	fflush(stderr);
	dup2(null, 0);
	dup2(p[1], 1);
	dup2(p[1], 2);
	close(null);
	close(p[1]);
	oc->active = true;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		if (s[i] >= 0)
			close(s[i]);
	}
	if (null >= 0)
		close(null);
	for (int i = 0; i < 3; i++)
		if (oc->saved[i] >= 0)
			close(oc->saved[i]);
	if (oc->tty_in >= 0)
		close(oc->tty_in);
	if (oc->tty_out >= 0)
		close(oc->tty_out);
	free(oc->buf);
	memset(oc, 0, sizeof(*oc));
	return -1;
}

void output_capture_last(struct output_capture *oc, char *out, size_t len, uint64_t *lines)
{
	if (!oc->active) {
		if (len)
			out[0] = 0;
		*lines = 0;
		return;
	}
	pthread_mutex_lock(&oc->lock);
	snprintf(out, len, "%s", oc->last_line);
	*lines = oc->lines;
	pthread_mutex_unlock(&oc->lock);
}

void output_capture_end(struct output_capture *oc)
{
	if (!oc->active)
		return;
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < 3; i++) {
		dup2(oc->saved[i], i);
		close(oc->saved[i]);
	}
	if (write(oc->stop_w, "", 1) < 0)
		pthread_cancel(oc->thread);
	pthread_join(oc->thread, NULL);
	close(oc->pipe_r);
	close(oc->stop_r);
	close(oc->stop_w);
	if (oc->dropped)
		fprintf(stderr, "[output while the live view was open: %llu earlier bytes not kept]\n",
			(unsigned long long)oc->dropped);
	if (oc->len && fwrite(oc->buf, 1, oc->len, stderr) != oc->len)
		clearerr(stderr);
	if (oc->len && oc->buf[oc->len - 1] != '\n')
		fputc('\n', stderr);
	free(oc->buf);
	pthread_mutex_destroy(&oc->lock);
	close(oc->tty_in);
	close(oc->tty_out);
	oc->active = false;
}
