/* Unit tests of the process source's pure parts: git worktree commands
 * from an exec's argv (user/source/proc/git_args.c) and the process table
 * (user/source/proc/proc_table.c). */
#include <stdio.h>
#include <string.h>
#include "source/proc/git_args.h"
#include "source/proc/proc_table.h"
#include "unit_test.h"

/* argv as the kernel holds it: NUL-separated, each string terminated. */
static size_t argv_blob(char *buf, size_t cap, const char *const *argv)
{
	size_t n = 0;

	for (int i = 0; argv[i]; i++) {
		size_t l = strlen(argv[i]) + 1;

		if (n + l > cap)
			break;
		memcpy(buf + n, argv[i], l);
		n += l;
	}
	return n;
}

#define PARSE(cmd, ...)                                                        \
	({                                                                     \
		static const char *const v_[] = {__VA_ARGS__, NULL};           \
		char b_[1024];                                                 \
		size_t n_ = argv_blob(b_, sizeof(b_), v_);                     \
		git_worktree_parse(b_, n_, cmd);                               \
	})

static void test_git_worktree(void)
{
	struct git_worktree_cmd c;

	CHECK(PARSE(&c, "git", "worktree", "add", "../wt1", "-b", "feat"));
	CHECK_STR_EQ(c.op, "add");
	CHECK_STR_EQ(c.path, "../wt1");
	CHECK_STR_EQ(c.branch, "feat");

	CHECK(PARSE(&c, "/usr/bin/git", "-C", "/repo", "-c", "user.name=x", "worktree", "add", "-B", "b2",
		    "--lock", "--reason", "busy", "wt2", "HEAD~1"));
	CHECK_STR_EQ(c.op, "add");
	CHECK_STR_EQ(c.path, "/repo/wt2"); /* relative to -C */
	CHECK_STR_EQ(c.branch, "b2");

	CHECK(PARSE(&c, "git", "-C", "a", "-C", "b", "worktree", "remove", "--force", "wt"));
	CHECK_STR_EQ(c.op, "remove");
	CHECK_STR_EQ(c.path, "a/b/wt"); /* -C is cumulative */
	CHECK_STR_EQ(c.branch, "");

	CHECK(PARSE(&c, "git", "--git-dir", "/r/.git", "--no-pager", "worktree", "prune", "--expire", "now"));
	CHECK_STR_EQ(c.op, "prune");
	CHECK_STR_EQ(c.path, ""); /* --expire's value is no path */

	CHECK(PARSE(&c, "git", "worktree", "move", "old", "new"));
	CHECK_STR_EQ(c.path, "old");
	CHECK(PARSE(&c, "git", "worktree", "lock", "--reason", "r", "wt3"));
	CHECK_STR_EQ(c.path, "wt3");
	CHECK(PARSE(&c, "git", "worktree", "add", "--", "-odd-name"));
	CHECK_STR_EQ(c.path, "-odd-name");
	CHECK(PARSE(&c, "git", "worktree", "add", "--orphan=fresh", "wt4"));
	CHECK_STR_EQ(c.branch, "fresh");

	/* Not git worktree commands. */
	CHECK(!PARSE(&c, "git", "status"));
	CHECK(!PARSE(&c, "git", "worktree", "explode"));
	CHECK(!PARSE(&c, "git", "worktree"));
	CHECK(!PARSE(&c, "gitk", "worktree", "add", "x"));
	CHECK(!PARSE(&c, "git", "-C")); /* an option without its value */
	CHECK(!PARSE(&c, "/bin/sh", "-c", "git worktree add x"));
}

static void test_cut_argv(void)
{
	struct git_worktree_cmd c;
	const char blob[] = "git\0worktree\0add\0/a/very/long/pa"; /* cut: no final NUL */

	CHECK(git_worktree_parse(blob, sizeof(blob) - 1, &c));
	CHECK_STR_EQ(c.path, "/a/very/long/pa");
	CHECK(!git_worktree_parse(blob, 0, &c));
	CHECK(!git_worktree_parse("git", 3, &c));

	char buf[8];

	CHECK_STR_EQ(argv_at(blob, sizeof(blob) - 1, 1, buf, sizeof(buf)), "worktre"); /* cut to buf */
	CHECK(argv_at(blob, sizeof(blob) - 1, 4, buf, sizeof(buf)) == NULL);
}

static void test_table(void)
{
	struct proc_table t;

	proc_table_init(&t, 3);
	CHECK(proc_table_get(&t, 10, false) == NULL);
	struct proc_entry *a = proc_table_get(&t, 10, true);

	CHECK(a && a->pid == 10);
	CHECK(proc_table_get(&t, 10, true) == a);
	CHECK(proc_table_get(&t, 10 + PROC_BUCKETS, true) != NULL); /* same bucket */
	CHECK(proc_table_get(&t, 11, true) != NULL);
	CHECK(proc_table_get(&t, 12, true) == NULL); /* full: refused, counted */
	CHECK_EQ_INT(t.refused, 1);
	proc_table_remove(&t, 10);
	CHECK(proc_table_get(&t, 10, false) == NULL);
	CHECK(proc_table_get(&t, 10 + PROC_BUCKETS, false) != NULL);
	CHECK_EQ_INT(t.n, 2);
	proc_table_remove(&t, 999); /* not there: nothing */
	proc_table_free(&t);
	CHECK_EQ_INT(t.n, 0);
}

int main(void)
{
	test_git_worktree();
	test_cut_argv();
	test_table();
	UNIT_DONE();
}
