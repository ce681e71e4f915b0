/* Container targets: resolve --container / --cgroup to a cgroup v2 (or a pid
 * namespace) and a process inside it; notice when it is gone. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "container.h"
#include "target.h"

#define HEX_ID_LEN 64

/* ---- parsing ------------------------------------------------------------ */

bool container_is_hex(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	return n >= 1 && n <= HEX_ID_LEN;
}

static bool is_hex_n(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* One path component [s, s+n): the id it names, or false. */
static bool component_id(const char *s, size_t n, char *id, size_t idlen)
{
	static const char *const prefixes[] = {"docker-", "cri-containerd-", "crio-", "libpod-", ""};

	if (n > 6 && !memcmp(s + n - 6, ".scope", 6))
		n -= 6;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);

		if (n != pl + HEX_ID_LEN || memcmp(s, prefixes[i], pl) || !is_hex_n(s + pl, HEX_ID_LEN))
			continue;
		/* "libpod-conmon-<id>" never matches: "conmon-..." is not hex. */
		if (idlen) {
			size_t k = 0;

			for (; k < HEX_ID_LEN && k + 1 < idlen; k++)
				id[k] = (char)tolower((unsigned char)s[pl + k]);
			id[k] = 0;
		}
		return true;
	}
	return false;
}

size_t container_parse_cgroup_path(const char *path, char *id, size_t idlen)
{
	size_t found = 0;
	char tmp[HEX_ID_LEN + 1];

	if (idlen)
		id[0] = 0;
	for (const char *p = path; *p;) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/\n");
		if (n == 0)
			break;
		if (component_id(p, n, tmp, sizeof(tmp))) {
			found = (size_t)(p - path) + n;
			if (idlen)
				snprintf(id, idlen, "%s", tmp);
		}
		p += n;
		if (*p == '\n')
			break;
	}
	return found;
}

