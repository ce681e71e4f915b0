/* Reading a probe map from a file (probe_map.h): only a regular file, of a
 * bounded size. A FIFO would block open() until some writer came, and the
 * tracer's SIGINT/SIGTERM handlers only set a flag, so nothing could end
 * the wait (issue 12); a device such as /dev/zero never ends. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "probe_map.h"
#include "term_quote.h"

static const char *kind_of(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
	     : S_ISSOCK(m) ? "a socket" : "not a file";
}

/* Reads all of fd, at most `max` bytes; -1 with errno, or EFBIG when larger. */
static ssize_t read_all(int fd, char *buf, size_t max)
{
	size_t n = 0;

	while (n <= max) {
		ssize_t r = read(fd, buf + n, max + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return (ssize_t)n;
		n += (size_t)r;
	}
	errno = EFBIG;
	return -1;
}

int probe_map_load(const char *path, bool capture_content, struct probe_map *out,
		   char *err, size_t errlen)
{
	/* O_NONBLOCK: opening a FIFO returns at once instead of waiting. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), rc = -1;
	size_t shown_len = strlen(path) * 4 + 1;
	char *shown = malloc(shown_len), *buf = NULL;
	struct stat st;
	ssize_t n = -1;

	memset(out, 0, sizeof(*out));
	if (!shown) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	term_escape(shown, shown_len, path, strlen(path));
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "%s: cannot read: %s", shown, strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: cannot read: %s", shown, strerror(EISDIR));
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file (%s); a probe map is a text file", shown,
			 kind_of(st.st_mode));
	} else if (st.st_size > PM_MAX_FILE_BYTES) {
		snprintf(err, errlen, "%s: larger than %d bytes (%lld): not a probe map", shown,
			 PM_MAX_FILE_BYTES, (long long)st.st_size);
	} else if (!(buf = malloc(PM_MAX_FILE_BYTES + 1))) { /* pages are only touched as read */
		snprintf(err, errlen, "out of memory");
	} else if ((n = read_all(fd, buf, PM_MAX_FILE_BYTES)) < 0 && errno == EFBIG) {
		snprintf(err, errlen, "%s: larger than %d bytes (it grew while read): not a probe map", shown,
			 PM_MAX_FILE_BYTES);
	} else if (n < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", shown, strerror(errno));
	} else {
		rc = probe_map_parse_bytes(buf, (size_t)n, path, capture_content, stderr, out, err, errlen);
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(shown);
	return rc;
}
