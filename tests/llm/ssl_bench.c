/* Workloads for the tls source's benchmarks (tests/llm/bench.sh), on the
 * system's OpenSSL with no network:
 *
 *   ssl_bench CERT KEY pair SIZE N
 *     a client and a server SSL joined by a memory BIO pair, the client
 *     writing SIZE bytes and the server reading them, N times; prints the
 *     wall and CPU ns per SSL_write + SSL_read(s) (CPU: the process's own
 *     time, where uprobe handlers are charged; steadier on a busy host).
 *   ssl_bench CERT KEY stream MB RATE
 *     an LLM call over TLS on a socketpair: this process (the client)
 *     sends a streamed chat completion request and reads the answer, an
 *     SSE stream of MB megabytes ending with its usage event, which a
 *     forked server (trace with --no-follow: not traced) writes at RATE
 *     MB/s (0: as fast as it can), 16 KiB per SSL_write; prints the
 *     plaintext MB/s the client read.
 *   ssl_bench CERT KEY conns N
 *     N connections (memory BIO pairs) each with a request sent and its
 *     answer pending; prints "ready", waits for a line on stdin, exits.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static SSL_CTX *sctx, *cctx;

static double clock_s(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* drive both handshakes over a memory BIO pair until done */
static int pump(SSL *a, SSL *b)
{
	for (int i = 0; i < 100 && (!SSL_is_init_finished(a) || !SSL_is_init_finished(b)); i++) {
		SSL_do_handshake(a);
		SSL_do_handshake(b);
	}
	return SSL_is_init_finished(a) && SSL_is_init_finished(b) ? 0 : -1;
}

static int bio_pair(SSL **c, SSL **s, size_t bufsize)
{
	BIO *bs, *bc;
	*s = SSL_new(sctx);
	*c = SSL_new(cctx);
	if (!*s || !*c || !BIO_new_bio_pair(&bs, bufsize, &bc, bufsize))
		return -1;
	SSL_set_bio(*s, bs, bs);
	SSL_set_bio(*c, bc, bc);
	SSL_set_accept_state(*s);
	SSL_set_connect_state(*c);
	return pump(*c, *s);
}

static const char req[] = "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nContent-Type: "
			  "application/json\r\nAuthorization: Bearer sk-bench\r\nContent-Length: 37\r\n\r\n"
			  "{\"model\":\"gpt-4o-mini\",\"stream\":true}";

