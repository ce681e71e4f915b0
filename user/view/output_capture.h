/* While the curses view owns the terminal, nothing else may write to it: the
 * tracer's own stderr and a launched command's stdout/stderr go into a pipe
 * instead (fds 1 and 2 are redirected before the command is forked, so it
 * inherits them), and its stdin becomes /dev/null so it cannot take the
 * view's keystrokes. The view shows the last line; everything (the last
 * OC_KEEP bytes) is written to stderr when the capture ends. */
#ifndef OUTPUT_CAPTURE_H
#define OUTPUT_CAPTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OC_KEEP (256 * 1024)

struct output_capture {
	bool active;
	int tty_in, tty_out; /* the terminal, for curses (close-on-exec) */
	int saved[3];        /* fds 0, 1, 2 as they were */
	int pipe_r, stop_r, stop_w;
	pthread_t thread;
	pthread_mutex_t lock;
	char *buf;
	size_t len;
	uint64_t dropped, lines;
	char last_line[256];
	char partial[256];
};

/* Redirects 0, 1, 2. On failure nothing is changed: -1, reason in err. */
int output_capture_begin(struct output_capture *oc, char *err, size_t errlen);
/* The last complete line written and how many lines so far. */
void output_capture_last(struct output_capture *oc, char *out, size_t len, uint64_t *lines);
/* Restores 0, 1, 2 and writes what was captured to stderr. */
void output_capture_end(struct output_capture *oc);

#endif