int container_parse_proc_cgroup(const char *text, char *id, size_t idlen, char *v2_prefix,
				size_t v2len, char *v2_path, size_t v2plen)
{
	char v1_id[CONTAINER_ID_MAX] = "";
	bool have_v2 = false;

	if (idlen)
		id[0] = 0;
	if (v2len)
		v2_prefix[0] = 0;
	if (v2plen)
		v2_path[0] = 0;
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t llen = nl ? (size_t)(nl - line) : strlen(line);
		const char *c1 = memchr(line, ':', llen), *c2 = c1 ? memchr(c1 + 1, ':', llen - (size_t)(c1 + 1 - line)) : NULL;

		if (c2) {
			const char *path = c2 + 1;
			size_t plen = llen - (size_t)(path - line);
			char buf[PATH_MAX], cid[CONTAINER_ID_MAX];
			bool v2 = c1 - line == 1 && line[0] == '0' && c2 == c1 + 1;

			snprintf(buf, sizeof(buf), "%.*s", (int)plen, path);
			size_t pre = container_parse_cgroup_path(buf, cid, sizeof(cid));

			if (v2 && !have_v2) {
				have_v2 = true;
				if (v2plen)
					snprintf(v2_path, v2plen, "%s", buf);
				if (pre) {
					if (idlen)
						snprintf(id, idlen, "%s", cid);
					if (v2len)
						snprintf(v2_prefix, v2len, "%.*s", (int)pre, buf);
				}
			} else if (pre && !v1_id[0]) {
				snprintf(v1_id, sizeof(v1_id), "%s", cid);
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	if (v2len && v2_prefix[0])
		return 0;
	if (v1_id[0]) {
		if (idlen)
			snprintf(id, idlen, "%s", v1_id);
		return 0;
	}
	return -1;
}

int container_match_id(const char *query, const char *const *ids, int n, int *match)
{
	char q[HEX_ID_LEN + 1];
	size_t ql = strlen(query);
	int count = 0;

	*match = -1;
	if (!container_is_hex(query))
		return 0;
	for (size_t i = 0; i <= ql; i++)
		q[i] = (char)tolower((unsigned char)query[i]);
	for (int i = 0; i < n; i++)
		if (!strcmp(ids[i], q)) {
			*match = i;
			return 1;
		}
	for (int i = 0; i < n; i++)
		if (!strncmp(ids[i], q, ql)) {
			if (*match < 0)
				*match = i;
			count++;
		}
	return count;
}

int container_v2_mount(const char *mountinfo, char *out, size_t len)
{
	/* "36 25 0:31 / /sys/fs/cgroup/unified rw,... shared:9 - cgroup2 cgroup2 rw" */
	for (const char *line = mountinfo; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t llen = nl ? (size_t)(nl - line) : strlen(line);
		char buf[4096], *f[6], *sep, *save = NULL;
		int nf = 0;

		snprintf(buf, sizeof(buf), "%.*s", (int)llen, line);
		sep = strstr(buf, " - ");
		if (sep && !strncmp(sep + 3, "cgroup2 ", 8)) {
			*sep = 0;
			for (char *t = strtok_r(buf, " ", &save); t && nf < 6; t = strtok_r(NULL, " ", &save))
				f[nf++] = t;
			if (nf >= 5) {
				/* Octal escapes (\040 for a space) in the mount point. */
				size_t o = 0;

				for (const char *s = f[4]; *s && o + 1 < len; s++) {
					if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
					    s[3] >= '0' && s[3] <= '7') {
						out[o++] = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
						s += 3;
					} else {
						out[o++] = *s;
					}
				}
				out[o] = 0;
				return 0;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	if (len)
		out[0] = 0;
	return -1;
}

int container_cgroup_rel(const char *v2_mount, const char *path, char *out, size_t len)
{
	size_t ml = strlen(v2_mount);
	const char *rel = path;
	char buf[PATH_MAX];
	size_t o = 0;

	if (ml && !strncmp(path, v2_mount, ml) && (path[ml] == '/' || path[ml] == 0))
		rel = path + ml;
	else if (!strncmp(path, "/sys/fs/cgroup", 14) && (path[14] == '/' || path[14] == 0))
		return -1; /* a v1 hierarchy, or cgroupfs when v2 is elsewhere */
	/* Normalize: one leading "/", no "//", no "." components, no trailing "/". */
	for (const char *p = rel; *p;) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		if (n == 2 && !strncmp(p, "..", 2))
			return -1;
		if (!(n == 1 && p[0] == '.')) {
			if (o + n + 2 > sizeof(buf))
				return -1;
			buf[o++] = '/';
			memcpy(buf + o, p, n);
			o += n;
		}
		p += n;
	}
	if (o == 0)
		buf[o++] = '/';
	buf[o] = 0;
	if (o + 1 > len)
		return -1;
	memcpy(out, buf, o + 1);
	return 0;
}

/* ---- /proc and /sys ----------------------------------------------------- */

static ssize_t read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t at = 0;

	if (fd < 0)
		return -1;
	while (at + 1 < len) {
		ssize_t n = read(fd, buf + at, len - 1 - at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		at += (size_t)n;
	}
	close(fd);
	buf[at] = 0;
	return (ssize_t)at;
}

int container_id_of_pid(pid_t pid, char *id, size_t idlen)
{
	char fn[64], text[16384];

	snprintf(fn, sizeof(fn), "/proc/%d/cgroup", (int)pid);
	if (read_text(fn, text, sizeof(text)) <= 0)
		return -1;
	return container_parse_proc_cgroup(text, id, idlen, NULL, 0, NULL, 0);
}

pid_t container_vpid(pid_t pid)
{
	char fn[64], text[8192], *l;
	long last = 0;
	int n = 0;

	snprintf(fn, sizeof(fn), "/proc/%d/status", (int)pid);
	if (read_text(fn, text, sizeof(text)) <= 0 || !(l = strstr(text, "\nNSpid:")))
		return 0;
	l += 7;
	while (*l && *l != '\n') {
		char *end;
		long v = strtol(l, &end, 10);

		if (end == l)
			break;
		last = v;
		n++;
		l = end;
	}
	return n > 1 ? (pid_t)last : 0;
}

static uint64_t proc_start_time(pid_t pid)
{
	char fn[64], text[2048], *p;
	unsigned long long v = 0;

	snprintf(fn, sizeof(fn), "/proc/%d/stat", (int)pid);
	if (read_text(fn, text, sizeof(text)) <= 0 || !(p = strrchr(text, ')')))
		return UINT64_MAX;
	/* Field 22 (starttime); after ")" come fields 3.. */
	for (int f = 3; f < 22 && p; f++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &v) != 1)
		return UINT64_MAX;
	return v;
}

static uint64_t ns_ino(pid_t pid)
{
	char fn[64];
	struct stat st;

	snprintf(fn, sizeof(fn), "/proc/%d/ns/pid", (int)pid);
	return stat(fn, &st) ? 0 : (uint64_t)st.st_ino;
}

static bool has_exe(pid_t pid)
{
	char fn[64], buf[8];

	snprintf(fn, sizeof(fn), "/proc/%d/exe", (int)pid);
	return readlink(fn, buf, sizeof(buf)) > 0;
}

/* Every process, with the container its /proc/PID/cgroup names. */
struct proc_ent {
	pid_t pid;
	char id[CONTAINER_ID_MAX]; /* "" if none */
	char *v2_prefix;           /* the container's v2 cgroup ("" if the v2 line does not name it) */
	char *v2_path;             /* the v2 line's path */
};

struct proc_list {
	struct proc_ent *v;
	int n;
};

static void procs_free(struct proc_list *l)
{
	for (int i = 0; i < l->n; i++) {
		free(l->v[i].v2_prefix);
		free(l->v[i].v2_path);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int procs_scan(struct proc_list *l)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int cap = 0;

	memset(l, 0, sizeof(*l));
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char fn[300], text[16384], prefix[PATH_MAX], path[PATH_MAX], id[CONTAINER_ID_MAX];
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		snprintf(fn, sizeof(fn), "/proc/%ld/cgroup", pid);
		if (read_text(fn, text, sizeof(text)) <= 0)
			continue;
		if (container_parse_proc_cgroup(text, id, sizeof(id), prefix, sizeof(prefix), path, sizeof(path)))
			id[0] = prefix[0] = 0;
		if (l->n == cap) {
			void *p = realloc(l->v, (size_t)(cap = cap ? cap * 2 : 256) * sizeof(*l->v));

			if (!p)
				break;
			l->v = p;
		}
		struct proc_ent *pe = &l->v[l->n];

		pe->pid = (pid_t)pid;
		snprintf(pe->id, sizeof(pe->id), "%s", id);
		pe->v2_prefix = strdup(prefix);
		pe->v2_path = strdup(path);
		if (!pe->v2_prefix || !pe->v2_path) {
			free(pe->v2_prefix);
			free(pe->v2_path);
			break;
		}
		l->n++;
	}
	closedir(d);
	return 0;
}

/* Distinct container ids among the processes, in first-seen order. */
static int distinct_ids(const struct proc_list *l, const char **ids, int max)
{
	int n = 0;

	for (int i = 0; i < l->n; i++) {
		bool seen = !l->v[i].id[0];

		for (int k = 0; k < n && !seen; k++)
			seen = !strcmp(ids[k], l->v[i].id);
		if (!seen && n < max)
			ids[n++] = l->v[i].id;
	}
	return n;
}

static int count_procs(const struct proc_list *l, const char *id)
{
	int n = 0;

	for (int i = 0; i < l->n; i++)
		n += !strcmp(l->v[i].id, id);
	return n;
}

/* Runs argv with stdout into out (stderr discarded), at most timeout_ms.
 * Returns the exit status, -1 if it could not run or timed out. */
static int run_capture(char *const argv[], char *out, size_t len, int timeout_ms)
{
	int p[2], status = -1;
	size_t at = 0;
	pid_t pid;
	uint64_t deadline = clock_mono_ns() + (uint64_t)timeout_ms * 1000000ull;

	out[0] = 0;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(p[1], 1);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		uint64_t now = clock_mono_ns();
		struct pollfd pf = {.fd = p[0], .events = POLLIN};
		char sink[512];

		if (now >= deadline) {
			kill(pid, SIGKILL);
			break;
		}
		int r = poll(&pf, 1, (int)((deadline - now) / 1000000 + 1));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		ssize_t n = at + 1 < len ? read(p[0], out + at, len - 1 - at) : read(p[0], sink, sizeof(sink));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (at + 1 < len)
			at += (size_t)n;
	}
	out[at] = 0;
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (clock_mono_ns() >= deadline)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool have_cmd(const char *cmd)
{
	char path[PATH_MAX];

	return target_resolve_cmd(cmd, path, sizeof(path)) == 0;
}

/* What a runtime's CLI says about a name. */
struct cli_hit {
	char id[CONTAINER_ID_MAX];
	pid_t pid;
	char runtime[16];
};

/* podman / docker: "ID NAME PID" for an exact name (or full id). */
static int ask_inspect(const char *tool, const char *name, struct cli_hit *h)
{
	char out[1024], *argv[] = {(char *)tool, "inspect", "--type", "container", "--format",
				   "{{.Id}} {{.Name}} {{.State.Pid}}", (char *)name, NULL};
	char id[256], nm[256];
	long pid;

	if (run_capture(argv, out, sizeof(out), 10000) != 0)
		return -1;
	if (sscanf(out, "%255s %255s %ld", id, nm, &pid) != 3)
		return -1;
	const char *n = nm[0] == '/' ? nm + 1 : nm; /* docker: "/name" */

	if (strcmp(n, name) && strcmp(id, name))
		return -1;
	snprintf(h->id, sizeof(h->id), "%.79s", id);
	h->pid = (pid_t)pid;
	snprintf(h->runtime, sizeof(h->runtime), "%.15s", tool);
	return 0;
}

/* crun / runc: `state NAME` prints the OCI state as JSON. */
static int ask_oci_state(const char *tool, const char *name, struct cli_hit *h)
{
	char out[8192], *argv[] = {(char *)tool, "state", (char *)name, NULL};
	cJSON *j;
	int rc = -1;

	if (run_capture(argv, out, sizeof(out), 10000) != 0)
		return -1;
	j = cJSON_Parse(out);
	if (!j)
		return -1;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
	const cJSON *pid = cJSON_GetObjectItemCaseSensitive(j, "pid");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");

	if (cJSON_IsString(id) && !strcmp(id->valuestring, name)) {
		snprintf(h->id, sizeof(h->id), "%s", id->valuestring);
		h->pid = cJSON_IsNumber(pid) && (!cJSON_IsString(st) || strcmp(st->valuestring, "stopped"))
				 ? (pid_t)pid->valuedouble : 0;
		snprintf(h->runtime, sizeof(h->runtime), "%s", tool);
		rc = 0;
	}
	cJSON_Delete(j);
	return rc;
}

static int ask_runtimes(const char *name, struct cli_hit *h, char *asked, size_t alen)
{
	static const char *const tools[] = {"podman", "docker", "crun", "runc"};

	asked[0] = 0;
	if (name[0] == '-')
		return -1;
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		if (!have_cmd(tools[i]))
			continue;
		size_t al = strlen(asked);

		snprintf(asked + al, alen - al, "%s%s", al ? ", " : "", tools[i]);
		if ((i < 2 ? ask_inspect(tools[i], name, h) : ask_oci_state(tools[i], name, h)) == 0)
			return 0;
	}
	return -1;
}

/* ---- opening ----------------------------------------------------------- */

static int path_level(const char *rel)
{
	int n = 0;

	for (const char *p = rel; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			n++;
	return n;
}

/* The processes chosen, the container's v2 cgroup (may be ""): fill in the
 * filter and the main process. */
static int finish(struct container *c, const pid_t *pids, int n, const char *v2cg, char *err,
		  size_t errlen)
{
	char what[512];
	pid_t best = 0;
	uint64_t best_start = UINT64_MAX;
	bool best_init = false;

	container_describe(c, what, sizeof(what));
	for (int i = 0; i < n; i++) {
		bool init;
		uint64_t st;

		if (!has_exe(pids[i]))
			continue; /* kernel thread, zombie */
		init = container_vpid(pids[i]) == 1;
		st = proc_start_time(pids[i]);
		if (!best || (init && !best_init) || (init == best_init && st < best_start)) {
			best = pids[i];
			best_start = st;
			best_init = init;
		}
	}
	if (!best) {
		snprintf(err, errlen, "%s has no running process%s", what,
			 n ? " whose executable can be read" : "");
		return -1;
	}
	c->main_pid = best;
	c->nprocs = n;
	c->pidns_ino = (uint32_t)ns_ino(best);
	if (v2cg && v2cg[0] && c->v2_mount[0]) {
		char dir[PATH_MAX + 256];
		struct stat st;

		snprintf(dir, sizeof(dir), "%s%s", c->v2_mount, v2cg);
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(c->cgroup, sizeof(c->cgroup), "%s", v2cg);
			c->cgroup_id = (uint64_t)st.st_ino;
			c->cgroup_level = (uint32_t)path_level(v2cg);
		}
	}
	if (!c->cgroup_id) {
		/* No v2 cgroup of its own: its pid namespace tells it apart. */
		if (!c->pidns_ino || ns_ino(getpid()) == c->pidns_ino) {
			snprintf(err, errlen, "%s has neither a cgroup v2 of its own nor a pid namespace of its own: "
				 "its processes cannot be told apart from the host's", what);
			return -1;
		}
	}
	return 0;
}

static int open_by_cgroup(struct container *c, const char *path, char *err, size_t errlen)
{
	char rel[PATH_MAX], dir[PATH_MAX + 256];
	struct stat st;
	struct proc_list l;
	pid_t *pids;
	int n = 0, rc;
	size_t rl;

	if (!c->v2_mount[0]) {
		snprintf(err, errlen, "--cgroup: no cgroup v2 file system is mounted (see /proc/self/mountinfo)");
		return -1;
	}
	if (container_cgroup_rel(c->v2_mount, path, rel, sizeof(rel))) {
		snprintf(err, errlen, "--cgroup %s: expected a cgroup v2 path (under %s, or relative to it)",
			 path, c->v2_mount);
		return -1;
	}
	if (!strcmp(rel, "/")) {
		snprintf(err, errlen, "--cgroup %s: the root cgroup holds every process; give a container's cgroup", path);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s%s", c->v2_mount, rel);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--cgroup %s: no such cgroup (%s)", path, dir);
		return -1;
	}
	snprintf(c->cgroup, sizeof(c->cgroup), "%s", rel);
	snprintf(c->runtime, sizeof(c->runtime), "cgroup");
	container_parse_cgroup_path(rel, c->id, sizeof(c->id));
	if (procs_scan(&l)) {
		snprintf(err, errlen, "cannot read /proc: %s", strerror(errno));
		return -1;
	}
	pids = calloc((size_t)l.n + 1, sizeof(*pids));
	rl = strlen(rel);
	for (int i = 0; pids && i < l.n; i++) {
		const char *p = l.v[i].v2_path;

		if (!strncmp(p, rel, rl) && (p[rl] == 0 || p[rl] == '/'))
			pids[n++] = l.v[i].pid;
	}
	procs_free(&l);
	if (!pids) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = finish(c, pids, n, rel, err, errlen);
	free(pids);
	if (rc == 0 && !c->cgroup_id) {
		snprintf(err, errlen, "--cgroup %s: cannot read its id", path);
		rc = -1;
	}
	return rc;
}

