/* libFuzzer: Server-Sent Events framing fed in pieces whose sizes the
 * input's first byte chooses. Checks: data NUL-terminated at data_len,
 * never longer than the cap, event names terminated within their buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "source/tls/sse.h"

#define CAP 300

static void on_event(void *ud, const struct sse_event *ev)
{
	(void)ud;
	if (ev->data_len > CAP || ev->data[ev->data_len] != '\0' || strlen(ev->event) >= SSE_EVENT_NAME_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = data[0] ? data[0] : 1;
	struct sse_parser s;
	sse_init(&s, CAP);
	for (size_t i = 1; i < size; i += step)
		sse_feed(&s, (const char *)data + i, size - i < step ? size - i : step, on_event, NULL);
	if (s.truncated_events > s.events)
		abort();
	sse_free(&s);
	return 0;
}
