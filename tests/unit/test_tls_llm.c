/* LLM API calls from HTTPS plaintext, end to end in user space:
 * http1 -> llm_tracker -> llm_api/llm_response -> prices. OpenAI,
 * Anthropic and Gemini, streamed and not, errors, early close, a 5 MB
 * stream, content capture on and off. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_tls_util.h"
#include "unit_test.h"

static struct price_table prices;

static struct http1_conn *conn(struct rec *r)
{
	return http1_conn_new(&r->http);
}

/* A request with a JSON body. */
static void send_req(struct http1_conn *c, const char *path, const char *json, uint64_t ts)
{
	char head[1024];
	snprintf(head, sizeof(head),
		 "POST %s HTTP/1.1\r\nHost: api.test.local\r\nAuthorization: Bearer sk-test-SECRET\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
		 path, strlen(json));
	feed_str(c, TLS_DIR_WRITE, head, ts);
	feed_str(c, TLS_DIR_WRITE, json, ts);
}

static void send_resp(struct http1_conn *c, int status, const char *ctype, const char *body, uint64_t ts)
{
	char head[512];
	snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n", status, ctype,
		 strlen(body));
	feed_str(c, TLS_DIR_READ, head, ts);
	feed_str(c, TLS_DIR_READ, body, ts);
}

/* An SSE stream, chunked, each event in its own chunk and read. */
static void send_stream(struct http1_conn *c, const char *const *events, int n, bool end, uint64_t ts)
{
	feed_str(c, TLS_DIR_READ, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
				  "Transfer-Encoding: chunked\r\n\r\n", ts);
	for (int i = 0; i < n; i++) {
		char chunk[4096];
		snprintf(chunk, sizeof(chunk), "%zx\r\n%s\r\n", strlen(events[i]), events[i]);
		feed_str(c, TLS_DIR_READ, chunk, ts + 1 + (uint64_t)i);
	}
	if (end)
		feed_str(c, TLS_DIR_READ, "0\r\n\r\n", ts + 100);
}

static const char chat_req[] =
	"{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"PROMPT-TEXT tell me a story about a long "
	"journey across the sea\"}],\"max_tokens\":50,\"temperature\":0.5}";
static const char chat_resp[] =
	"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,"
	"\"message\":{\"role\":\"assistant\",\"content\":\"COMPLETION-TEXT once upon a time\"},\"finish_reason\":\"stop\"}],"
	"\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":2000,\"total_tokens\":3000}}";

static void test_openai_chat(void)
{
	struct rec r;
	rec_init(&r, false, &prices);
	struct http1_conn *c = conn(&r);
	send_req(c, "/v1/chat/completions", chat_req, 1000);
	send_resp(c, 200, "application/json", chat_resp, 5000);
	CHECK_EQ_INT(r.n, 1);
	const struct llm_call *k = &r.calls[0].c;
	CHECK_STR_EQ(k->operation, "chat");
	CHECK_STR_EQ(k->provider, "openai");
	CHECK_STR_EQ(k->request_model, "gpt-4o-mini");
	CHECK_STR_EQ(k->response_model, "gpt-4o-mini-2024-07-18");
	CHECK_STR_EQ(k->response_id, "chatcmpl-1");
	CHECK_EQ_INT(k->n_finish, 1);
	CHECK_STR_EQ(k->finish_reasons[0], "stop");
	CHECK_EQ_INT(k->input_tokens, 1000);
	CHECK_EQ_INT(k->output_tokens, 2000);
	CHECK_EQ_INT(k->max_tokens, 50);
	CHECK(k->has_temperature && k->temperature == 0.5);
	CHECK(!k->stream);
	CHECK_EQ_INT(k->status, 200);
	CHECK_STR_EQ(k->error_type, "");
	CHECK_STR_EQ(k->server_address, "api.test.local");
	CHECK_EQ_INT(k->server_port, 443);
	CHECK_EQ_INT(k->start_ns, 1000);
	CHECK_EQ_INT(k->end_ns, 5000);
	/* gpt-4o-mini: 0.15 and 0.60 USD per million */
	CHECK(k->has_cost && fabs(k->cost_usd - (1000 * 0.15 + 2000 * 0.60) / 1e6) < 1e-12);
	/* content capture off: no text kept */
	CHECK(!r.calls[0].has_input && !r.calls[0].has_output);
	CHECK(memmem(r.calls, sizeof(r.calls), "PROMPT-TEXT", 11) == NULL);
	CHECK(memmem(r.calls, sizeof(r.calls), "COMPLETION-TEXT", 15) == NULL);
	CHECK(memmem(r.calls, sizeof(r.calls), "SECRET", 6) == NULL);
	http1_close(c, 6000);

	/* capture on: both, cut at content_max (64) */
	rec_init(&r, true, &prices);
	c = conn(&r);
	send_req(c, "/v1/chat/completions", chat_req, 1);
	send_resp(c, 200, "application/json", chat_resp, 2);
	CHECK_EQ_INT(r.n, 1);
	CHECK_STR_PREFIX(r.calls[0].input, "[{\"role\":\"user\",\"content\":\"PROMPT-TEXT");
	CHECK_EQ_INT(strlen(r.calls[0].input), 64);
	CHECK_STR_EQ(r.calls[0].output, "COMPLETION-TEXT once upon a time");
	CHECK(r.calls[0].c.content_truncated);
	http1_close(c, 3);
}

