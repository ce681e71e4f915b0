/* OTLP resources: one per traced process (service.name, process.pid,
 * process.executable.name, host.name, container.id). */
#ifndef RESOURCES_H
#define RESOURCES_H

#include <sys/types.h>

struct resource {
	pid_t pid;
	char service[256];
	char exe_name[256];
	char container_id[80];
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

void resources_init(struct resource_table *rt);
void resources_free(struct resource_table *rt);
/* The resource of process `pid`, created from /proc on first sight. */
int resources_for_pid(struct resource_table *rt, pid_t pid, const char *service_hint);



#include "attrs.h"
/* The resource's attributes (index -1: the tracer itself). Returns count. */
int resources_attrs(const struct resource_table *rt, int idx, struct attr *out, int max);
#endif
