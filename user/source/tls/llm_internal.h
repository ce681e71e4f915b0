/* Helpers shared by llm_api.c (routing, requests) and llm_response.c
 * (responses, streams); not for use outside user/source/tls. */
#ifndef TLS_LLM_INTERNAL_H
#define TLS_LLM_INTERNAL_H

#include <cjson/cJSON.h>

#include "source/tls/llm_api.h"

/* Copies a JSON string member (when it is one) into dst. */
void llm_copy_str(char *dst, size_t cap, const cJSON *obj, const char *key);
/* A JSON number member as an integer; -1 when absent or not a number. */
int64_t llm_get_int(const cJSON *obj, const char *key);
/* Adds a finish reason (once each, at most LLM_FINISH_MAX). */
void llm_add_finish(struct llm_call *c, const char *reason);
/* Appends completion text (capture_content only, up to content_max). */
void llm_add_output(struct llm_call *c, const char *text, const struct llm_opts *o);
/* Adds a tool call the answer asked for: by index (a streamed OpenAI
 * delta names it in its first chunk, later chunks carry its arguments),
 * else once per id, else appended. */
void llm_add_tool_call(struct llm_call *c, const char *id, const char *name, int index);
/* Sets error.type once (the first cause wins). */
void llm_set_error(struct llm_call *c, const char *type);

#endif
