/* LLM API routing and request reading: see llm_api.h. */
#include "source/tls/llm_api.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/tls/llm_internal.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !memcmp(s + n - m, suffix, m);
}

/* Gemini: ".../models/MODEL:verb" -> MODEL, or "" */
static void gemini_model(const char *path, const char *colon, char *model, size_t cap)
{
	const char *m = NULL;
	for (const char *p = path; p < colon; p++)
		if (!strncmp(p, "models/", 7))
			m = p + 7;
	if (!model || !cap)
		return;
	model[0] = '\0';
	if (m && colon > m) {
		size_t n = (size_t)(colon - m);
		if (n >= cap)
			n = cap - 1;
		memcpy(model, m, n);
		model[n] = '\0';
	}
}

enum llm_api llm_api_route(const char *method, const char *path, char *model, size_t model_cap)
{
	if (model && model_cap)
		model[0] = '\0';
	if (!method || !path || strcmp(method, "POST"))
		return LLM_API_NONE;
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--; /* "/v1/chat/completions/" */
	char p[1024];
	if (n >= sizeof(p))
		return LLM_API_NONE;
	memcpy(p, path, n);
	p[n] = '\0';
	const char *colon = strrchr(p, ':');
	if (colon && strchr(colon, '/') == NULL) {
		const char *verb = colon + 1;
		enum llm_api api = LLM_API_NONE;
		if (!strcmp(verb, "generateContent"))
			api = LLM_GEMINI_GENERATE;
		else if (!strcmp(verb, "streamGenerateContent"))
			api = LLM_GEMINI_STREAM;
		else if (!strcmp(verb, "embedContent") || !strcmp(verb, "batchEmbedContents"))
			api = LLM_GEMINI_EMBED;
		if (api != LLM_API_NONE)
			gemini_model(p, colon, model, model_cap);
		return api;
	}
	if (ends_with(p, "/chat/completions"))
		return LLM_OPENAI_CHAT;
	if (ends_with(p, "/completions"))
		return LLM_OPENAI_COMPLETIONS;
	if (ends_with(p, "/responses"))
		return LLM_OPENAI_RESPONSES;
	if (ends_with(p, "/embeddings"))
		return LLM_OPENAI_EMBEDDINGS;
	if (ends_with(p, "/messages"))
		return LLM_ANTHROPIC_MESSAGES;
	return LLM_API_NONE;
}

/* gen_ai.operation.name values of the OpenTelemetry GenAI conventions. */
const char *llm_api_operation(enum llm_api api)
{
	switch (api) {
	case LLM_OPENAI_CHAT:
	case LLM_OPENAI_RESPONSES:
	case LLM_ANTHROPIC_MESSAGES:
		return "chat";
	case LLM_OPENAI_COMPLETIONS:
		return "text_completion";
	case LLM_OPENAI_EMBEDDINGS:
	case LLM_GEMINI_EMBED:
		return "embeddings";
	case LLM_GEMINI_GENERATE:
	case LLM_GEMINI_STREAM:
		return "generate_content";
	default:
		return "";
	}
}

/* gen_ai.provider.name: the API's owner ("openai" for every server that
 * speaks its API: the host does not say who runs the model). */
const char *llm_api_provider(enum llm_api api)
{
	switch (api) {
	case LLM_ANTHROPIC_MESSAGES:
		return "anthropic";
	case LLM_GEMINI_GENERATE:
	case LLM_GEMINI_STREAM:
	case LLM_GEMINI_EMBED:
		return "gcp.gemini";
	case LLM_API_NONE:
		return "";
	default:
		return "openai";
	}
}

/* W3C traceparent: 00-<32 hex>-<16 hex>-<2 hex>, ids not all zero. */
static bool traceparent_valid(const char *s)
{
	if (strlen(s) != 55 || s[2] != '-' || s[35] != '-' || s[52] != '-')
		return false;
	bool trace_nz = false, span_nz = false;
	for (int i = 0; i < 55; i++) {
		if (i == 2 || i == 35 || i == 52)
			continue;
		char ch = s[i];
		if (!(isdigit((unsigned char)ch) || (ch >= 'a' && ch <= 'f')))
			return false;
		if (ch != '0' && i > 2 && i < 35)
			trace_nz = true;
		if (ch != '0' && i > 35 && i < 52)
			span_nz = true;
	}
	return trace_nz && span_nz && strncmp(s, "ff", 2);
}