static const char *const chat_stream[] = {
	"data: {\"id\":\"chatcmpl-s\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n",
	"data: {\"id\":\"chatcmpl-s\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}],\"usage\":null}\n\n",
	"data: {\"id\":\"chatcmpl-s\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"length\"}],\"usage\":null}\n\n",
	"data: {\"id\":\"chatcmpl-s\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7,\"total_tokens\":19}}\n\n",
	"data: [DONE]\n\n",
};

static void test_openai_stream(void)
{
	struct rec r;
	rec_init(&r, true, &prices);
	struct http1_conn *c = conn(&r);
	send_req(c, "/v1/chat/completions",
		 "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[]}", 100);
	send_stream(c, chat_stream, 5, true, 200);
	CHECK_EQ_INT(r.n, 1);
	const struct llm_call *k = &r.calls[0].c;
	CHECK(k->stream);
	CHECK_EQ_INT(k->input_tokens, 12);
	CHECK_EQ_INT(k->output_tokens, 7);
	CHECK_STR_EQ(k->finish_reasons[0], "length");
	CHECK_STR_EQ(k->response_id, "chatcmpl-s");
	CHECK_EQ_INT(k->first_chunk_ns, 201);
	CHECK_EQ_INT(k->chunks, 5);
	CHECK(k->stream_ended);
	CHECK_STR_EQ(r.calls[0].output, "Hello");
	CHECK_STR_EQ(k->error_type, "");

	/* the same stream, connection closed after the second event */
	send_req(c, "/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"stream\":true}", 1000);
	send_stream(c, chat_stream, 2, false, 1100);
	http1_close(c, 1200);
	CHECK_EQ_INT(r.n, 2);
	k = &r.calls[1].c;
	CHECK_STR_EQ(k->error_type, "connection_closed");
	CHECK_EQ_INT(k->end_ns, 1200);
	CHECK_EQ_INT(k->input_tokens, -1);
	CHECK_EQ_INT(k->status, 200);
}

/* The whole exchange cut into pieces of every size from 1 to 64 bytes:
 * the same call each time. */
