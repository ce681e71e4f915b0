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
#include "container_runtime.h"
#include "target.h"


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
	if (nm == 1 && strlen(query) == CONTAINER_HEX_ID_LEN) {
		snprintf(c->runtime, sizeof(c->runtime), "cgroup");
		rc = finish_by_id(c, &l, ids[match], err, errlen);
	} else if (container_ask_runtimes(query, &hit, asked, sizeof(asked)) == 0) {
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
		char q[CONTAINER_HEX_ID_LEN + 1];
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
