/* The probe-map parser (user/probe_map.c, probe_map_file.c) against input
 * that is wrong on purpose or by accident (issue 12): duplicate bindings,
 * truncated lines, bytes a text file does not hold, files that are not
 * files, and what its messages echo back to a terminal. */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "probe_map.h"
#include "unit_test.h"

#define NAME "x.probes"

static char err[512];
static int real_stderr = 2; /* for the alarm, while stderr is sent away */
static char dir[] = "/tmp/test_probe_map_input.XXXXXX";

/* Parses a heap copy of `text` (no slack after it: ASan sees any read past
 * the end). `quiet`: the parser's warnings (unbound metric attributes) go
 * to /dev/null; only for inputs that parse, so that a sanitizer's report
 * about a bad one is seen. */
static int parse_quiet(const char *text, struct probe_map *pm, bool quiet)
{
	char *copy = strdup(text);
	int saved = dup(2), sink = open("/dev/null", O_WRONLY), rc;

	fflush(stderr);
	if (quiet)
		dup2(sink, 2);
	err[0] = 0;
	rc = probe_map_parse(copy, NAME, true, pm, err, sizeof(err));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(sink);
	free(copy);
	return rc;
}

static int parse(const char *text, struct probe_map *pm)
{
	return parse_quiet(text, pm, false);
}

/* Every byte of a message is printable ASCII: nothing for a terminal to obey. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static void bad_at(int line, const char *text, const char *prefix, const char *keyword)
{
	struct probe_map pm;
	int before = unit_failed;

	CHECK_EQ_INT(parse(text, &pm), -1);
	CHECK_STR_PREFIX(err, prefix);
	CHECK_STR_HAS(err, keyword);
	CHECK(printable(err));
	CHECK(pm.n == 0 && !pm.bindings && !pm.path);
	if (unit_failed != before)
		fprintf(stderr, "  (bad input of line %d)\n", line);
}
#define BAD(text, prefix, keyword) bad_at(__LINE__, text, prefix, keyword)

static void good_at(int line, const char *text, size_t nbindings)
{
	struct probe_map pm;
	int before = unit_failed;

	CHECK_EQ_INT(parse_quiet(text, &pm, true), 0);
	CHECK_STR_EQ(err, "");
	CHECK_EQ_INT(pm.n, nbindings);
	probe_map_free(&pm);
	if (unit_failed != before)
		fprintf(stderr, "  (good input of line %d)\n", line);
}
#define GOOD(text, n) good_at(__LINE__, text, n)

/* Issue 12 #1: two bindings of one location corrupt both (one shows 0
 * calls, the other unmatched returns and abandoned frames). */
static void test_duplicate_locations(void)
{
	BAD("span model_routing mcp_model_routing\nspan workflow_execution mcp_model_routing\n",
	    NAME ":2: ", "already bound at " NAME ":1");
	BAD("span model_routing f\n  mcp.x = arg1\n\nspan model_routing f\n", NAME ":4: ",
	    "already bound at " NAME ":1");
	/* A span and a point on one function: one entry probe for two bindings. */
	BAD("span model_routing f\npoint model_cache_hit f\n", NAME ":2: ", "already bound at " NAME ":1");
	BAD("point model_cache_hit usdt:p:hit\npoint model_cache_miss usdt:p:hit\n", NAME ":2: ",
	    "already bound at " NAME ":1");
	/* The same object named again is the same object. */
	BAD("object libx.so\nspan model_routing f\nobject libx.so\nspan workflow_execution f\n", NAME ":4: ",
	    "already bound at " NAME ":2");
	BAD("object libx.so\npoint model_cache_hit usdt:p:n\nspan model_routing g\npoint model_cache_miss usdt:p:n\n",
	    NAME ":4: ", "already bound at " NAME ":2");
	/* Same text, different places: fine. */
	GOOD("span model_routing f\nobject libx.so\nspan workflow_execution f\n", 2);
	GOOD("object liba.so\npoint model_cache_hit usdt:p:n\nobject libb.so\npoint model_cache_hit usdt:p:n\n", 2);
	GOOD("point model_cache_hit usdt:p:n\npoint model_cache_hit usdt:q:n\npoint model_cache_miss usdt:p:m\n"
	     "point model_cache_miss n\n", 4);
}