static void test_split_anywhere(void)
{
	char all[8192] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
	for (int i = 0; i < 5; i++) {
		size_t len = strlen(all);
		snprintf(all + len, sizeof(all) - len, "%zx\r\n%s\r\n", strlen(chat_stream[i]), chat_stream[i]);
	}
	strcat(all, "0\r\n\r\n");
	const char *req = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 37\r\n\r\n"
			  "{\"model\":\"gpt-4o-mini\",\"stream\":true}";
	int bad = 0;
	for (size_t step = 1; step <= 64; step++) {
		struct rec r;
		rec_init(&r, false, &prices);
		struct http1_conn *c = conn(&r);
		feed_steps(c, TLS_DIR_WRITE, req, strlen(req), step, 1);
		feed_steps(c, TLS_DIR_READ, all, strlen(all), step, 2);
		if (r.n != 1 || r.calls[0].c.input_tokens != 12 || r.calls[0].c.output_tokens != 7 ||
		    !r.calls[0].c.stream || r.calls[0].c.error_type[0])
			bad++;
		http1_close(c, 3);
	}
	CHECK_EQ_INT(bad, 0);
}

static const char *const responses_stream[] = {
	"event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-4.1-2025-04-14\",\"status\":\"in_progress\",\"usage\":null}}\n\n",
	"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n",
	"event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-4.1-2025-04-14\",\"status\":\"completed\",\"usage\":{\"input_tokens\":40,\"output_tokens\":3,\"total_tokens\":43}}}\n\n",
};

static void test_openai_responses(void)
{
	struct rec r;
	rec_init(&r, true, &prices);
	struct http1_conn *c = conn(&r);
	send_req(c, "/v1/responses", "{\"model\":\"gpt-4.1\",\"input\":\"hi\",\"stream\":true,\"max_output_tokens\":99}", 1);
	send_stream(c, responses_stream, 3, true, 2);
	CHECK_EQ_INT(r.n, 1);
	const struct llm_call *k = &r.calls[0].c;
	CHECK_STR_EQ(k->operation, "chat");
	CHECK_STR_EQ(k->response_id, "resp_1");
	CHECK_STR_EQ(k->response_model, "gpt-4.1-2025-04-14");
	CHECK_EQ_INT(k->input_tokens, 40);
	CHECK_EQ_INT(k->output_tokens, 3);
	CHECK_EQ_INT(k->max_tokens, 99);
	CHECK_STR_EQ(k->finish_reasons[0], "completed");
	CHECK_STR_EQ(r.calls[0].output, "Hi");
	CHECK(k->has_cost);

	/* not streamed */
	send_req(c, "/v1/responses", "{\"model\":\"gpt-4.1\",\"input\":\"hi\"}", 10);
	send_resp(c, 200, "application/json",
		  "{\"id\":\"resp_2\",\"model\":\"gpt-4.1\",\"status\":\"completed\",\"output\":[{\"type\":\"message\","
		  "\"content\":[{\"type\":\"output_text\",\"text\":\"Yo\"}]}],\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}",
		  11);
	CHECK_EQ_INT(r.n, 2);
	CHECK_EQ_INT(r.calls[1].c.input_tokens, 5);
	CHECK_STR_EQ(r.calls[1].output, "Yo");
	http1_close(c, 12);
}

/* An Anthropic event stream (message_start, a text delta, message_delta,
 * message_stop), brotli-compressed with libbrotlienc at quality 5. */
