/* Asking the container runtimes' CLIs what a name means. */
#ifndef CONTAINER_RUNTIME_H
#define CONTAINER_RUNTIME_H

#include <stddef.h>
#include <sys/types.h>
#include "container_id.h"

/* What a runtime's CLI says about a name. */
struct cli_hit {
	char id[CONTAINER_ID_MAX];
	pid_t pid;
	char runtime[16];
};

/* Asks podman, docker, crun and runc in turn (those installed) about `name`.
 * Returns 0 with `h` filled when one knows it, -1 otherwise; `asked` lists
 * the tools that were asked, for the error message. */
int container_ask_runtimes(const char *name, struct cli_hit *h, char *asked, size_t alen);

#endif