/* The processes of container `id`, its v2 cgroup when the v2 lines name it. */
static int finish_by_id(struct container *c, const struct proc_list *l, const char *id, char *err,
			size_t errlen)
{
	pid_t *pids = calloc((size_t)l->n + 1, sizeof(*pids));
	const char *v2cg = NULL;
	int n = 0, rc;

	if (!pids) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].id, id))
			continue;
		pids[n++] = l->v[i].pid;
		/* The shortest prefix: a process in a sub-cgroup of it is still in it. */
		if (l->v[i].v2_prefix[0] && (!v2cg || strlen(l->v[i].v2_prefix) < strlen(v2cg)))
			v2cg = l->v[i].v2_prefix;
	}
	/* Every process must be under that cgroup, or it is not the container's. */
	for (int i = 0; v2cg && i < l->n; i++) {
		size_t vl = strlen(v2cg);
		const char *p = l->v[i].v2_path;

		if (!strcmp(l->v[i].id, id) && (strncmp(p, v2cg, vl) || (p[vl] && p[vl] != '/')))
			v2cg = NULL;
	}
	snprintf(c->id, sizeof(c->id), "%s", id);
	rc = finish(c, pids, n, v2cg, err, errlen);
	free(pids);
	return rc;
}

/* A container that a CLI found but whose cgroup names no id (`crun run NAME`
 * puts it in /NAME): its main process's v2 cgroup is the container's. */