static const unsigned char br_sse[] = {
	0x1b, 0x00, 0x02, 0x00, 0x04, 0x9e, 0xcf, 0x39, 0x7d, 0x8c, 0xea, 0x3d,
	0x9d, 0x8e, 0xe0, 0x0b, 0x35, 0xe1, 0x29, 0x05, 0xa0, 0xd1, 0xd4, 0x39,
	0xd2, 0x07, 0xe2, 0x5f, 0x44, 0x61, 0x34, 0xd5, 0x79, 0x96, 0x4e, 0xec,
	0x6f, 0x84, 0xd3, 0x53, 0x8f, 0x73, 0x4f, 0x53, 0xac, 0x70, 0x0a, 0x8c,
	0x6b, 0x88, 0x85, 0x71, 0x86, 0xce, 0xa9, 0xed, 0x16, 0x5f, 0xac, 0x2f,
	0x6b, 0x30, 0x6f, 0x04, 0x82, 0x89, 0xc6, 0x4a, 0xc8, 0x97, 0x34, 0x78,
	0xdf, 0xfa, 0xd8, 0x78, 0x1d, 0xda, 0xc6, 0x45, 0x93, 0x2b, 0x80, 0xe0,
	0x72, 0xe9, 0xca, 0x06, 0xe6, 0xe0, 0x77, 0x1d, 0x84, 0x05, 0x82, 0x5f,
	0xb8, 0x63, 0x10, 0xda, 0x7b, 0xfb, 0x68, 0x27, 0x6e, 0x9a, 0x8f, 0xf6,
	0xc8, 0xa2, 0xb6, 0x9b, 0xdd, 0x0e, 0xcd, 0x99, 0xb9, 0x4c, 0xee, 0x4f,
	0x4d, 0x01, 0x04, 0x73, 0x30, 0x41, 0x43, 0xda, 0xce, 0x62, 0xfc, 0x42,
	0x5e, 0x35, 0xe3, 0x60, 0xda, 0xa1, 0xde, 0x23, 0xfb, 0x8d, 0xa6, 0x30,
	0x14, 0xdc, 0xd8, 0xfe, 0xff, 0x7f, 0xa5, 0x84, 0x12, 0xae, 0x39, 0x93,
	0x2a, 0xce, 0x8c, 0x6f, 0xa7, 0xdc, 0x3e, 0x9a, 0x87, 0x26, 0xeb, 0x05,
	0xb2, 0xd1, 0xa0, 0x92, 0xd8, 0xc4, 0x43, 0xb8, 0x0c, 0x54, 0x08, 0x20,
	0x11, 0x6e, 0x29, 0x81, 0xc9, 0x04, 0xf6, 0x87, 0x6c, 0x13, 0x96, 0x84,
	0x68, 0x0b, 0xcf, 0x08, 0xab, 0xc0, 0xf4, 0xdb, 0x93, 0xbf, 0xfe, 0x2e,
	0xb5, 0x7b, 0xd7, 0xb8, 0xd0, 0xd3, 0xc0, 0x82, 0x96, 0xea, 0x86, 0xbf,
	0x52,
};

static void test_anthropic(void)
{
	struct rec r;
	rec_init(&r, false, &prices);
	struct http1_conn *c = conn(&r);
	send_req(c, "/v1/messages", "{\"model\":\"claude-3-5-haiku-latest\",\"max_tokens\":1024,\"messages\":[]}", 1);
	send_resp(c, 200, "application/json",
		  "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-3-5-haiku-20241022\","
		  "\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":10,"
		  "\"cache_creation_input_tokens\":5,\"cache_read_input_tokens\":100,\"output_tokens\":20}}",
		  2);
	CHECK_EQ_INT(r.n, 1);
	const struct llm_call *k = &r.calls[0].c;
	CHECK_STR_EQ(k->provider, "anthropic");
	CHECK_STR_EQ(k->operation, "chat");
	CHECK_STR_EQ(k->request_model, "claude-3-5-haiku-latest");
	CHECK_STR_EQ(k->response_model, "claude-3-5-haiku-20241022");
	CHECK_EQ_INT(k->input_tokens, 115); /* cached input counted in */
	CHECK_EQ_INT(k->output_tokens, 20);
	CHECK_EQ_INT(k->max_tokens, 1024);
	CHECK_STR_EQ(k->finish_reasons[0], "end_turn");
	CHECK(k->has_cost && fabs(k->cost_usd - (115 * 0.80 + 20 * 4.00) / 1e6) < 1e-12);

	/* streamed, br-compressed, read one byte at a time */
	send_req(c, "/v1/messages", "{\"model\":\"claude-3-5-haiku-latest\",\"stream\":true}", 10);
	char head[256];
	int hn = snprintf(head, sizeof(head),
			  "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: br\r\n"
			  "Content-Length: %zu\r\n\r\n", sizeof(br_sse));
	feed_steps(c, TLS_DIR_READ, head, (size_t)hn, 1000, 11);
	feed_steps(c, TLS_DIR_READ, (const char *)br_sse, sizeof(br_sse), 1, 12);
	CHECK_EQ_INT(r.n, 2);
	k = &r.calls[1].c;
	CHECK(k->stream && k->stream_ended);
	CHECK_STR_EQ(k->response_id, "msg_br");
	CHECK_EQ_INT(k->input_tokens, 30);
	CHECK_EQ_INT(k->output_tokens, 9);
	CHECK_STR_EQ(k->finish_reasons[0], "end_turn");
	CHECK_EQ_INT(k->chunks, 4);

	/* an error event inside a 200 stream */
	static const char *const overloaded[] = {
		"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
	};
	send_req(c, "/v1/messages", "{\"model\":\"claude-3-5-haiku-latest\",\"stream\":true}", 20);
	send_stream(c, overloaded, 1, true, 21);
	CHECK_EQ_INT(r.n, 3);
	CHECK_STR_EQ(r.calls[2].c.error_type, "overloaded_error");
	CHECK_EQ_INT(r.calls[2].c.status, 200);
	http1_close(c, 30);
}