/* Issue 12 #4 (found by the fuzzer): a USDT location without its name at
 * the very end of the text read past the end of the buffer. */
static void test_usdt_at_end(void)
{
	BAD("point model_cache_hit usdt:x", NAME ":1: ", "bad USDT probe 'usdt:x'");
	BAD("point model_cache_hit usdt:x\n", NAME ":1: ", "bad USDT probe 'usdt:x'");
	BAD("point model_cache_hit usdt:", NAME ":1: ", "bad USDT probe");
	BAD("point model_cache_hit usdt:x:", NAME ":1: ", "bad USDT probe");
	BAD("point model_cache_hit usdt:x\npoint model_cache_miss usdt:p:n\n", NAME ":1: ", "bad USDT probe");
	GOOD("point model_cache_hit usdt:p:n", 1);
}

/* Issue 12 #14: the out-of-range offset said "bad offset ''". */
static void test_offset_range(void)
{
	BAD("span model_routing f\n  mcp.x = arg4[99999999999]\n", NAME ":2: ",
	    "offset '99999999999' out of range (-2147483648..2147483647)");
	BAD("span model_routing f\n  mcp.x = arg4[-0x80000001]\n", NAME ":2: ", "offset '-0x80000001' out of range");
	BAD("span model_routing f\n  mcp.x = arg4[999999999999999999999999]\n", NAME ":2: ", "out of range");
	BAD("span model_routing f\n  fail if ret < 99999999999999999999\n", NAME ":2: ",
	    "number '99999999999999999999' out of range");
}

/* Issue 12 #14: raw control bytes, long names and a byte-order mark went to
 * the terminal as they were. */
static void test_echo_quoted(void)
{
	char text[2200];
	struct probe_map pm;

	BAD("span model_routing f\x1b[2J\n", NAME ":1: ", "bad function name 'f\\x1b[2J'");
	BAD("sp\x07n model_routing f\n", NAME ":1: ", "unknown directive 'sp\\x07n'");
	BAD("span model_routing f\n  mcp.x = arg1 as \x9b" "31m\n", NAME ":2: ", "unknown type '\\x9b31m'");
	BAD("span model_routing f\n  mcp.x = \"a\" \x1b]0;title\x07\n", NAME ":2: ", "unexpected '\\x1b]0;title\\x07'");
	/* A UTF-8 byte-order mark: skipped at the start of the file... */
	GOOD("\xef\xbb\xbfspan model_routing f\n", 1);
	GOOD("\xef\xbb\xbf# a comment\n\nspan model_routing f\n", 1);
	/* ... an error anywhere else, shown escaped. */
	BAD("span model_routing f\n\xef\xbb\xbfspan model_routing g\n", NAME ":2: ", "'\\xef\\xbb\\xbfspan'");
	/* Long tokens are cut, and the cut is said. */
	snprintf(text, sizeof(text), "span model_routing %01000d!\n", 0);
	CHECK_EQ_INT(parse(text, &pm), -1);
	CHECK_STR_HAS(err, "'0000000000000000000000000000000000000000'... (1001 bytes)");
	CHECK(strlen(err) < 200);
	snprintf(text, sizeof(text), "span model_routing_%01000d f\n", 0);
	CHECK_EQ_INT(parse(text, &pm), -1);
	CHECK_STR_HAS(err, "unknown operation 'model_routing_00000000000000000000000000'... (1014 bytes)");
	/* The file name prefixes every message: escaped too. */
	err[0] = 0;
	CHECK_EQ_INT(probe_map_parse("spam\n", "a\x1b[2Jb.probes", true, &pm, err, sizeof(err)), -1);
	CHECK_STR_PREFIX(err, "a\\x1b[2Jb.probes:1: ");
	CHECK(printable(err));
}

