/* OTLP resources: one per traced process (service.name, process.pid,
 * process.executable.name, host.name, container.id, container.process.pid). */
#ifndef RESOURCES_H
#define RESOURCES_H

#include <sys/types.h>

struct resource {
	pid_t pid;
	char service[256];
	char exe_name[256];
	char container_id[80];
	pid_t vpid; /* its pid in its own pid namespace (container.process.pid); 0: none */
};

#define RESOURCES_MAX 4096

/* Fixed capacity: exporter threads read entries while the consumer appends,
 * so entries never move. `n` is published after the entry is filled. */
struct resource_table {
	struct resource *v;
	int n;
	char host[256];
	char service_override[256]; /* --service-name / OTEL_SERVICE_NAME */
	char container_id[80];      /* set for --container runs */
	char *extra;                /* OTEL_RESOURCE_ATTRIBUTES, "k=v,k=v" */
};

/* At most this many OTEL_RESOURCE_ATTRIBUTES entries are used; the rest are
 * reported and ignored. */
#define RESOURCES_EXTRA_MAX 16
/* Enough for any resource: the 6 fixed attributes and the extra ones. */
#define RESOURCE_MAX_ATTRS (6 + RESOURCES_EXTRA_MAX)

/* Also reads OTEL_SERVICE_NAME (service_override) and OTEL_RESOURCE_ATTRIBUTES
 * (extra); a flag set afterwards wins. */
void resources_init(struct resource_table *rt);
/* Parses "k=v,k=v" (values URL-decoded, W3C Baggage style) into rt->extra.
 * Keys the tracer sets itself (process.pid, host.name ...) are skipped; a
 * service.name becomes the service_override when none is set yet. Returns
 * the number of entries ignored (malformed, reserved or over the limit). */
int resources_set_extra(struct resource_table *rt, const char *spec);
void resources_free(struct resource_table *rt);
/* The resource of process `pid`, created from /proc on first sight. */
int resources_for_pid(struct resource_table *rt, pid_t pid, const char *service_hint);
/* The same, for a process the exec source saw exec `exe_name` as a child
 * of `ppid` (0: unknown), made as soon as the exec is read (--all): when
 * the process is gone already, its name is exe_name and its container its
 * parent's. An existing resource is returned as it is. */
int resources_for_exec(struct resource_table *rt, pid_t pid, pid_t ppid, const char *exe_name);



#include "attrs.h"
/* The resource's attributes (index -1: the tracer itself). Returns count. */
int resources_attrs(const struct resource_table *rt, int idx, struct attr *out, int max);
#endif