static void test_gemini(void)
{
	struct rec r;
	rec_init(&r, false, &prices);
	struct http1_conn *c = conn(&r);
	static const char gem[] =
		"{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}],\"role\":\"model\"},\"finishReason\":\"STOP\"}],"
		"\"usageMetadata\":{\"promptTokenCount\":8,\"candidatesTokenCount\":2,\"thoughtsTokenCount\":3,"
		"\"totalTokenCount\":13},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"g-1\"}";
	send_req(c, "/v1beta/models/gemini-2.5-flash:generateContent?key=SECRET-GEMINI-KEY",
		 "{\"contents\":[],\"generationConfig\":{\"maxOutputTokens\":64,\"temperature\":0.2}}", 1);
	send_resp(c, 200, "application/json", gem, 2);
	CHECK_EQ_INT(r.n, 1);
	const struct llm_call *k = &r.calls[0].c;
	CHECK_STR_EQ(k->provider, "gcp.gemini");
	CHECK_STR_EQ(k->operation, "generate_content");
	CHECK_STR_EQ(k->request_model, "gemini-2.5-flash");
	CHECK_STR_EQ(k->response_id, "g-1");
	CHECK_EQ_INT(k->input_tokens, 8);
	CHECK_EQ_INT(k->output_tokens, 5);
	CHECK_EQ_INT(k->max_tokens, 64);
	CHECK(k->has_temperature && fabs(k->temperature - 0.2) < 1e-12);
	CHECK(!k->stream);
	CHECK(memmem(r.calls, sizeof(r.calls), "SECRET", 6) == NULL);

	/* SSE stream (alt=sse): usage is a running total, the last wins */
	static const char *const gs[] = {
		"data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"H\"}]}}],\"usageMetadata\":{\"promptTokenCount\":8,\"candidatesTokenCount\":1},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n",
		"data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"i\"}]},\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":8,\"candidatesTokenCount\":4},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n",
	};
	send_req(c, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "{\"contents\":[]}", 10);
	send_stream(c, gs, 2, true, 11);
	CHECK_EQ_INT(r.n, 2);
	k = &r.calls[1].c;
	CHECK(k->stream);
	CHECK_EQ_INT(k->input_tokens, 8);
	CHECK_EQ_INT(k->output_tokens, 4);
	CHECK_EQ_INT(k->first_chunk_ns, 12);

	/* streamed as one JSON array (no alt=sse) */
	send_req(c, "/v1beta/models/gemini-2.0-flash:streamGenerateContent", "{\"contents\":[]}", 20);
	send_resp(c, 200, "application/json",
		  "[{\"candidates\":[],\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":1}},"
		  "{\"candidates\":[{\"finishReason\":\"MAX_TOKENS\"}],\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":9}}]",
		  21);
	CHECK_EQ_INT(r.n, 3);
	k = &r.calls[2].c;
	CHECK_EQ_INT(k->output_tokens, 9);
	CHECK_STR_EQ(k->finish_reasons[0], "MAX_TOKENS");
	CHECK_EQ_INT(k->first_chunk_ns, 21);
	CHECK(k->has_cost);
	http1_close(c, 30);
}