/* Writes `n` bytes to DIR/name; returns the path (static). */
static const char *write_file(const char *name, const void *data, size_t n)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f && fwrite(data, 1, n, f) == n);
	if (f)
		fclose(f);
	return path;
}

static int load(const char *path, struct probe_map *pm)
{
	int saved = dup(2), sink = open("/dev/null", O_WRONLY), rc;

	fflush(stderr);
	dup2(sink, 2);
	err[0] = 0;
	memset(pm, 0x5a, sizeof(*pm));
	rc = probe_map_load(path, true, pm, err, sizeof(err));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(sink);
	return rc;
}

static void on_alarm(int sig)
{
	static const char msg[] = "test_probe_map_input: FAIL: probe_map_load blocked (FIFO?)\n";

	(void)sig;
	if (write(real_stderr, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(2);
}

/* Issue 12 #6 and #14: what probe_map_load accepts as a file. */
static void test_file_kinds(void)
{
	static const char nul[] = "span model_routing f\n  mcp.x = arg1\n\0span workflow_step g\n";
	struct probe_map pm;
	char path[300], want[400];
	const char *p;

	/* A NUL byte ended the map silently: everything after it was lost. */
	p = write_file("nul.probes", nul, sizeof(nul) - 1);
	CHECK_EQ_INT(load(p, &pm), -1);
	snprintf(want, sizeof(want), "%s:3: ", p);
	CHECK_STR_PREFIX(err, want);
	CHECK_STR_HAS(err, "NUL byte");
	CHECK(pm.n == 0 && !pm.bindings && !pm.path);

	p = write_file("bom.probes", "\xef\xbb\xbfspan model_routing f\n", 24);
	CHECK_EQ_INT(load(p, &pm), 0);
	CHECK_EQ_INT(pm.n, 1);
	probe_map_free(&pm);

	/* No final newline. */
	p = write_file("nonl.probes", "point model_cache_hit usdt:x", 28);
	CHECK_EQ_INT(load(p, &pm), -1);
	CHECK_STR_HAS(err, "nonl.probes:1: bad USDT probe 'usdt:x'");

	/* A FIFO blocked in open() for ever, deaf to SIGINT and SIGTERM (the
	 * tracer's handlers only set a flag). */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK_EQ_INT(mkfifo(path, 0600), 0);
	signal(SIGALRM, on_alarm);
	alarm(5);
	CHECK_EQ_INT(load(path, &pm), -1);
	alarm(0);
	snprintf(want, sizeof(want), "%s: not a regular file (a FIFO)", path);
	CHECK_STR_PREFIX(err, want);
	CHECK(pm.n == 0 && !pm.bindings && !pm.path);
	CHECK_EQ_INT(load("/dev/zero", &pm), -1);
	CHECK_STR_EQ(err, "/dev/zero: not a regular file (a character device); a probe map is a text file");
	CHECK_EQ_INT(load(dir, &pm), -1);
	CHECK_STR_HAS(err, ": cannot read: Is a directory");

	/* A bound on the size: a probe map is at most 256 bindings. */
	snprintf(path, sizeof(path), "%s/huge.probes", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0 && !ftruncate(fd, PM_MAX_FILE_BYTES + 1));
	close(fd);
	CHECK_EQ_INT(load(path, &pm), -1);
	CHECK_STR_HAS(err, "huge.probes: larger than");
	CHECK(pm.n == 0 && !pm.bindings && !pm.path);
}

int main(void)
{
	real_stderr = dup(2);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_duplicate_locations();
	test_usdt_at_end();
	test_offset_range();
	test_echo_quoted();
	test_file_kinds();
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	UNIT_DONE();
}
