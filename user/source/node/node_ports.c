/* listen_ports: /proc/PID/fd socket inodes x /proc/PID/net/tcp{,6}. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "node_ports.h"

#define TCP_LISTEN 0x0A

bool listen_port_parse(const char *line, bool v6, struct listen_port *p)
{
	char addr[33];
	unsigned int port, st;
	unsigned long inode;

	memset(p, 0, sizeof(*p));
	/* "  0: 0100007F:240D 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1761848 ..." */
	if (sscanf(line, " %*d: %32[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*u %*d %lu", addr, &port,
		   &st, &inode) != 4)
		return false;
	if (st != TCP_LISTEN || port > 65535 || strlen(addr) != (v6 ? 32u : 8u))
		return false;
	/* The kernel prints the address as 32-bit words in host order. */
	for (size_t w = 0; w < strlen(addr) / 8; w++) {
		unsigned int word;

		if (sscanf(addr + w * 8, "%8x", &word) != 1)
			return false;
		memcpy(p->addr + w * 4, &word, 4);
	}
	p->v6 = v6;
	p->port = (unsigned short)port;
	p->inode = inode;
	return true;
}

/* The socket inodes among pid's open files, sorted; count or -1. */
static int socket_inodes(pid_t pid, unsigned long **out)
{
	char path[64], link[64];
	size_t n = 0, cap = 0;
	unsigned long *v = NULL;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);

	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));) {
		char fdpath[320];
		unsigned long ino;

		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, e->d_name);
		ssize_t l = readlink(fdpath, link, sizeof(link) - 1);

		if (l <= 0)
			continue;
		link[l] = 0;
		if (sscanf(link, "socket:[%lu]", &ino) != 1)
			continue;
		if (n == cap) {
			unsigned long *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		v[n++] = ino;
	}
	closedir(d);
	*out = v;
	return (int)n;
}

static bool has_inode(const unsigned long *v, int n, unsigned long ino)
{
	for (int i = 0; i < n; i++)
		if (v[i] == ino)
			return true;
	return false;
}

int listen_ports(pid_t pid, struct listen_port *out)
{
	unsigned long *inodes = NULL;
	int ninodes = socket_inodes(pid, &inodes), n = 0;

	if (ninodes < 0)
		return -1;
	for (int v6 = 0; v6 <= 1; v6++) {
		char path[64], line[512];

		snprintf(path, sizeof(path), "/proc/%d/net/tcp%s", (int)pid, v6 ? "6" : "");
		FILE *f = fopen(path, "re");

		if (!f)
			continue;
		while (n < LISTEN_PORTS_MAX && fgets(line, sizeof(line), f)) {
			struct listen_port p;

			if (listen_port_parse(line, v6, &p) && has_inode(inodes, ninodes, p.inode))
				out[n++] = p;
		}
		fclose(f);
	}
	free(inodes);
	return n;
}
