/* LLM API responses, whole or streamed: see llm_api.h. Each provider's
 * JSON is read into the same struct llm_call; members a body lacks stay
 * as they were, so a stream's events add up to one call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/tls/llm_internal.h"

static const cJSON *get(const cJSON *o, const char *k)
{
	return o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static bool is_type(const cJSON *o, const char *type)
{
	const cJSON *t = get(o, "type");
	return cJSON_IsString(t) && !strcmp(t->valuestring, type);
}

static void set_ids(struct llm_call *c, const cJSON *o, const char *id_key, const char *model_key)
{
	llm_copy_str(c->response_id, sizeof(c->response_id), o, id_key);
	llm_copy_str(c->response_model, sizeof(c->response_model), o, model_key);
}

/* {"error": {"type"|"code"|"status": ...}} (OpenAI, Gemini) or
 * {"type": "error", "error": {"type": ...}} (Anthropic). */
static void api_error(struct llm_call *c, const cJSON *j)
{
	const cJSON *e = get(j, "error");
	if (cJSON_IsString(e)) {
		llm_set_error(c, e->valuestring);
		return;
	}
	if (!cJSON_IsObject(e))
		return;
	static const char *keys[] = { "type", "code", "status" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const cJSON *v = get(e, keys[i]);
		if (cJSON_IsString(v) && v->valuestring[0]) {
			llm_set_error(c, v->valuestring);
			return;
		}
	}
	llm_set_error(c, "error");
}

static void set_tokens(int64_t *dst, int64_t v)
{
	if (v >= 0)
		*dst = v;
}

/* ---- OpenAI Chat Completions, legacy completions, embeddings ------- */

static void openai_usage(struct llm_call *c, const cJSON *u)
{
	if (!cJSON_IsObject(u))
		return;
	set_tokens(&c->input_tokens, llm_get_int(u, "prompt_tokens"));
	set_tokens(&c->output_tokens, llm_get_int(u, "completion_tokens"));
	/* the Responses API's names */
	set_tokens(&c->input_tokens, llm_get_int(u, "input_tokens"));
	set_tokens(&c->output_tokens, llm_get_int(u, "output_tokens"));
}

