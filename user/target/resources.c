/* Resource table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "container.h"
#include "proc_maps.h"
#include "resources.h"

void resources_init(struct resource_table *rt)
{
	const char *e;

	memset(rt, 0, sizeof(*rt));
	rt->v = calloc(RESOURCES_MAX, sizeof(*rt->v));
	if (gethostname(rt->host, sizeof(rt->host) - 1))
		snprintf(rt->host, sizeof(rt->host), "unknown");
	e = getenv("OTEL_SERVICE_NAME");
	if (e && *e)
		snprintf(rt->service_override, sizeof(rt->service_override), "%s", e);
	e = getenv("OTEL_RESOURCE_ATTRIBUTES");
	if (e && *e) {
		int bad = resources_set_extra(rt, e);

		if (bad)
			fprintf(stderr, "mcp-bpftrace: OTEL_RESOURCE_ATTRIBUTES: %d entr%s ignored "
				"(malformed, set by the tracer itself, or over %d)\n",
				bad, bad == 1 ? "y" : "ies", RESOURCES_EXTRA_MAX);
	}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Trims blanks and percent-decodes [s, e) into out; returns the end. */
static char *decode_part(const char *s, const char *e, char *out)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	for (; s < e; s++) {
		if (*s == '%' && e - s >= 3 && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			*out++ = (char)(hexval(s[1]) << 4 | hexval(s[2]));
			s += 2;
		} else {
			*out++ = *s;
		}
	}
	*out++ = 0;
	return out;
}

/* rt->extra holds the decoded pairs as "key\0value\0key\0value\0\0". */
int resources_set_extra(struct resource_table *rt, const char *spec)
{
	static const char *const reserved[] = {"process.pid", "process.executable.name",
					       "host.name", "container.id",
					       "container.process.pid"};
	size_t len = strlen(spec);
	char *buf = malloc(len + 3), *w = buf;
	int n = 0, ignored = 0;

	if (!buf)
		return 1;
	for (const char *p = spec; *p;) {
		const char *end = strchr(p, ','), *eq;

		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq) {
			char *key = w, *val = decode_part(p, eq, w);
			char *next = decode_part(eq + 1, end, val);
			bool skip = !key[0];

			for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
				skip = skip || !strcmp(key, reserved[i]);
			if (!skip && !strcmp(key, "service.name")) {
				if (!rt->service_override[0])
					snprintf(rt->service_override, sizeof(rt->service_override), "%s", val);
			} else if (skip || n == RESOURCES_EXTRA_MAX) {
				ignored++;
			} else {
				w = next;
				n++;
			}
		} else if (end > p) {
			ignored++;
		}
		p = *end ? end + 1 : end;
	}
	*w = 0;
	free(rt->extra);
	rt->extra = buf;
	return ignored;
}

void resources_free(struct resource_table *rt)
{
	free(rt->v);
	free(rt->extra);
	memset(rt, 0, sizeof(*rt));
}

/* exe_fallback, ppid: for a process already gone (resources_for_exec). */
static int resource_new(struct resource_table *rt, pid_t pid, const char *service_hint, const char *exe_fallback,
			pid_t ppid);

int resources_for_pid(struct resource_table *rt, pid_t pid, const char *service_hint)
{
	return resource_new(rt, pid, service_hint, NULL, 0);
}

int resources_for_exec(struct resource_table *rt, pid_t pid, pid_t ppid, const char *exe_name)
{
	return resource_new(rt, pid, NULL, exe_name, ppid);
}

static int resource_new(struct resource_table *rt, pid_t pid, const char *service_hint, const char *exe_fallback,
			pid_t ppid)
{
	/* Recent first: the same few processes send nearly every record. */
	for (int i = rt->n - 1; i >= 0; i--)
		if (rt->v[i].pid == pid)
			return i;
	if (!rt->v || rt->n == RESOURCES_MAX)
		return -1; /* counted under the tracer's own resource */
	struct resource *r = &rt->v[rt->n];
	char exe[4096], link[64];
	ssize_t n;

	memset(r, 0, sizeof(*r));
	r->pid = pid;
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		const char *b = strrchr(exe, '/');

		snprintf(r->exe_name, sizeof(r->exe_name), "%.255s", b ? b + 1 : exe);
	} else {
		proc_read_line(pid, "comm", r->exe_name, sizeof(r->exe_name));
	}
	if (!r->exe_name[0] && exe_fallback) /* gone already: the name it was exec'd by */
		snprintf(r->exe_name, sizeof(r->exe_name), "%.255s", exe_fallback);
	if (rt->service_override[0])
		snprintf(r->service, sizeof(r->service), "%s", rt->service_override);
	else if (service_hint && service_hint[0])
		snprintf(r->service, sizeof(r->service), "%s", service_hint);
	else
		snprintf(r->service, sizeof(r->service), "%s", r->exe_name[0] ? r->exe_name : "unknown");
	snprintf(r->container_id, sizeof(r->container_id), "%s", rt->container_id);
	/* A --pid target in a container: its id from its cgroup path. */
	if (!r->container_id[0])
		container_id_of_pid(pid, r->container_id, sizeof(r->container_id));
	/* A short-lived process gone before its exec was read (/bin/true in a
	 * container's shell): the container its parent runs in. */
	if (!r->container_id[0] && ppid > 0 && access(link, F_OK) != 0)
		container_id_of_pid(ppid, r->container_id, sizeof(r->container_id));
	r->vpid = container_vpid(pid);
	__atomic_store_n(&rt->n, rt->n + 1, __ATOMIC_RELEASE);
	return rt->n - 1;
}

int resources_attrs(const struct resource_table *rt, int idx, struct attr *out, int max)
{
	int n = 0;

	if (max < 6)
		return 0;
	if (idx < 0 || idx >= __atomic_load_n(&rt->n, __ATOMIC_ACQUIRE)) { /* the tracer's own health metrics */
		out[n++] = (struct attr){.key = "service.name", .type = AT_STR, .s = "mcp-bpftrace"};
		out[n++] = (struct attr){.key = "process.pid", .type = AT_INT, .i = getpid()};
		out[n++] = (struct attr){.key = "process.executable.name", .type = AT_STR, .s = "mcp-bpftrace"};
		out[n++] = (struct attr){.key = "host.name", .type = AT_STR, .s = rt->host};
		if (rt->container_id[0]) /* --container: what the health figures are about */
			out[n++] = (struct attr){.key = "container.id", .type = AT_STR, .s = rt->container_id};
	} else {
		const struct resource *r = &rt->v[idx];

		out[n++] = (struct attr){.key = "service.name", .type = AT_STR, .s = r->service};
		out[n++] = (struct attr){.key = "process.pid", .type = AT_INT, .i = r->pid};
		out[n++] = (struct attr){.key = "process.executable.name", .type = AT_STR, .s = r->exe_name};
		out[n++] = (struct attr){.key = "host.name", .type = AT_STR, .s = rt->host};
		if (r->container_id[0])
			out[n++] = (struct attr){.key = "container.id", .type = AT_STR, .s = r->container_id};
		if (r->vpid)
			out[n++] = (struct attr){.key = "container.process.pid", .type = AT_INT, .i = r->vpid};
	}
	/* OTEL_RESOURCE_ATTRIBUTES, on every resource. */
	for (const char *k = rt->extra; k && *k && n < max;) {
		const char *v = k + strlen(k) + 1;

		out[n++] = (struct attr){.key = k, .type = AT_STR, .s = v};
		k = v + strlen(v) + 1;
	}
	return n;
}