static void parse_host(struct llm_call *c, const char *host)
{
	c->server_port = 443;
	if (!host || !*host)
		return;
	const char *port = NULL;
	int n = (int)strlen(host);
	if (host[0] == '[') { /* [v6]:port */
		const char *rb = strchr(host, ']');
		if (!rb)
			return;
		n = (int)(rb - host - 1);
		host++;
		if (rb[1] == ':')
			port = rb + 2;
	} else {
		const char *first = strchr(host, ':'), *last = strrchr(host, ':');
		if (first && first == last) { /* name:port; several colons: a bare IPv6 address */
			n = (int)(first - host);
			port = first + 1;
		}
	}
	snprintf(c->server_address, sizeof(c->server_address), "%.*s", n, host);
	if (port && *port) {
		char *e;
		long v = strtol(port, &e, 10);
		if (*e == '\0' && v > 0 && v < 65536)
			c->server_port = (int)v;
	}
}

void llm_call_init(struct llm_call *c, enum llm_api api, const char *host, const char *traceparent)
{
	memset(c, 0, sizeof(*c));
	c->api = api;
	c->operation = llm_api_operation(api);
	c->provider = llm_api_provider(api);
	c->input_tokens = c->output_tokens = c->max_tokens = -1;
	c->stream = api == LLM_GEMINI_STREAM;
	parse_host(c, host);
	if (traceparent && traceparent_valid(traceparent))
		snprintf(c->traceparent, sizeof(c->traceparent), "%s", traceparent);
}

void llm_call_free(struct llm_call *c)
{
	free(c->input_messages);
	free(c->output_text);
	c->input_messages = c->output_text = NULL;
}

/* ---- helpers shared with llm_response.c ---------------------------- */

void llm_copy_str(char *dst, size_t cap, const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (cJSON_IsString(v) && v->valuestring)
		snprintf(dst, cap, "%s", v->valuestring);
}

int64_t llm_get_int(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9e15)
		return -1;
	return (int64_t)v->valuedouble;
}

void llm_add_finish(struct llm_call *c, const char *reason)
{
	if (!reason || !*reason)
		return;
	for (int i = 0; i < c->n_finish; i++)
		if (!strcmp(c->finish_reasons[i], reason))
			return;
	if (c->n_finish < LLM_FINISH_MAX)
		snprintf(c->finish_reasons[c->n_finish++], LLM_FINISH_LEN, "%s", reason);
}

void llm_add_output(struct llm_call *c, const char *text, const struct llm_opts *o)
{
	if (!o || !o->capture_content || !text)
		return;
	size_t max = o->content_max ? o->content_max : LLM_DEFAULT_CONTENT_MAX;
	size_t n = strlen(text);
	if (!c->output_text) {
		c->output_text = malloc(max + 1);
		if (!c->output_text)
			return;
		c->output_len = 0;
		c->output_text[0] = '\0';
	}
	if (c->output_len + n > max) {
		c->content_truncated = true;
		n = max - c->output_len;
	}
	memcpy(c->output_text + c->output_len, text, n);
	c->output_len += n;
	c->output_text[c->output_len] = '\0';
}

void llm_set_error(struct llm_call *c, const char *type)
{
	if (!c->error_type[0] && type && *type)
		snprintf(c->error_type, sizeof(c->error_type), "%s", type);
}

void llm_add_tool_call(struct llm_call *c, const char *id, const char *name, int index)
{
	id = id ? id : "";
	name = name ? name : "";
	for (int i = 0; i < c->n_tool_calls; i++) {
		struct llm_tool_call *t = &c->tool_calls[i];
		if (index >= 0 ? t->index == index : id[0] && !strcmp(t->id, id)) {
			if (!t->id[0])
				snprintf(t->id, sizeof(t->id), "%s", id);
			if (!t->name[0])
				snprintf(t->name, sizeof(t->name), "%s", name);
			return;
		}
	}
	if (!name[0] && index < 0)
		return; /* nothing to match a tools/call by */
	if (c->n_tool_calls == LLM_TOOL_CALLS_MAX) {
		c->tool_calls_dropped++;
		return;
	}
	struct llm_tool_call *t = &c->tool_calls[c->n_tool_calls++];
	snprintf(t->id, sizeof(t->id), "%s", id);
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->index = index;
}