static void test_embeddings_and_other(void)
{
	struct rec r;
	rec_init(&r, false, &prices);
	struct http1_conn *c = conn(&r);
	send_req(c, "/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}", 1);
	send_resp(c, 200, "application/json",
		  "{\"object\":\"list\",\"data\":[{\"embedding\":[0.1]}],\"model\":\"text-embedding-3-small\","
		  "\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}",
		  2);
	/* other HTTPS traffic on the same connection: counted, not a call */
	feed_str(c, TLS_DIR_WRITE, "GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n", 3);
	send_resp(c, 200, "application/json", "{\"data\":[]}", 4);
	send_req(c, "/v1/files", "{}", 5);
	send_resp(c, 200, "application/json", "{}", 6);
	CHECK_EQ_INT(r.n, 1);
	CHECK_STR_EQ(r.calls[0].c.operation, "embeddings");
	CHECK_EQ_INT(r.calls[0].c.input_tokens, 8);
	CHECK_EQ_INT(r.calls[0].c.output_tokens, -1);
	CHECK(r.calls[0].c.has_cost);
	CHECK_EQ_INT(r.t.st.other_https, 2);
	http1_close(c, 7);
}

static void test_errors(void)
{
	struct rec r;
	rec_init(&r, false, &prices);
	struct http1_conn *c = conn(&r);
	send_req(c, "/v1/chat/completions", chat_req, 1);
	send_resp(c, 401, "application/json",
		  "{\"error\":{\"message\":\"Incorrect API key\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}", 2);
	send_req(c, "/v1/messages", "{\"model\":\"claude-sonnet-4-5\"}", 3);
	send_resp(c, 429, "application/json",
		  "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}", 4);
	send_req(c, "/v1/chat/completions", chat_req, 5);
	send_resp(c, 500, "text/plain", "upstream exploded", 6);
	send_req(c, "/v1beta/models/gemini-2.5-pro:generateContent", "{}", 7);
	send_resp(c, 429, "application/json", "{\"error\":{\"code\":429,\"message\":\"quota\",\"status\":\"RESOURCE_EXHAUSTED\"}}", 8);
	CHECK_EQ_INT(r.n, 4);
	CHECK_STR_EQ(r.calls[0].c.error_type, "invalid_request_error");
	CHECK_EQ_INT(r.calls[0].c.status, 401);
	CHECK_STR_EQ(r.calls[1].c.error_type, "rate_limit_error");
	CHECK_STR_EQ(r.calls[2].c.error_type, "500");
	CHECK_STR_EQ(r.calls[3].c.error_type, "RESOURCE_EXHAUSTED");
	for (int i = 0; i < 4; i++)
		CHECK(!r.calls[i].c.has_cost);
	/* a request never answered */
	send_req(c, "/v1/chat/completions", chat_req, 9);
	http1_close(c, 10);
	CHECK_EQ_INT(r.n, 5);
	CHECK_STR_EQ(r.calls[4].c.error_type, "no_response");
	CHECK_EQ_INT(r.calls[4].c.status, 0);
}