static int mode_pair(size_t size, long n)
{
	SSL *c, *s;
	if (bio_pair(&c, &s, 1 << 20)) {
		fprintf(stderr, "ssl_bench: handshake failed\n");
		return 1;
	}
	char *buf = malloc(size), *in = malloc(size);
	memset(buf, 'x', size);
	double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (long i = 0; i < n; i++) {
		if (SSL_write(c, buf, (int)size) != (int)size)
			return 1;
		size_t got = 0;
		while (got < size) {
			int r = SSL_read(s, in + got, (int)(size - got));
			if (r <= 0)
				return 1;
			got += (size_t)r;
		}
	}
	double w = (clock_s(CLOCK_MONOTONIC) - w0) * 1e9 / n, cpu = (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e9 / n;
	printf("%zu bytes: %.0f ns wall, %.0f ns CPU per SSL_write+SSL_read\n", size, w, cpu);
	return 0;
}

/* The server side of `stream`: reads the request, answers with an SSE
 * stream of `bytes` (chunked), `rate` bytes/s at most (0: no limit). */
static int serve_stream(int fd, double bytes, double rate)
{
	static const char ev[] = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":"
				 "\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hello world \"},"
				 "\"finish_reason\":null}]}\n\n";
	static const char last[] = "data: {\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":"
				   "{\"prompt_tokens\":5,\"completion_tokens\":7}}\n\ndata: [DONE]\n\n";
	char buf[16384], chunk[17000];
	SSL *s = SSL_new(sctx);
	SSL_set_fd(s, fd);
	if (SSL_accept(s) != 1 || SSL_read(s, buf, sizeof(buf)) <= 0)
		return 1;
	int hn = snprintf(chunk, sizeof(chunk), "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
						 "Transfer-Encoding: chunked\r\n\r\n");
	if (SSL_write(s, chunk, hn) != hn)
		return 1;
	/* 16 KiB writes: one chunk of whole events each */
	size_t per = strlen(ev), nev = (16384 - 16) / per, body = nev * per;
	int pre = snprintf(chunk, sizeof(chunk), "%zx\r\n", body);
	for (size_t k = 0; k < nev; k++)
		memcpy(chunk + pre + k * per, ev, per);
	memcpy(chunk + pre + body, "\r\n", 2);
	int clen = pre + (int)body + 2;
	double t0 = clock_s(CLOCK_MONOTONIC), sent = 0;
	while (sent < bytes) {
		if (SSL_write(s, chunk, clen) != clen)
			return 1;
		sent += clen;
		if (rate > 0) {
			double ahead = sent / rate - (clock_s(CLOCK_MONOTONIC) - t0);
			if (ahead > 0.0005)
				usleep((useconds_t)(ahead * 1e6));
		}
	}
	int ln = snprintf(chunk, sizeof(chunk), "%zx\r\n%s\r\n0\r\n\r\n", strlen(last), last);
	if (SSL_write(s, chunk, ln) != ln)
		return 1;
	SSL_shutdown(s);
	return 0;
}

static int mode_stream(double mb, double rate_mb)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(serve_stream(sv[1], mb * 1e6, rate_mb * 1e6));
	}
	close(sv[1]);
	SSL *c = SSL_new(cctx);
	SSL_set_fd(c, sv[0]);
	if (SSL_connect(c) != 1 || SSL_write(c, req, (int)strlen(req)) != (int)strlen(req)) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	char buf[16384];
	double t0 = clock_s(CLOCK_MONOTONIC), got = 0;
	int r;
	while ((r = SSL_read(c, buf, sizeof(buf))) > 0) {
		got += r;
		if (got > 64 && !memcmp(buf + (r > 7 ? r - 7 : 0), "\r\n0\r\n\r\n", r > 7 ? 7 : 0))
			break; /* the last chunk: the answer is whole */
	}
	double dt = clock_s(CLOCK_MONOTONIC) - t0;
	int status;
	waitpid(pid, &status, 0);
	printf("stream: %.1f MB read in %.2f s = %.1f MB/s (server paced at %s)\n", got / 1e6, dt, got / 1e6 / dt,
	       rate_mb > 0 ? "the rate asked" : "no limit");
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int mode_conns(long n)
{
	char line[16];
	for (long i = 0; i < n; i++) {
		SSL *c, *s;
		if (bio_pair(&c, &s, 16384) || SSL_write(c, req, (int)strlen(req)) != (int)strlen(req)) {
			fprintf(stderr, "ssl_bench: connection %ld failed\n", i);
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	return fgets(line, sizeof(line), stdin) ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: ssl_bench CERT KEY (pair SIZE N | stream MB RATE | conns N)\n");
		return 2;
	}
	sctx = SSL_CTX_new(TLS_server_method());
	cctx = SSL_CTX_new(TLS_client_method());
	if (SSL_CTX_use_certificate_file(sctx, argv[1], SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	if (!strcmp(argv[3], "pair") && argc == 6)
		return mode_pair(strtoul(argv[4], NULL, 0), atol(argv[5]));
	if (!strcmp(argv[3], "stream") && argc == 6)
		return mode_stream(atof(argv[4]), atof(argv[5]));
	if (!strcmp(argv[3], "conns"))
		return mode_conns(atol(argv[4]));
	fprintf(stderr, "ssl_bench: unknown mode %s\n", argv[3]);
	return 2;
}