static int finish_by_pid(struct container *c, const struct proc_list *l, pid_t pid, char *err,
			 size_t errlen)
{
	const char *v2 = NULL;
	pid_t *pids;
	int n = 0, rc;

	for (int i = 0; i < l->n; i++)
		if (l->v[i].pid == pid)
			v2 = l->v[i].v2_path;
	if (!v2) {
		snprintf(err, errlen, "--container %s: %s says its process is %d, which is not running",
			 c->query, c->runtime, (int)pid);
		return -1;
	}
	pids = calloc((size_t)l->n + 1, sizeof(*pids));
	if (!pids) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char self[PATH_MAX] = "", text[16384];

	if (read_text("/proc/self/cgroup", text, sizeof(text)) > 0)
		container_parse_proc_cgroup(text, NULL, 0, NULL, 0, self, sizeof(self));
	bool own = v2[0] && strcmp(v2, "/") && strcmp(v2, self);
	size_t vl = strlen(v2);
	uint64_t main_ns = ns_ino(pid);

	/* A cgroup shared with processes of other pid namespaces (podman
	 * --cgroups=disabled leaves containers in conmon's) is not its own. */
	for (int i = 0; own && main_ns != ns_ino(getpid()) && i < l->n; i++) {
		const char *p = l->v[i].v2_path;

		if (!strncmp(p, v2, vl) && (p[vl] == 0 || p[vl] == '/') && ns_ino(l->v[i].pid) != main_ns &&
		    ns_ino(l->v[i].pid) != 0)
			own = false;
	}
	if (own) {
		for (int i = 0; i < l->n; i++) {
			const char *p = l->v[i].v2_path;

			if (!strncmp(p, v2, vl) && (p[vl] == 0 || p[vl] == '/'))
				pids[n++] = l->v[i].pid;
		}
	} else {
		uint64_t ns = ns_ino(pid);

		for (int i = 0; i < l->n; i++)
			if (ns && ns_ino(l->v[i].pid) == ns)
				pids[n++] = l->v[i].pid;
	}
	rc = finish(c, pids, n, own ? v2 : NULL, err, errlen);
	free(pids);
	return rc;
}

