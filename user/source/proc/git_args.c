/* git worktree commands from argv (git_args.h). */
#include <stdio.h>
#include <string.h>
#include "git_args.h"

#define MAX_ARGS 64

const char *argv_at(const char *args, size_t len, int i, char *buf, size_t buflen)
{
	size_t p = 0;

	for (; i > 0 && p < len; i--) {
		const char *z = memchr(args + p, 0, len - p);

		if (!z)
			return NULL;
		p = (size_t)(z - args) + 1;
	}
	if (p >= len || buflen == 0)
		return NULL;
	const char *z = memchr(args + p, 0, len - p);
	size_t n = z ? (size_t)(z - (args + p)) : len - p;

	if (n >= buflen)
		n = buflen - 1;
	memcpy(buf, args + p, n);
	buf[n] = 0;
	return buf;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static bool is_sub(const char *s)
{
	static const char *const subs[] = {"add", "remove", "prune", "list", "move", "lock", "unlock", "repair"};

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(s, subs[i]))
			return true;
	return false;
}

/* git's global options that take the next argument as their value. */
static bool global_takes_value(const char *s)
{
	return !strcmp(s, "-C") || !strcmp(s, "-c") || !strcmp(s, "--git-dir") || !strcmp(s, "--work-tree") ||
	       !strcmp(s, "--namespace") || !strcmp(s, "--super-prefix") || !strcmp(s, "--config-env") ||
	       !strcmp(s, "--exec-path") || !strcmp(s, "--list-cmds");
}

/* Options of `worktree SUB` that take the next argument as their value. */
static bool sub_takes_value(const char *op, const char *s)
{
	if (!strcmp(op, "add"))
		return !strcmp(s, "-b") || !strcmp(s, "-B") || !strcmp(s, "--reason") || !strcmp(s, "--orphan");
	if (!strcmp(op, "lock"))
		return !strcmp(s, "--reason");
	if (!strcmp(op, "prune") || !strcmp(op, "list"))
		return !strcmp(s, "--expire");
	return false;
}

static void set_text(char *dst, const char *src)
{
	snprintf(dst, GIT_TEXT_LEN, "%s", src);
}

/* A relative path under `git -C DIR` names DIR/path. */
static void set_path(char *dst, const char *dir, const char *path)
{
	if (dir[0] && path[0] != '/')
		snprintf(dst, GIT_TEXT_LEN, "%.127s/%.127s", dir, path);
	else
		set_text(dst, path);
}

bool git_worktree_parse(const char *args, size_t len, struct git_worktree_cmd *cmd)
{
	char a[GIT_TEXT_LEN], dir[GIT_TEXT_LEN] = "";
	int i = 0;

	memset(cmd, 0, sizeof(*cmd));
	if (!argv_at(args, len, i++, a, sizeof(a)) || strcmp(base_name(a), "git"))
		return false;
	/* Global options, up to the command. */
	for (; i < MAX_ARGS && argv_at(args, len, i, a, sizeof(a)); i++) {
		if (a[0] != '-')
			break;
		if (!strcmp(a, "-C") && argv_at(args, len, i + 1, a, sizeof(a))) {
			char joined[GIT_TEXT_LEN];

			/* -C is cumulative: a relative one is taken from the previous */
			if (dir[0] && a[0] != '/') {
				snprintf(joined, sizeof(joined), "%.120s/%.120s", dir, a);
				set_text(dir, joined);
			} else {
				set_text(dir, a);
			}
			i++;
		} else if (global_takes_value(a)) {
			i++;
		}
	}
	if (!argv_at(args, len, i++, a, sizeof(a)) || strcmp(a, "worktree"))
		return false;
	if (!argv_at(args, len, i++, a, sizeof(a)) || !is_sub(a))
		return false;
	snprintf(cmd->op, sizeof(cmd->op), "%.15s", a);
	bool opts_done = false;

	for (; i < MAX_ARGS && argv_at(args, len, i, a, sizeof(a)); i++) {
		if (!opts_done && !strcmp(a, "--")) {
			opts_done = true;
			continue;
		}
		if (!opts_done && a[0] == '-' && a[1]) {
			bool add = !strcmp(cmd->op, "add");
			bool branch = add && (!strcmp(a, "-b") || !strcmp(a, "-B") || !strcmp(a, "--orphan"));

			if (add && !strncmp(a, "--orphan=", 9))
				set_text(cmd->branch, a + 9);
			if (sub_takes_value(cmd->op, a)) {
				i++;
				if (branch && argv_at(args, len, i, a, sizeof(a)))
					set_text(cmd->branch, a);
			}
			continue;
		}
		if (!cmd->path[0])
			set_path(cmd->path, dir, a);
	}
	return true;
}
