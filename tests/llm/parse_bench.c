/* User-space cost of the tls source, without BPF: plaintext throughput
 * through HTTP/1.1 reassembly, SSE framing and LLM JSON reading, and the
 * memory of 1,000 open connections each waiting for an answer.
 * Built and run by tests/llm/bench.sh; prints one line per figure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "source/tls/llm_tracker.h"
#include "source/tls/tls_conn.h"

static uint64_t calls, out_tokens;

static void on_call(void *ctx, const struct llm_call *c)
{
	(void)ctx;
	calls++;
	out_tokens += c->output_tokens > 0 ? (uint64_t)c->output_tokens : 0;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			v = atol(line + 6);
	if (f)
		fclose(f);
	return v;
}

int main(void)
{
	struct llm_tracker t;
	struct llm_opts o = {0};
	llm_tracker_init(&t, &o, NULL, on_call, NULL);
	struct http1_handler h = llm_tracker_handler(&t);
	struct http1_ctx ctx;
	http1_ctx_init(&ctx, &h);
	struct tls_conn_table tab;
	tls_conn_table_init(&tab, &ctx, 4096);

	/* one streamed chat completion of ~64 MB, read 16 KiB at a time as
	 * SSL_read hands it over */
	static const char req[] = "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nContent-Type: "
				  "application/json\r\nContent-Length: 37\r\n\r\n{\"model\":\"gpt-4o-mini\",\"stream\":true}";
	static const char ev[] = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\","
				 "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hello world \"},\"finish_reason\":null}]}\n\n";
	static const char last[] = "data: {\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":"
				   "{\"prompt_tokens\":5,\"completion_tokens\":7}}\n\ndata: [DONE]\n\n";
	size_t per = strlen(ev), nev = (64u << 20) / per;
	size_t cap = nev * per + 64 * 1024;
	char *stream = malloc(cap);
	size_t len = (size_t)sprintf(stream, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (size_t i = 0; i < nev; i += 64) {
		size_t k = nev - i < 64 ? nev - i : 64;
		len += (size_t)sprintf(stream + len, "%zx\r\n", k * per);
		for (size_t j = 0; j < k; j++, len += per)
			memcpy(stream + len, ev, per);
		memcpy(stream + len, "\r\n", 2);
		len += 2;
	}
	len += (size_t)sprintf(stream + len, "%zx\r\n%s\r\n0\r\n\r\n", strlen(last), last);
	double t0 = now();
	tls_conn_data(&tab, 1, 0x1000, TLS_DIR_WRITE, req, strlen(req), 1);
	for (size_t off = 0; off < len; off += 16384)
		tls_conn_data(&tab, 1, 0x1000, TLS_DIR_READ, stream + off, len - off < 16384 ? len - off : 16384, 2);
	double dt = now() - t0;
	printf("sse stream: %.1f MB in %.3f s = %.0f MB/s (%zu events, %llu call, final usage %s)\n", len / 1e6, dt,
	       len / 1e6 / dt, nev + 2, (unsigned long long)calls, out_tokens == 7 ? "kept" : "LOST");

	/* many small non-streamed calls on keep-alive connections */
	static const char resp_body[] = "{\"id\":\"c\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
					"\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":"
					"9,\"completion_tokens\":1}}";
	char resp[1024];
	int rn = snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			  strlen(resp_body), resp_body);
	uint64_t before = calls;
	t0 = now();
	for (int i = 0; i < 200000; i++) {
		uint64_t ssl = 0x2000 + (uint64_t)(i % 64) * 16;
		tls_conn_data(&tab, 2, ssl, TLS_DIR_WRITE, req, strlen(req), 3);
		tls_conn_data(&tab, 2, ssl, TLS_DIR_READ, resp, (size_t)rn, 4);
	}
	dt = now() - t0;
	printf("small calls: %llu in %.3f s = %.0f calls/s, %.0f MB/s\n", (unsigned long long)(calls - before), dt,
	       (calls - before) / dt, 200000.0 * (strlen(req) + rn) / 1e6 / dt);

	/* 1,000 connections each with a request sent and its answer pending */
	long r0 = rss_kib();
	for (uint64_t i = 0; i < 1000; i++)
		tls_conn_data(&tab, 3, 0x100000 + i * 64, TLS_DIR_WRITE, req, strlen(req), 5);
	long r1 = rss_kib();
	printf("1000 open connections (request pending): %ld KiB more RSS (%.1f KiB each); table holds %zu\n", r1 - r0,
	       (r1 - r0) / 1000.0, tab.n);
	tls_conn_table_free(&tab);
	free(stream);
	return out_tokens >= 7 ? 0 : 1;
}