static int open_by_query(struct container *c, const char *query, char *err, size_t errlen)
{
	enum { MAXC = 256 };
	const char *ids[MAXC];
	struct proc_list l;
	struct cli_hit hit = {0};
	char asked[128];
	int nids, match, nm, rc = -1;

	if (procs_scan(&l)) {
		snprintf(err, errlen, "cannot read /proc: %s", strerror(errno));
		return -1;
	}
	nids = distinct_ids(&l, ids, MAXC);
	nm = container_match_id(query, ids, nids, &match);
	/* A full id; else a name some runtime knows; else an id prefix. */
	if (nm == 1 && strlen(query) == HEX_ID_LEN) {
		snprintf(c->runtime, sizeof(c->runtime), "cgroup");
		rc = finish_by_id(c, &l, ids[match], err, errlen);
	} else if (ask_runtimes(query, &hit, asked, sizeof(asked)) == 0) {
		snprintf(c->runtime, sizeof(c->runtime), "%s", hit.runtime);
		int k = -1;
		char lid[CONTAINER_ID_MAX];

		for (size_t i = 0; i <= strlen(hit.id) && i < sizeof(lid); i++)
			lid[i] = (char)tolower((unsigned char)hit.id[i]);
		lid[sizeof(lid) - 1] = 0;
		for (int i = 0; i < nids && k < 0; i++)
			if (!strcmp(ids[i], lid))
				k = i;
		if (hit.pid <= 0 && k < 0) {
			snprintf(err, errlen, "--container %s: %s knows it (id %.12s) but it is not running",
				 query, hit.runtime, hit.id);
		} else if (k >= 0) {
			rc = finish_by_id(c, &l, ids[k], err, errlen);
		} else {
			snprintf(c->id, sizeof(c->id), "%s", hit.id);
			rc = finish_by_pid(c, &l, hit.pid, err, errlen);
		}
	} else if (nm == 1) {
		snprintf(c->runtime, sizeof(c->runtime), "cgroup");
		rc = finish_by_id(c, &l, ids[match], err, errlen);
	} else if (nm > 1) {
		size_t at = (size_t)snprintf(err, errlen, "--container %s: ambiguous id prefix, %d containers match:",
					     query, nm);
		char q[HEX_ID_LEN + 1];
		size_t ql = strlen(query);

		for (size_t i = 0; i <= ql; i++)
			q[i] = (char)tolower((unsigned char)query[i]);
		for (int i = 0; i < nids && at < errlen; i++)
			if (!strncmp(ids[i], q, ql))
				at += (size_t)snprintf(err + at, errlen - at, " %s (%d process%s)", ids[i],
						       count_procs(&l, ids[i]), count_procs(&l, ids[i]) == 1 ? "" : "es");
	} else {
		size_t at = (size_t)snprintf(err, errlen, "--container %s: no running container matches "
					     "(looked for its id in /proc/*/cgroup%s%s%s)", query,
					     asked[0] ? "; asked " : "", asked, asked[0] ? " for a name" : "");

		for (int i = 0; i < nids && i < 8 && at < errlen; i++)
			at += (size_t)snprintf(err + at, errlen - at, "%s%.12s", i ? ", " : "; running: ", ids[i]);
		if (nids > 8 && at < errlen)
			snprintf(err + at, errlen - at, " and %d more", nids - 8);
	}
	procs_free(&l);
	return rc;
}