static const char *str_of(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* message.tool_calls[] (a whole answer) or delta.tool_calls[] (a streamed
 * chunk: the first for each index has its id and name, the rest its
 * arguments); the older function_call alike. Names and ids only. */
static void openai_tool_calls(struct llm_call *c, const cJSON *msg, int choice, bool stream)
{
	const cJSON *tc;
	cJSON_ArrayForEach(tc, get(msg, "tool_calls")) {
		const cJSON *ix = get(tc, "index");
		int index = stream && cJSON_IsNumber(ix) ? choice * 1000 + (ix->valueint & 511) : -1;
		llm_add_tool_call(c, str_of(tc, "id"), str_of(get(tc, "function"), "name"), index);
	}
	const cJSON *fc = get(msg, "function_call");
	if (cJSON_IsObject(fc))
		llm_add_tool_call(c, NULL, str_of(fc, "name"), stream ? choice * 1000 + 999 : -1);
}

static void openai_chat(struct llm_call *c, const cJSON *j, bool stream, const struct llm_opts *o)
{
	set_ids(c, j, "id", "model");
	const cJSON *ch;
	int choice = 0;
	cJSON_ArrayForEach(ch, get(j, "choices")) {
		const cJSON *ci = get(ch, "index");
		if (cJSON_IsNumber(ci))
			choice = ci->valueint & 1023;
		const cJSON *fr = get(ch, "finish_reason");
		if (cJSON_IsString(fr))
			llm_add_finish(c, fr->valuestring);
		const cJSON *msg = get(ch, stream ? "delta" : "message");
		const cJSON *text = msg ? get(msg, "content") : get(ch, "text");
		if (cJSON_IsString(text))
			llm_add_output(c, text->valuestring, o);
		if (msg)
			openai_tool_calls(c, msg, choice, stream);
		choice++;
	}
	openai_usage(c, get(j, "usage"));
}

/* ---- OpenAI Responses ------------------------------------------------ */

static void responses_obj(struct llm_call *c, const cJSON *r, const struct llm_opts *o, bool with_text)
{
	if (!cJSON_IsObject(r))
		return;
	set_ids(c, r, "id", "model");
	const cJSON *st = get(r, "status");
	if (cJSON_IsString(st) && strcmp(st->valuestring, "in_progress") && strcmp(st->valuestring, "queued")) {
		const cJSON *why = get(get(r, "incomplete_details"), "reason");
		llm_add_finish(c, cJSON_IsString(why) ? why->valuestring : st->valuestring);
	}
	if (cJSON_IsObject(get(r, "error")))
		api_error(c, r);
	openai_usage(c, get(r, "usage"));
	const cJSON *item, *part;
	cJSON_ArrayForEach(item, get(r, "output")) {
		if (is_type(item, "function_call"))
			llm_add_tool_call(c, str_of(item, "call_id"), str_of(item, "name"), -1);
		if (!with_text)
			continue;
		cJSON_ArrayForEach(part, get(item, "content")) {
			const cJSON *t = get(part, "text");
			if (is_type(part, "output_text") && cJSON_IsString(t))
				llm_add_output(c, t->valuestring, o);
		}
	}
}

static void responses_event(struct llm_call *c, const char *event, const cJSON *j, const struct llm_opts *o)
{
	const cJSON *t = get(j, "type");
	const char *type = cJSON_IsString(t) ? t->valuestring : event;
	if (!strcmp(type, "response.output_text.delta")) {
		const cJSON *d = get(j, "delta");
		if (cJSON_IsString(d))
			llm_add_output(c, d->valuestring, o);
	} else if (!strcmp(type, "response.completed") || !strcmp(type, "response.incomplete") ||
		   !strcmp(type, "response.failed")) {
		responses_obj(c, get(j, "response"), o, false);
		if (!strcmp(type, "response.failed"))
			llm_set_error(c, "response.failed");
		c->stream_ended = true;
	} else if (!strcmp(type, "response.output_item.added") || !strcmp(type, "response.output_item.done")) {
		const cJSON *item = get(j, "item");
		if (is_type(item, "function_call"))
			llm_add_tool_call(c, str_of(item, "call_id"), str_of(item, "name"), -1);
	} else if (!strncmp(type, "response.", 9)) {
		responses_obj(c, get(j, "response"), o, false);
	} else if (!strcmp(type, "error")) {
		const cJSON *code = get(j, "code");
		llm_set_error(c, cJSON_IsString(code) ? code->valuestring : "error");
		c->stream_ended = true;
	}
}

/* ---- Anthropic Messages -------------------------------------------- */

/* Input tokens are every token read: the cached ones are counted apart
 * by Anthropic and added here, as the GenAI conventions ask. */
static void anthropic_usage(struct llm_call *c, const cJSON *u)
{
	if (!cJSON_IsObject(u))
		return;
	int64_t in = llm_get_int(u, "input_tokens");
	if (in >= 0) {
		int64_t cc = llm_get_int(u, "cache_creation_input_tokens");
		int64_t cr = llm_get_int(u, "cache_read_input_tokens");
		c->input_tokens = in + (cc > 0 ? cc : 0) + (cr > 0 ? cr : 0);
	}
	set_tokens(&c->output_tokens, llm_get_int(u, "output_tokens"));
}

static void anthropic_message(struct llm_call *c, const cJSON *m, const struct llm_opts *o)
{
	if (!cJSON_IsObject(m))
		return;
	set_ids(c, m, "id", "model");
	const cJSON *sr = get(m, "stop_reason");
	if (cJSON_IsString(sr))
		llm_add_finish(c, sr->valuestring);
	anthropic_usage(c, get(m, "usage"));
	const cJSON *part;
	cJSON_ArrayForEach(part, get(m, "content")) {
		const cJSON *t = get(part, "text");
		if (cJSON_IsString(t))
			llm_add_output(c, t->valuestring, o);
		if (is_type(part, "tool_use"))
			llm_add_tool_call(c, str_of(part, "id"), str_of(part, "name"), -1);
	}
}

static void anthropic_event(struct llm_call *c, const cJSON *j, const struct llm_opts *o)
{
	if (is_type(j, "message_start")) {
		anthropic_message(c, get(j, "message"), o);
	} else if (is_type(j, "content_block_start")) {
		const cJSON *b = get(j, "content_block");
		if (is_type(b, "tool_use"))
			llm_add_tool_call(c, str_of(b, "id"), str_of(b, "name"), -1);
	} else if (is_type(j, "content_block_delta")) {
		const cJSON *t = get(get(j, "delta"), "text");
		if (cJSON_IsString(t))
			llm_add_output(c, t->valuestring, o);
	} else if (is_type(j, "message_delta")) {
		const cJSON *sr = get(get(j, "delta"), "stop_reason");
		if (cJSON_IsString(sr))
			llm_add_finish(c, sr->valuestring);
		anthropic_usage(c, get(j, "usage"));
	} else if (is_type(j, "message_stop")) {
		c->stream_ended = true;
	} else if (is_type(j, "error")) {
		api_error(c, j);
		c->stream_ended = true;
	}
}

/* ---- Gemini ---------------------------------------------------------- */

/* One GenerateContentResponse (a whole answer or one streamed chunk; the
 * usage in each chunk is the running total, so the last one wins). */
static void gemini_obj(struct llm_call *c, const cJSON *j, const struct llm_opts *o)
{
	if (!cJSON_IsObject(j))
		return;
	api_error(c, j);
	set_ids(c, j, "responseId", "modelVersion");
	const cJSON *cand, *part;
	cJSON_ArrayForEach(cand, get(j, "candidates")) {
		const cJSON *fr = get(cand, "finishReason");
		if (cJSON_IsString(fr)) {
			llm_add_finish(c, fr->valuestring);
			c->stream_ended = true;
		}
		cJSON_ArrayForEach(part, get(get(cand, "content"), "parts")) {
			const cJSON *t = get(part, "text");
			if (cJSON_IsString(t))
				llm_add_output(c, t->valuestring, o);
			const cJSON *fc = get(part, "functionCall");
			if (cJSON_IsObject(fc))
				llm_add_tool_call(c, str_of(fc, "id"), str_of(fc, "name"), -1);
		}
	}
	const cJSON *u = get(j, "usageMetadata");
	if (cJSON_IsObject(u)) {
		set_tokens(&c->input_tokens, llm_get_int(u, "promptTokenCount"));
		int64_t out = llm_get_int(u, "candidatesTokenCount"), th = llm_get_int(u, "thoughtsTokenCount");
		if (out >= 0 || th >= 0)
			c->output_tokens = (out > 0 ? out : 0) + (th > 0 ? th : 0);
	}
}

/* ---- entry points ---------------------------------------------------- */

static void parse_obj(struct llm_call *c, const cJSON *j, bool stream, const struct llm_opts *o)
{
	switch (c->api) {
	case LLM_OPENAI_CHAT:
	case LLM_OPENAI_COMPLETIONS:
	case LLM_OPENAI_EMBEDDINGS:
		api_error(c, j);
		openai_chat(c, j, stream, o);
		break;
	case LLM_OPENAI_RESPONSES:
		api_error(c, j);
		responses_obj(c, j, o, true);
		break;
	case LLM_ANTHROPIC_MESSAGES:
		if (is_type(j, "error"))
			api_error(c, j);
		else
			anthropic_message(c, j, o);
		break;
	case LLM_GEMINI_GENERATE:
	case LLM_GEMINI_STREAM:
	case LLM_GEMINI_EMBED:
		gemini_obj(c, j, o);
		break;
	default:
		break;
	}
}

void llm_parse_response(struct llm_call *c, const char *body, size_t len, const struct llm_opts *o)
{
	if (!body || !len)
		return;
	cJSON *j = cJSON_ParseWithLength(body, len);
	if (cJSON_IsObject(j)) {
		c->response_parsed = true;
		parse_obj(c, j, false, o);
	} else if (cJSON_IsArray(j)) {
		/* Gemini's streamGenerateContent without alt=sse: one JSON
		 * array of chunks */
		const cJSON *el;
		c->response_parsed = true;
		cJSON_ArrayForEach(el, j) {
			c->chunks++;
			parse_obj(c, el, true, o);
		}
	}
	cJSON_Delete(j);
}

/* Whether `key` appears in data followed (after spaces and a colon) by
 * one of the bytes in `next`. */
static bool key_then(const char *data, size_t len, const char *key, const char *next)
{
	size_t k = strlen(key);
	const char *p = data, *end = data + len;
	while ((p = memmem(p, (size_t)(end - p), key, k))) {
		p += k;
		while (p < end && (*p == ' ' || *p == ':' || *p == '\t'))
			p++;
		if (p < end && strchr(next, *p))
			return true;
	}
	return false;
}

/* Most events of a long stream are text deltas that change nothing we
 * keep unless content is captured: they are counted, not parsed as JSON
 * (a 64 MB stream: 46 -> 300+ MB/s). Everything that may carry ids,
 * models, usage, finish reasons or errors is parsed. */
static bool worth_parsing(const struct llm_call *c, const char *event, const char *data, size_t len,
			  const struct llm_opts *o)
{
	if ((o && o->capture_content) || c->chunks == 1)
		return true;
	switch (c->api) {
	case LLM_OPENAI_CHAT:
	case LLM_OPENAI_COMPLETIONS:
		return key_then(data, len, "\"finish_reason\"", "\"") || key_then(data, len, "\"usage\"", "{") ||
		       memmem(data, len, "\"error\"", 7) ||
		       /* a tool call's first chunk (its name); not its arguments' */
		       (memmem(data, len, "\"name\"", 6) &&
			(memmem(data, len, "\"tool_calls\"", 12) || memmem(data, len, "\"function_call\"", 15)));
	case LLM_ANTHROPIC_MESSAGES:
		return !event || strcmp(event, "content_block_delta");
	case LLM_OPENAI_RESPONSES:
		return !event || strcmp(event, "response.output_text.delta");
	default:
		return true;
	}
}

void llm_stream_event(struct llm_call *c, const char *event, const char *data, size_t len,
		      uint64_t ts_ns, const struct llm_opts *o)
{
	c->chunks++;
	if (!c->first_chunk_ns)
		c->first_chunk_ns = ts_ns;
	if (len == 6 && !memcmp(data, "[DONE]", 6)) {
		c->stream_ended = true; /* OpenAI's end of stream */
		return;
	}
	if (!worth_parsing(c, event, data, len, o))
		return;
	cJSON *j = cJSON_ParseWithLength(data, len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return;
	}
	c->response_parsed = true;
	switch (c->api) {
	case LLM_OPENAI_RESPONSES:
		responses_event(c, event ? event : "", j, o);
		break;
	case LLM_ANTHROPIC_MESSAGES:
		anthropic_event(c, j, o);
		break;
	default:
		parse_obj(c, j, true, o);
		break;
	}
	cJSON_Delete(j);
}
