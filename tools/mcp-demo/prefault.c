#define _GNU_SOURCE
#include "prefault.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Reads whole pages on purpose, redzones between globals included. */
__attribute__((no_sanitize("address"))) long prefault_executable(void)
{
	char exe[PATH_MAX], line[PATH_MAX + 128];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	long page = sysconf(_SC_PAGESIZE), pages = 0;
	FILE *maps;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	maps = fopen("/proc/self/maps", "r");
	if (!maps)
		return -1;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long start, end;
		char perms[5];
		int path_at = 0;
		char *path;

		if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &start, &end,
			   perms, &path_at) < 3 || !path_at)
			continue;
		path = line + path_at;
		path[strcspn(path, "\n")] = '\0';
		if (perms[0] != 'r' || strcmp(path, exe) != 0)
			continue;
		for (unsigned long a = start; a < end; a += (unsigned long)page) {
			(void)*(volatile const char *)(uintptr_t)a;
			pages++;
		}
		/* Keeps them resident too; fine to fail without privileges. */
		(void)mlock((const void *)(uintptr_t)start, end - start);
	}
	fclose(maps);
	return pages;
}
