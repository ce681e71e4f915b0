#include <stdlib.h>
#include <string.h>
#include "jsonrpc_framer.h"

/* A buffer grown for one big message is given back afterwards: a channel
 * that once carried a 1 MiB result should not hold 1 MiB while idle. */
#define KEEP_CAP (64u << 10)
#define MIN_CAP 512u

void jsonrpc_framer_init(struct jsonrpc_framer *f, size_t max_msg, bool mid_stream)
{
	memset(f, 0, sizeof(*f));
	f->max_msg = max_msg ? max_msg : JSONRPC_DEFAULT_MAX_MSG;
	if (f->max_msg < JSONRPC_MIN_MAX_MSG)
		f->max_msg = JSONRPC_MIN_MAX_MSG;
	f->state = mid_stream ? JL_SKIP : JL_START;
	if (mid_stream)
		f->stats.resyncs++;
}

void jsonrpc_framer_free(struct jsonrpc_framer *f)
{
	free(f->buf);
	f->buf = NULL;
	f->len = f->cap = 0;
}

/* Room for n more head bytes plus the terminating NUL; false when memory
 * ran out (the line is then treated as damaged). */
static bool reserve(struct jsonrpc_framer *f, size_t n)
{
	size_t need = f->len + n + 1;

	if (need <= f->cap)
		return true;
	size_t cap = f->cap ? f->cap : MIN_CAP;
	while (cap < need)
		cap *= 2;
	if (cap > f->max_msg + 1)
		cap = f->max_msg + 1;
	char *nb = realloc(f->buf, cap);
	if (!nb)
		return false;
	f->buf = nb;
	f->cap = cap;
	return true;
}

static void tail_push(struct jsonrpc_framer *f, const char *p, size_t n)
{
	if (n > JSONRPC_TAIL) {
		p += n - JSONRPC_TAIL;
		n = JSONRPC_TAIL;
	}
	for (size_t i = 0; i < n; i++)
		f->tail[(f->tail_pos + i) % JSONRPC_TAIL] = p[i];
	f->tail_pos += n;
}

/* Bytes of the current JSON line: the head while it is contiguous and
 * under the cap, the tail ring after that. */
static void keep(struct jsonrpc_framer *f, const char *p, size_t n)
{
	f->line_len += n;
	if (!f->damaged && f->len < f->max_msg) {
		size_t take = f->max_msg - f->len;
		if (take > n)
			take = n;
		if (reserve(f, take)) {
			memcpy(f->buf + f->len, p, take);
			f->len += take;
			p += take;
			n -= take;
		} else {
			f->damaged = true;
		}
	}
	if (n)
		tail_push(f, p, n);
}

static void reset_line(struct jsonrpc_framer *f)
{
	f->len = 0;
	f->line_len = 0;
	f->tail_pos = 0;
	f->damaged = false;
	f->noise_counted = false;
	f->state = JL_START;
	if (f->cap > KEEP_CAP) {
		free(f->buf);
		f->buf = NULL;
		f->cap = 0;
	}
}

static void emit(struct jsonrpc_framer *f, uint64_t ns, jsonrpc_frame_fn fn, void *ctx)
{
	char tail[JSONRPC_TAIL];
	struct jsonrpc_frame fr = {0};
	size_t tn = f->tail_pos < JSONRPC_TAIL ? f->tail_pos : JSONRPC_TAIL;

	/* A \r before the newline (CRLF writers) is not part of the JSON. */
	if (tn == 0 && f->len && f->buf[f->len - 1] == '\r') {
		f->len--;
		f->line_len--;
	}
	for (size_t i = 0; i < tn; i++)
		tail[i] = f->tail[(f->tail_pos - tn + i) % JSONRPC_TAIL];
	if (tn && tail[tn - 1] == '\r')
		tn--;
	if (!reserve(f, 0)) { /* no memory even for the NUL: drop the line */
		f->stats.truncated++;
		reset_line(f);
		return;
	}
	f->buf[f->len] = '\0';
	fr.data = f->buf;
	fr.len = f->len;
	fr.full_len = f->line_len;
	fr.truncated = f->damaged || f->line_len > f->len;
	fr.tail = tn ? tail : NULL;
	fr.tail_len = tn;
	fr.first_ns = f->first_ns;
	fr.last_ns = ns;
	f->stats.messages++;
	if (fr.truncated)
		f->stats.truncated++;
	fn(ctx, &fr);
	reset_line(f);
}

