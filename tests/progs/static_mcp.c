/* An MCP client and server over stdio in one statically linked program
 * (no libc.so for the mcp source's libc probes to find): the client forks
 * the server with a pipe on each of its stdin and stdout, sends
 * initialize, notifications/initialized, then N pings and N tools/call
 * echo, one at a time, and writes the ledger check_mcp_ledger.py reads.
 * Build with -static.
 *   static-mcp LEDGER N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* One line from fd, up to its newline (kept out), or -1 at its end. */
static int read_line(int fd, char *buf, size_t n)
{
	size_t k = 0;

	while (k + 1 < n) {
		char c;
		if (read(fd, &c, 1) != 1)
			return -1;
		if (c == '\n')
			break;
		buf[k++] = c;
	}
	buf[k] = 0;
	return (int)k;
}

static void write_all(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = write(fd, s, n);
		if (w <= 0)
			exit(1);
		s += w;
		n -= (size_t)w;
	}
}

/* Answers every request with a result until stdin ends. */
static int serve(void)
{
	char line[4096], out[4200];

	while (read_line(0, line, sizeof(line)) >= 0) {
		const char *id = strstr(line, "\"id\":");
		if (!id)
			continue; /* a notification */
		int rid = atoi(id + 5);
		if (strstr(line, "\"initialize\""))
			snprintf(out, sizeof(out), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":{\"protocolVersion\":"
				 "\"2025-06-18\",\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"static\","
				 "\"version\":\"1\"}}}\n", rid);
		else if (strstr(line, "\"tools/call\""))
			snprintf(out, sizeof(out), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":{\"content\":[{\"type\":"
				 "\"text\",\"text\":\"static\"}]}}\n", rid);
		else
			snprintf(out, sizeof(out), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":{}}\n", rid);
		write_all(1, out);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int to[2], from[2];
	char line[4096], msg[512];

	if (argc != 3)
		return fprintf(stderr, "usage: static-mcp LEDGER N\n"), 2;
	int n = atoi(argv[2]);
	if (pipe(to) || pipe(from))
		return perror("pipe"), 1;
	pid_t server = fork();
	if (server == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[1]);
		close(from[0]);
		return serve();
	}
	close(to[0]);
	close(from[1]);
	FILE *ledger = fopen(argv[1], "w");
	if (!ledger)
		return perror(argv[1]), 1;
	fprintf(ledger, "{\"ledger\": \"mcp\", \"sdk\": \"static-c\", \"transport\": \"pipe\", \"client_pid\": %d, "
			"\"server_pid\": %d, \"protocol_version\": \"2025-06-18\", \"session_id\": null, "
			"\"notifications_sent\": {\"notifications/initialized\": 1}, \"notifications_received\": {}, "
			"\"requests\": [", (int)getpid(), (int)server);
	for (int id = 0; id < 2 * n + 1; id++) {
		const char *method = id == 0 ? "initialize" : id % 2 ? "ping" : "tools/call";
		if (id == 0)
			snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
				 "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":"
				 "\"static\",\"version\":\"1\"}}}\n");
		else if (id % 2)
			snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\"}\n", id);
		else
			snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"
				 "{\"name\":\"echo\",\"arguments\":{\"text\":\"x\"}}}\n", id);
		write_all(to[1], msg);
		if (read_line(from[0], line, sizeof(line)) < 0)
			return fprintf(stderr, "static-mcp: the server closed its stdout\n"), 1;
		fprintf(ledger, "%s{\"id\": %d, \"id_type\": \"number\", \"method\": \"%s\", \"tool\": %s, "
				"\"prompt\": null, \"uri\": null, \"outcome\": \"ok\", \"error_code\": null}",
			id ? ", " : "", id, method, id && id % 2 == 0 ? "\"echo\"" : "null");
		if (id == 0)
			write_all(to[1], "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
	}
	fprintf(ledger, "]}\n");
	fclose(ledger);
	close(to[1]);
	waitpid(server, NULL, 0);
	return 0;
}
