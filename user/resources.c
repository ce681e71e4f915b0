/* Resource table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "resources.h"

void resources_init(struct resource_table *rt)
{
	memset(rt, 0, sizeof(*rt));
	rt->v = calloc(RESOURCES_MAX, sizeof(*rt->v));
	if (gethostname(rt->host, sizeof(rt->host) - 1))
		snprintf(rt->host, sizeof(rt->host), "unknown");
}

void resources_free(struct resource_table *rt)
{
	free(rt->v);
	free(rt->extra);
	memset(rt, 0, sizeof(*rt));
}

static void proc_text(pid_t pid, const char *what, char *out, size_t len)
{
	char fn[64];
	FILE *f;

	out[0] = 0;
	snprintf(fn, sizeof(fn), "/proc/%d/%s", (int)pid, what);
	f = fopen(fn, "re");
	if (!f)
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}

int resources_for_pid(struct resource_table *rt, pid_t pid, const char *service_hint)
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
		proc_text(pid, "comm", r->exe_name, sizeof(r->exe_name));
	}
	if (rt->service_override[0])
		snprintf(r->service, sizeof(r->service), "%s", rt->service_override);
	else if (service_hint && service_hint[0])
		snprintf(r->service, sizeof(r->service), "%s", service_hint);
	else
		snprintf(r->service, sizeof(r->service), "%s", r->exe_name[0] ? r->exe_name : "unknown");
	snprintf(r->container_id, sizeof(r->container_id), "%s", rt->container_id);
	__atomic_store_n(&rt->n, rt->n + 1, __ATOMIC_RELEASE);
	return rt->n - 1;
}

int resources_attrs(const struct resource_table *rt, int idx, struct attr *out, int max)
{
	int n = 0;

	if (max < 5)
		return 0;
	if (idx < 0 || idx >= rt->n) { /* the tracer's own health metrics */
		out[n++] = (struct attr){.key = "service.name", .type = AT_STR, .s = "mcp-bpftrace"};
		out[n++] = (struct attr){.key = "process.pid", .type = AT_INT, .i = getpid()};
		out[n++] = (struct attr){.key = "process.executable.name", .type = AT_STR, .s = "mcp-bpftrace"};
		out[n++] = (struct attr){.key = "host.name", .type = AT_STR, .s = rt->host};
		return n;
	}
	const struct resource *r = &rt->v[idx];

	out[n++] = (struct attr){.key = "service.name", .type = AT_STR, .s = r->service};
	out[n++] = (struct attr){.key = "process.pid", .type = AT_INT, .i = r->pid};
	out[n++] = (struct attr){.key = "process.executable.name", .type = AT_STR, .s = r->exe_name};
	out[n++] = (struct attr){.key = "host.name", .type = AT_STR, .s = rt->host};
	if (r->container_id[0])
		out[n++] = (struct attr){.key = "container.id", .type = AT_STR, .s = r->container_id};
	return n;
}