int container_open(struct container *c, const char *query, const char *cgroup_path, char *err,
		   size_t errlen)
{
	static char mountinfo[1 << 18];

	memset(c, 0, sizeof(*c));
	c->active = true;
	snprintf(c->query, sizeof(c->query), "%s", query ? query : cgroup_path);
	if (read_text("/proc/self/mountinfo", mountinfo, sizeof(mountinfo)) > 0)
		container_v2_mount(mountinfo, c->v2_mount, sizeof(c->v2_mount));
	if (query && !query[0]) {
		snprintf(err, errlen, "--container: expected a container id or name");
		return -1;
	}
	return query ? open_by_query(c, query, err, errlen) : open_by_cgroup(c, cgroup_path, err, errlen);
}

const char *container_describe(const struct container *c, char *buf, size_t len)
{
	if (!c->id[0] || strcmp(c->query, c->id) == 0 || container_is_hex(c->query))
		snprintf(buf, len, "%s %.64s%s%s%s", c->id[0] ? "container" : "cgroup",
			 c->id[0] ? c->id : c->cgroup[0] ? c->cgroup : c->query,
			 c->runtime[0] ? " (" : "", c->runtime, c->runtime[0] ? ")" : "");
	else
		snprintf(buf, len, "container %s (%s, id %.12s)", c->query, c->runtime, c->id);
	return buf;
}

