/* Drives user/source/python/py_inject.c alone, for tests/e2e/test_py_inject.sh
 * and for measuring it:
 *   py-inject-cli --check PID
 *   py-inject-cli PID [-t TIMEOUT_MS] [-r TRIES] (-c SCRIPT | -f FILE)
 * Prints "ok tid=T stopped_ms=S run_ms=R page=HEX" and exits 0, or
 * "error: MESSAGE" on stderr, "failed ..." with the same fields, and exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "source/python/py_inject.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, 0, f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	char err[1024] = "", *script = NULL;
	int timeout_ms = 5000, rc, tries = 1;
	struct py_inject_stats st;
	pid_t pid;

	if (argc == 3 && !strcmp(argv[1], "--check")) {
		if (py_inject_check(atoi(argv[2]), err, sizeof(err))) {
			fprintf(stderr, "error: %s\n", err);
			return 1;
		}
		puts("ok");
		return 0;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: %s --check PID | PID [-t MS] [-r TRIES] (-c SCRIPT | -f FILE)\n", argv[0]);
		return 2;
	}
	pid = atoi(argv[1]);
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-t"))
			timeout_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-r"))
			tries = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-c"))
			script = strdup(argv[i + 1]);
		else if (!strcmp(argv[i], "-f") && !(script = slurp(argv[i + 1]))) {
			perror(argv[i + 1]);
			return 2;
		}
	}
	if (!script) {
		fprintf(stderr, "no script (-c or -f)\n");
		return 2;
	}
	/* -r N: like the python source, try again while the main thread is
	 * away, up to N times in all; one line per try. */
	do {
		rc = py_inject_run(pid, script, timeout_ms, err, sizeof(err));
		py_inject_last_stats(&st);
		if (rc)
			fprintf(stderr, "error: %s\n", err);
		printf("%s tid=%d stopped_ms=%.3f run_ms=%.3f page=%llx\n", rc ? "failed" : "ok",
		       (int)st.tid, st.stopped_ms, st.run_ms, (unsigned long long)st.page);
	} while (rc && --tries > 0 && strstr(err, "has not returned to Python"));
	free(script);
	return rc ? 1 : 0;
}