/* 5 MB of streamed deltas, the usage in the very last event: kept. */
static void test_big_stream(void)
{
	struct rec r;
	rec_init(&r, false, &prices);
	struct http1_conn *c = conn(&r);
	send_req(c, "/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":true}", 1);
	feed_str(c, TLS_DIR_READ, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n", 2);
	static const char ev[] = "data: {\"id\":\"c\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":"
				 "{\"content\":\"abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz\"},\"finish_reason\":null}]}\n\n";
	size_t per = strlen(ev), n_ev = (5u << 20) / per + 1, batch = 100;
	char *buf = malloc(per * batch + 32);
	size_t sent = 0;
	for (size_t i = 0; i < n_ev; i += batch) {
		size_t len = (size_t)sprintf(buf, "%zx\r\n", per * batch);
		for (size_t j = 0; j < batch; j++, len += per)
			memcpy(buf + len, ev, per);
		memcpy(buf + len, "\r\n", 2);
		feed_steps(c, TLS_DIR_READ, buf, len + 2, 16384, 3 + i);
		sent += per * batch;
	}
	free(buf);
	static const char *const last[] = {
		"data: {\"id\":\"c\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[],\"usage\":{\"prompt_tokens\":77,\"completion_tokens\":123456}}\n\n",
		"data: [DONE]\n\n",
	};
	for (int i = 0; i < 2; i++) {
		char chunk[512];
		snprintf(chunk, sizeof(chunk), "%zx\r\n%s\r\n", strlen(last[i]), last[i]);
		feed_str(c, TLS_DIR_READ, chunk, 1000000);
	}
	feed_str(c, TLS_DIR_READ, "0\r\n\r\n", 1000001);
	CHECK(sent > (5u << 20));
	CHECK_EQ_INT(r.n, 1);
	CHECK_EQ_INT(r.calls[0].c.input_tokens, 77);
	CHECK_EQ_INT(r.calls[0].c.output_tokens, 123456);
	CHECK_STR_EQ(r.calls[0].c.error_type, "");
	CHECK(r.calls[0].c.has_cost);
	CHECK_EQ_INT(r.http.st.sse_truncated_events, 0);
	http1_close(c, 1000002);
}

static void test_request_details(void)
{
	struct rec r;
	rec_init(&r, false, &prices);
	/* a request body cut by the size cap: model and stream still read */
	r.http.max_body = 40;
	struct http1_conn *c = conn(&r);
	feed_str(c, TLS_DIR_WRITE,
		 "POST /v1/chat/completions HTTP/1.1\r\nHost: [::1]:8443\r\n"
		 "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nContent-Length: 60\r\n\r\n"
		 "{\"model\":\"my-local-llama\",\"stream\":true,\"messages\":[1,2,3]}", 1);
	send_stream(c, chat_stream, 5, true, 2);
	CHECK_EQ_INT(r.n, 1);
	const struct llm_call *k = &r.calls[0].c;
	CHECK_STR_EQ(k->request_model, "my-local-llama");
	CHECK(k->stream);
	CHECK_STR_EQ(k->server_address, "::1");
	CHECK_EQ_INT(k->server_port, 8443);
	CHECK_STR_EQ(k->traceparent, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
	http1_close(c, 3);

	/* an invalid traceparent is dropped; a model with no price is said once */
	rec_init(&r, false, &prices);
	c = conn(&r);
	for (int i = 0; i < 2; i++) {
		feed_str(c, TLS_DIR_WRITE,
			 "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost:11434\r\ntraceparent: 00-zz-yy-01\r\n"
			 "Content-Length: 22\r\n\r\n{\"model\":\"llama3.2:1b\"}", 1);
		send_resp(c, 200, "application/json",
			  "{\"model\":\"llama3.2:1b\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}", 2);
	}
	CHECK_EQ_INT(r.n, 2);
	CHECK_STR_EQ(r.calls[0].c.traceparent, "");
	CHECK_STR_EQ(r.calls[0].c.server_address, "localhost");
	CHECK_EQ_INT(r.calls[0].c.server_port, 11434);
	CHECK(!r.calls[0].c.has_cost);
	CHECK_STR_EQ(r.unpriced, "openai/llama3.2:1b;");
	CHECK_EQ_INT(r.t.st.unpriced, 2);
	http1_close(c, 3);
}

/* Bytes the BPF side could not copy (a request larger than it sends):
 * a body of known length is cut there, framing goes on, the model is
 * still read from the body's head; a hole in a header gives the message up. */
static void test_gaps(void)
{
	struct rec r;
	rec_init(&r, false, &prices);
	struct http1_conn *c = conn(&r);
	static const char body[] = "{\"model\":\"gpt-4o-mini\",\"stream\":false,\"messages\":[\"0123456789012345\"]}";
	char head[256];
	snprintf(head, sizeof(head), "POST /v1/chat/completions HTTP/1.1\r\nHost: h\r\nContent-Length: %zu\r\n\r\n",
		 strlen(body));
	feed_str(c, TLS_DIR_WRITE, head, 1);
	http1_feed(c, TLS_DIR_WRITE, body, 30, 1);
	http1_gap(c, TLS_DIR_WRITE, 20, 1);
	http1_feed(c, TLS_DIR_WRITE, body + 50, strlen(body) - 50, 1);
	send_resp(c, 200, "application/json", chat_resp, 2);
	CHECK_EQ_INT(r.n, 1);
	CHECK_STR_EQ(r.calls[0].c.request_model, "gpt-4o-mini");
	CHECK_EQ_INT(r.calls[0].c.output_tokens, 2000);
	CHECK_EQ_INT(r.http.st.gap_bytes, 20);
	CHECK_EQ_INT(r.http.st.bodies_truncated, 1);

	/* a hole in a request head: that exchange is lost, the next is whole */
	feed_str(c, TLS_DIR_WRITE, "POST /v1/chat/completions HTTP/1.1\r\nHo", 3);
	http1_gap(c, TLS_DIR_WRITE, 100, 3);
	send_req(c, "/v1/chat/completions", chat_req, 4);
	send_resp(c, 200, "application/json", chat_resp, 5);
	CHECK_EQ_INT(r.n, 2);
	CHECK_EQ_INT(r.calls[1].c.input_tokens, 1000);
	CHECK_EQ_INT(r.http.st.skipped_messages, 1);
	http1_close(c, 6);
}

static void test_routes(void)
{
	char m[64];
	CHECK_EQ_INT(llm_api_route("POST", "/v1/chat/completions", m, sizeof(m)), LLM_OPENAI_CHAT);
	CHECK_EQ_INT(llm_api_route("POST", "/openai/deployments/x/chat/completions/", m, sizeof(m)), LLM_OPENAI_CHAT);
	CHECK_EQ_INT(llm_api_route("POST", "/v1/completions", m, sizeof(m)), LLM_OPENAI_COMPLETIONS);
	CHECK_EQ_INT(llm_api_route("POST", "/v1/responses", m, sizeof(m)), LLM_OPENAI_RESPONSES);
	CHECK_EQ_INT(llm_api_route("POST", "/api/v1/embeddings", m, sizeof(m)), LLM_OPENAI_EMBEDDINGS);
	CHECK_EQ_INT(llm_api_route("POST", "/v1/messages", m, sizeof(m)), LLM_ANTHROPIC_MESSAGES);
	CHECK_EQ_INT(llm_api_route("POST", "/v1/messages/count_tokens", m, sizeof(m)), LLM_API_NONE);
	CHECK_EQ_INT(llm_api_route("GET", "/v1/chat/completions", m, sizeof(m)), LLM_API_NONE);
	CHECK_EQ_INT(llm_api_route("POST", "/v1beta/models/gemini-2.5-pro:embedContent", m, sizeof(m)), LLM_GEMINI_EMBED);
	CHECK_STR_EQ(m, "gemini-2.5-pro");
	CHECK_EQ_INT(llm_api_route("POST", "/v1/projects/p/locations/l/publishers/google/models/gemini-2.0-flash:streamGenerateContent", m, sizeof(m)), LLM_GEMINI_STREAM);
	CHECK_STR_EQ(m, "gemini-2.0-flash");
	CHECK_EQ_INT(llm_api_route("POST", "/v1/models/x:predict", m, sizeof(m)), LLM_API_NONE);
	CHECK_EQ_INT(llm_api_route("POST", "/", m, sizeof(m)), LLM_API_NONE);
}

int main(void)
{
	char err[256];
	if (prices_load(&prices, "data/prices.tsv", err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	test_openai_chat();
	test_openai_stream();
	test_split_anywhere();
	test_openai_responses();
	test_anthropic();
	test_gemini();
	test_embeddings_and_other();
	test_errors();
	test_big_stream();
	test_request_details();
	test_gaps();
	test_routes();
	prices_free(&prices);
	UNIT_DONE();
}
