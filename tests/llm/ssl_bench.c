/* The cost the tls source adds to an SSL_write/SSL_read pair: a client and
 * a server SSL joined by a memory BIO pair (no network), the client writing
 * SIZE bytes and the server reading them, N times; prints ns per pair.
 * Run bare and under `mcp-bpftrace --pid` (tests/llm/bench.sh): the
 * difference is the uprobes plus the copy of the plaintext into the ring.
 * usage: ssl_bench CERT KEY SIZE N [--wait]   (--wait: pause for the
 * tracer: reads a line from stdin before the timed loop) */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void pump(SSL *a, SSL *b)
{
	/* drive both handshakes over the pair until done */
	for (int i = 0; i < 100 && (!SSL_is_init_finished(a) || !SSL_is_init_finished(b)); i++) {
		SSL_do_handshake(a);
		SSL_do_handshake(b);
	}
}

int main(int argc, char **argv)
{
	if (argc < 5)
		return 2;
	size_t size = strtoul(argv[3], NULL, 0);
	long n = atol(argv[4]);
	SSL_CTX *sc = SSL_CTX_new(TLS_server_method()), *cc = SSL_CTX_new(TLS_client_method());
	if (SSL_CTX_use_certificate_file(sc, argv[1], SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(sc, argv[2], SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	SSL *s = SSL_new(sc), *c = SSL_new(cc);
	BIO *bs, *bc;
	BIO_new_bio_pair(&bs, 1 << 20, &bc, 1 << 20);
	SSL_set_bio(s, bs, bs);
	SSL_set_bio(c, bc, bc);
	SSL_set_accept_state(s);
	SSL_set_connect_state(c);
	pump(c, s);
	if (!SSL_is_init_finished(c)) {
		fprintf(stderr, "ssl_bench: handshake failed\n");
		return 1;
	}
	char *buf = malloc(size), *in = malloc(size);
	memset(buf, 'x', size);
	if (argc > 5 && !strcmp(argv[5], "--wait")) {
		char line[16];
		printf("ready\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
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
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n;
	printf("%zu bytes: %.0f ns per SSL_write+SSL_read\n", size, ns);
	return 0;
}
