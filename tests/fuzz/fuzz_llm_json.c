/* libFuzzer: the LLM API JSON readers. The first byte picks the API (low
 * 3 bits) and what the rest is (bits 3-4: request body, whole response
 * body, one stream event, or all three in turn); the second picks the
 * stream event's name. Checks what llm_call promises: strings terminated,
 * token counts -1 or more, captured text within its cap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "source/tls/llm_api.h"

static const enum llm_api apis[] = {
	LLM_OPENAI_CHAT,      LLM_OPENAI_COMPLETIONS, LLM_OPENAI_RESPONSES, LLM_OPENAI_EMBEDDINGS,
	LLM_ANTHROPIC_MESSAGES, LLM_GEMINI_GENERATE,  LLM_GEMINI_STREAM,    LLM_GEMINI_EMBED,
};
static const char *events[] = { "message", "message_start", "message_delta", "response.completed",
				"response.output_text.delta", "error", "response.failed", "" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct llm_call c;
	struct llm_opts o = { .capture_content = true, .content_max = 64 };
	llm_call_init(&c, apis[data[0] & 7], (const char *)"h:1", NULL);
	const char *body = (const char *)data + 2;
	size_t n = size - 2;
	int what = (data[0] >> 3) & 3;
	if (what == 0 || what == 3)
		llm_parse_request(&c, body, n, data[1] & 1, &o);
	if (what == 1 || what == 3)
		llm_parse_response(&c, body, n, &o);
	if (what == 2 || what == 3)
		llm_stream_event(&c, events[data[1] & 7], body, n, 5, &o);
	llm_call_finish(&c, 200 + (data[1] >> 4) * 50, data[1] & 2, data[1] & 4);
	if (!memchr(c.response_model, 0, sizeof(c.response_model)) || !memchr(c.error_type, 0, sizeof(c.error_type)) ||
	    !memchr(c.response_id, 0, sizeof(c.response_id)) || !memchr(c.request_model, 0, sizeof(c.request_model)))
		abort();
	if (c.input_tokens < -1 || c.output_tokens < -1 || c.max_tokens < -1 || c.n_finish > LLM_FINISH_MAX)
		abort();
	if ((c.output_text && strlen(c.output_text) > 64) || (c.input_messages && strlen(c.input_messages) > 64))
		abort();
	char buf[256];
	llm_finish_reasons_str(&c, buf, sizeof(buf));
	llm_call_free(&c);
	return 0;
}