const char *llm_finish_reasons_str(const struct llm_call *c, char *buf, size_t cap)
{
	size_t len = 0;
	if (cap)
		buf[0] = '\0';
	for (int i = 0; i < c->n_finish && len + 1 < cap; i++) {
		int w = snprintf(buf + len, cap - len, "%s%s", i ? "," : "", c->finish_reasons[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}

/* ---- requests ------------------------------------------------------- */

/* A body cut by the size cap is not JSON any more; its first members
 * (SDKs write "model" and "stream" near the front) can still be read. */
static void scan_prefix(struct llm_call *c, const char *body, size_t len)
{
	const char *end = body + len;
	const char *m = memmem(body, len, "\"model\"", 7);
	if (m) {
		const char *p = m + 7;
		while (p < end && (*p == ' ' || *p == ':' || *p == '\t' || *p == '\n'))
			p++;
		if (p < end && *p == '"') {
			const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
			if (q && !c->request_model[0])
				snprintf(c->request_model, sizeof(c->request_model), "%.*s", (int)(q - p - 1), p + 1);
		}
	}
	const char *s = memmem(body, len, "\"stream\"", 8);
	if (s) {
		const char *p = s + 8;
		while (p < end && (*p == ' ' || *p == ':' || *p == '\t'))
			p++;
		if (end - p >= 4 && !memcmp(p, "true", 4))
			c->stream = true;
	}
}

static void capture_input(struct llm_call *c, const cJSON *v, const struct llm_opts *o)
{
	if (!o || !o->capture_content || !v)
		return;
	char *s = cJSON_PrintUnformatted(v);
	if (!s)
		return;
	size_t max = o->content_max ? o->content_max : LLM_DEFAULT_CONTENT_MAX;
	if (strlen(s) > max) {
		s[max] = '\0';
		c->content_truncated = true;
	}
	free(c->input_messages);
	c->input_messages = s;
}

void llm_parse_request(struct llm_call *c, const char *body, size_t len, bool truncated, const struct llm_opts *o)
{
	if (!body || !len)
		return;
	cJSON *j = truncated ? NULL : cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(j)) {
		scan_prefix(c, body, len);
		cJSON_Delete(j);
		return;
	}
	c->request_parsed = true;
	if (!c->request_model[0])
		llm_copy_str(c->request_model, sizeof(c->request_model), j, "model");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "stream");
	if (cJSON_IsTrue(st))
		c->stream = true;
	const cJSON *params = j;
	if (c->api == LLM_GEMINI_GENERATE || c->api == LLM_GEMINI_STREAM)
		params = cJSON_GetObjectItemCaseSensitive(j, "generationConfig");
	static const char *max_keys[] = { "max_completion_tokens", "max_tokens", "max_output_tokens", "maxOutputTokens" };
	for (size_t i = 0; params && i < sizeof(max_keys) / sizeof(max_keys[0]) && c->max_tokens < 0; i++)
		c->max_tokens = llm_get_int(params, max_keys[i]);
	const cJSON *t = params ? cJSON_GetObjectItemCaseSensitive(params, "temperature") : NULL;
	if (cJSON_IsNumber(t)) {
		c->temperature = t->valuedouble;
		c->has_temperature = true;
	}
	static const char *input_keys[] = { "messages", "input", "contents", "prompt", "content", "requests" };
	for (size_t i = 0; i < sizeof(input_keys) / sizeof(input_keys[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, input_keys[i]);
		if (v) {
			capture_input(c, v, o);
			break;
		}
	}
	cJSON_Delete(j);
}

/* ---- the end -------------------------------------------------------- */

void llm_call_finish(struct llm_call *c, int status, bool closed, bool answered)
{
	c->status = status;
	if (!answered) {
		llm_set_error(c, "no_response");
		return;
	}
	if (status && (status < 200 || status > 299)) {
		/* The API's own error type when the body gave one (llm_response.c
		 * set it), else the status code, as HTTP conventions do. */
		char code[16];
		snprintf(code, sizeof(code), "%d", status);
		llm_set_error(c, code);
		return;
	}
	/* A stream whose own end event came is whole even if the connection
	 * then dropped; a response framed complete by HTTP is whole too (not
	 * every OpenAI-compatible server sends [DONE]). */
	if (closed && !(c->stream && c->stream_ended))
		llm_set_error(c, "connection_closed");
}