void jsonrpc_framer_feed(struct jsonrpc_framer *f, const void *data, size_t n, uint64_t ns,
			 jsonrpc_frame_fn fn, void *ctx)
{
	const char *p = data, *end = p + n;

	f->stats.bytes += n;
	while (p < end) {
		const char *nl;

		switch (f->state) {
		case JL_START:
			/* Blank space between messages is allowed and not noise. */
			while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
				p++;
			if (p == end)
				break;
			if (*p == '{' || *p == '[') {
				f->state = JL_JSON;
				f->first_ns = ns;
			} else {
				f->state = JL_SKIP;
				f->noise_counted = true;
				f->stats.noise_lines++;
			}
			break;
		case JL_SKIP:
			nl = memchr(p, '\n', (size_t)(end - p));
			if (f->noise_counted)
				f->stats.noise_bytes += (size_t)((nl ? nl : end) - p);
			if (!nl) {
				p = end;
				break;
			}
			p = nl + 1;
			reset_line(f);
			break;
		case JL_JSON:
			nl = memchr(p, '\n', (size_t)(end - p));
			keep(f, p, (size_t)((nl ? nl : end) - p));
			if (!nl) {
				p = end;
				break;
			}
			p = nl + 1;
			emit(f, ns, fn, ctx);
			break;
		}
	}
}

void jsonrpc_framer_lost(struct jsonrpc_framer *f, size_t n)
{
	if (!n)
		return;
	f->stats.lost_bytes += n;
	switch (f->state) {
	case JL_JSON:
		/* Keep the head; what follows the gap goes to a fresh tail so
		 * that head and tail are each contiguous. */
		f->damaged = true;
		f->line_len += n;
		f->tail_pos = 0;
		break;
	case JL_START:
		/* The lost bytes may have begun a line: skip to the next newline. */
		f->state = JL_SKIP;
		f->noise_counted = false;
		f->stats.resyncs++;
		break;
	case JL_SKIP:
		break;
	}
}

void jsonrpc_feed_message(struct jsonrpc_framer *f, const void *data, size_t n,
			  uint64_t first_ns, uint64_t last_ns, jsonrpc_frame_fn fn, void *ctx)
{
	const char *p = data, *end = p + n;
	struct jsonrpc_frame fr = {0};

	f->stats.bytes += n;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		end--;
	if (p == end || (*p != '{' && *p != '[')) {
		f->stats.noise_lines++;
		f->stats.noise_bytes += n;
		return;
	}
	size_t len = (size_t)(end - p);
	size_t head = len < f->max_msg ? len : f->max_msg;
	f->len = 0;
	if (!reserve(f, head)) {
		f->stats.truncated++;
		return;
	}
	memcpy(f->buf, p, head);
	f->buf[head] = '\0';
	fr.data = f->buf;
	fr.len = head;
	fr.full_len = len;
	fr.truncated = head < len;
	if (fr.truncated) {
		size_t tn = len - head < JSONRPC_TAIL ? len - head : JSONRPC_TAIL;
		fr.tail = end - tn;
		fr.tail_len = tn;
		f->stats.truncated++;
	}
	fr.first_ns = first_ns;
	fr.last_ns = last_ns;
	f->stats.messages++;
	fn(ctx, &fr);
	f->len = 0;
	if (f->cap > KEEP_CAP) {
		free(f->buf);
		f->buf = NULL;
		f->cap = 0;
	}
}