/* ---- gone? ------------------------------------------------------------- */

static bool cgroup_populated(const struct container *c)
{
	char dir[PATH_MAX + 256], fn[PATH_MAX + 300], text[512];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s%s", c->v2_mount, c->cgroup);
	if (stat(dir, &st) || (uint64_t)st.st_ino != c->cgroup_id)
		return false; /* removed (or removed and made again: not ours) */
	snprintf(fn, sizeof(fn), "%s/cgroup.events", dir);
	if (read_text(fn, text, sizeof(text)) <= 0)
		return false;
	return !strstr(text, "populated 0");
}

static bool pidns_populated(const struct container *c)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool any = false;

	if (!d)
		return true;
	while (!any && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (!*end && pid > 0 && ns_ino((pid_t)pid) == c->pidns_ino)
			any = true;
	}
	closedir(d);
	return any;
}

bool container_gone(struct container *c)
{
	uint64_t now = clock_mono_ns();

	if (!c->active || c->gone)
		return c->gone;
	if (now < c->next_check_ns)
		return false;
	c->next_check_ns = now + 250000000ull;
	if (c->cgroup_id ? cgroup_populated(c) : pidns_populated(c)) {
		c->empty_since_ns = 0;
		return false;
	}
	if (!c->empty_since_ns)
		c->empty_since_ns = now;
	c->gone = now - c->empty_since_ns >= 1000000000ull;
	return c->gone;
}

void container_print(const struct container *c, FILE *f)
{
	char what[512];

	container_describe(c, what, sizeof(what));
	if (c->cgroup_id)
		fprintf(f, "mcp-bpftrace: %s: %d process%s, main pid %d; filter: cgroup v2 %s%s (id %llu, level %u)\n",
			what, c->nprocs, c->nprocs == 1 ? "" : "es", (int)c->main_pid, c->v2_mount, c->cgroup,
			(unsigned long long)c->cgroup_id, c->cgroup_level);
	else
		fprintf(f, "mcp-bpftrace: %s: %d process%s, main pid %d; filter: pid namespace %u "
			"(no cgroup v2 of its own)\n", what, c->nprocs, c->nprocs == 1 ? "" : "es",
			(int)c->main_pid, c->pidns_ino);
}
