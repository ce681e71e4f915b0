/* libFuzzer: the JSON-RPC reader (cJSON underneath) on the input as one
 * message, and the salvage scan on its first and second halves as head and
 * tail of a message cut short. The input is copied to an exact-size buffer
 * so that any read past its end is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "source/mcp/jsonrpc_msg.h"

static void check(void *ctx, const struct jsonrpc_msg *m)
{
	(void)ctx;
	/* every slot stays a terminated string within its size */
	if (strlen(m->method) >= sizeof(m->method) || strlen(m->id.text) >= sizeof(m->id.text) ||
	    strlen(m->name) >= sizeof(m->name) || strlen(m->uri) >= sizeof(m->uri) ||
	    m->kind < JR_REQUEST || m->kind > JR_ERROR)
		abort();
	if (m->kind == JR_REQUEST && !m->id.type)
		abort();
	if (m->kind == JR_NOTIFICATION && m->id.type)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	struct jsonrpc_msg m;

	memcpy(copy, data, size);
	jsonrpc_msg_parse(copy, size, size & 1, check, NULL);
	jsonrpc_msg_salvage(copy, size / 2, copy + size / 2, size - size / 2, &m);
	if (m.kind != JR_INVALID)
		check(NULL, &m);
	jsonrpc_msg_salvage(copy, size, NULL, 0, &m);
	if (m.kind != JR_INVALID)
		check(NULL, &m);
	free(copy);
	return 0;
}
