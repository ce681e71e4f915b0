/* --exclude-comm / --include-comm: the globs, and the name of a process
 * that has exited since (its last name read is kept). */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "source/comm_filter.h"
#include "unit_test.h"

static int passed_on;

static void count(void *ctx, const struct call *c)
{
	(void)ctx;
	(void)c;
	passed_on++;
}

int main(void)
{
	static struct comm_filter f;
	const char *ex[] = {"python3*", "node"}, *in[] = {"py*", "curl"};
	char name[16];

	/* no globs: every name */
	CHECK(comm_filter_wanted(&f, "python3.11"));
	f.exclude = ex;
	f.nexclude = 2;
	CHECK(!comm_filter_wanted(&f, "python3.11"));
	CHECK(!comm_filter_wanted(&f, "python3"));
	CHECK(!comm_filter_wanted(&f, "node"));
	CHECK(comm_filter_wanted(&f, "nodejs")); /* a glob matches the whole name */
	CHECK(comm_filter_wanted(&f, "python"));
	f.include = in;
	f.ninclude = 2;
	CHECK(comm_filter_wanted(&f, "python"));   /* included, not excluded */
	CHECK(!comm_filter_wanted(&f, "python3")); /* exclusion wins */
	CHECK(comm_filter_wanted(&f, "curl"));
	CHECK(!comm_filter_wanted(&f, "bash"));

	/* a live process's name; then, once it is gone, the name read before */
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	CHECK(comm_filter_name(&f, child, name));
	CHECK_STR_EQ(name, "test_comm_filte"); /* comm: 15 characters of the binary's name */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	name[0] = 0;
	CHECK(comm_filter_name(&f, child, name));
	CHECK_STR_EQ(name, "test_comm_filte");
	CHECK(!comm_filter_name(&f, 999999999, name)); /* never seen, no /proc entry */

	/* the sink: calls of excluded names are dropped and counted */
	struct call *c = calloc(1, sizeof(*c));
	f.nexclude = 0;
	f.ninclude = 0;
	f.next = (struct call_sink){count, NULL};
	c->rec.pid = (uint32_t)getpid();
	comm_filter_call(&f, c);
	CHECK_EQ_INT(passed_on, 1);
	static const char *mine[] = {"test_comm*"};
	f.exclude = mine;
	f.nexclude = 1;
	comm_filter_call(&f, c);
	CHECK_EQ_INT(passed_on, 1);
	CHECK_EQ_INT(f.dropped, 1);
	c->rec.pid = 999999999; /* unknown: kept */
	comm_filter_call(&f, c);
	CHECK_EQ_INT(passed_on, 2);
	/* an exec span: by the image it names, not the process's name now */
	c->rec.pid = (uint32_t)getpid();
	c->attrs[0] = (struct attr){.key = "process.executable.name", .type = AT_STR, .s = "python3.11"};
	c->nattrs = 1;
	comm_filter_call(&f, c); /* test_comm_filter now, python3.11 then: kept */
	CHECK_EQ_INT(passed_on, 3);
	static const char *py[] = {"python3*"};
	f.exclude = py;
	comm_filter_call(&f, c);
	CHECK_EQ_INT(passed_on, 3);
	c->attrs[0].s = "a-name-longer-than-15";
	static const char *cut[] = {"a-name-longer-t"}; /* comm's 15 characters */
	f.exclude = cut;
	comm_filter_call(&f, c);
	CHECK_EQ_INT(passed_on, 3);
	free(c);
	UNIT_DONE();
}
