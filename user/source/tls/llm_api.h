/* LLM API calls recognised in HTTP exchanges, by method and path whatever
 * the host (so every OpenAI-compatible server counts: vLLM, Ollama,
 * llama.cpp...), and read from their request and response JSON into a
 * plain struct that the GenAI telemetry is made from:
 *
 *   POST .../chat/completions        OpenAI Chat Completions   chat
 *   POST .../completions             OpenAI legacy completions text_completion
 *   POST .../responses               OpenAI Responses          chat
 *   POST .../embeddings              OpenAI embeddings         embeddings
 *   POST .../messages                Anthropic Messages        chat
 *   POST ...models/M:generateContent Gemini                    generate_content
 *   POST ...models/M:streamGenerateContent (stream)            generate_content
 *   POST ...models/M:embedContent / :batchEmbedContents        embeddings
 *
 * Streams (Server-Sent Events) are read event by event, whatever their
 * length: the usage that OpenAI puts in the last chunk, Anthropic in
 * message_start/message_delta, the Responses API in response.completed and
 * Gemini in every chunk is kept.
 *
 * Prompt and completion text are copied only when capture_content is set,
 * and then truncated to content_max bytes. */
#ifndef TLS_LLM_API_H
#define TLS_LLM_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum llm_api {
	LLM_API_NONE = 0,
	LLM_OPENAI_CHAT,
	LLM_OPENAI_COMPLETIONS,
	LLM_OPENAI_RESPONSES,
	LLM_OPENAI_EMBEDDINGS,
	LLM_ANTHROPIC_MESSAGES,
	LLM_GEMINI_GENERATE,
	LLM_GEMINI_STREAM,
	LLM_GEMINI_EMBED,
};

#define LLM_MODEL_MAX 128
#define LLM_ID_MAX 128
#define LLM_ERROR_MAX 64
#define LLM_FINISH_MAX 4
#define LLM_FINISH_LEN 32
#define LLM_DEFAULT_CONTENT_MAX 4096
#define LLM_TOOL_CALLS_MAX 16
#define LLM_TOOL_NAME_MAX 64

/* A tool call the answer asked for: its name and id only, never its
 * arguments (content). */
struct llm_tool_call {
	char name[LLM_TOOL_NAME_MAX];
	char id[LLM_ID_MAX];
	int index; /* OpenAI streamed deltas: choice * 1000 + tool_calls[].index; else -1 */
};

struct llm_opts {
	bool capture_content;
	size_t content_max; /* bytes of each captured text kept (default 4096) */
};

struct llm_call {
	enum llm_api api;
	const char *operation; /* gen_ai.operation.name */
	const char *provider;  /* gen_ai.provider.name */
	char request_model[LLM_MODEL_MAX];
	char response_model[LLM_MODEL_MAX];
	char response_id[LLM_ID_MAX];
	char finish_reasons[LLM_FINISH_MAX][LLM_FINISH_LEN];
	int n_finish;
	int64_t input_tokens;  /* -1: not reported */
	int64_t output_tokens; /* -1: not reported */
	int64_t max_tokens;    /* -1: not in the request */
	double temperature;
	bool has_temperature;
	bool stream;           /* gen_ai.request.stream */
	uint64_t start_ns;     /* request's first byte */
	uint64_t end_ns;       /* response's last byte (or the connection's end) */
	uint64_t first_chunk_ns; /* streams: the first event; 0 none */
	int status;            /* HTTP status; 0: no response */
	char error_type[LLM_ERROR_MAX]; /* "" on success */
	char server_address[256];
	int server_port;
	char traceparent[56];  /* a valid W3C traceparent, or "" */
	bool request_parsed, response_parsed;
	/* streams */
	bool stream_ended;     /* the API's own end event ([DONE], message_stop, response.completed...) */
	uint64_t chunks;
	/* capture_content only (malloc'd, NUL-terminated, or NULL) */
	char *input_messages;
	char *output_text;
	size_t output_len;
	bool content_truncated;
	/* tool calls asked for (OpenAI tool_calls and function_call items,
	 * Anthropic tool_use blocks, Gemini functionCall parts), in order */
	struct llm_tool_call tool_calls[LLM_TOOL_CALLS_MAX];
	int n_tool_calls;
	int tool_calls_dropped; /* beyond LLM_TOOL_CALLS_MAX */
	bool answered;          /* the answer is whole (its tool calls told) */
	/* the span's ids, given when the answer is whole (its tool calls are
	 * published then, before the exchange may end); span_id 0: at emit */
	unsigned long long trace_id[2], span_id, parent_id;
	/* cost, from the price table (see prices.h) */
	double cost_usd;
	bool has_cost;
};

/* Which API a request is, from its method and path (query string already
 * removed); for Gemini the model named in the path goes to model[]. */
enum llm_api llm_api_route(const char *method, const char *path, char *model, size_t model_cap);
const char *llm_api_operation(enum llm_api api);
const char *llm_api_provider(enum llm_api api);

/* A new call for `api`; server address and port from a Host header
 * (port 443 when it names none: this is TLS). */
void llm_call_init(struct llm_call *c, enum llm_api api, const char *host, const char *traceparent);
/* The request body (JSON). A body cut by the size cap still gives its
 * model and stream flag when they come before the cut. */
void llm_parse_request(struct llm_call *c, const char *body, size_t len, bool truncated, const struct llm_opts *o);
/* A whole (non-stream) response body. */
void llm_parse_response(struct llm_call *c, const char *body, size_t len, const struct llm_opts *o);
/* One SSE event of a streamed response. */
void llm_stream_event(struct llm_call *c, const char *event, const char *data, size_t len,
		      uint64_t ts_ns, const struct llm_opts *o);
/* After the response: error.type from the status, the API's error, or a
 * stream cut before its end event (closed = the connection ended early). */
void llm_call_finish(struct llm_call *c, int status, bool closed, bool answered);
void llm_call_free(struct llm_call *c);

/* Finish reasons joined with ',' into buf. */
const char *llm_finish_reasons_str(const struct llm_call *c, char *buf, size_t cap);

#endif
