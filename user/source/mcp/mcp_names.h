/* Names and ids the MCP tracker gives its operations: which methods name
 * a target (span names), span and trace ids, the W3C traceparent a
 * request may carry in params._meta. (mcp_transport_name and
 * mcp_op_span_name, declared in mcp_session.h, live here too.) */
#ifndef MCP_NAMES_H
#define MCP_NAMES_H

#include <stdbool.h>
#include <stdint.h>
#include "mcp_session.h"

/* tools/call and prompts/get name a tool or prompt in params.name. */
bool mcp_has_tool_or_prompt(const char *method);
/* resources/read, (un)subscribe name a resource in params.uri. */
bool mcp_has_uri(const char *method);
/* A span or trace id from the generator state *rng: never 0. */
uint64_t mcp_next_id(uint64_t *rng);
/* W3C traceparent, version 00: "00-<32 hex trace>-<16 hex span>-<2 hex>". */
bool mcp_parse_traceparent(const char *tp, uint64_t *hi, uint64_t *lo, uint64_t *span);

#endif
