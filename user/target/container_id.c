/* Container ids from cgroup paths and /proc/PID/cgroup text, and the
 * cgroup v2 mount: pure functions of their text (container_id.h), kept
 * apart from the /proc scans because they parse what any process can
 * write into its own cgroup name (fuzzed: tests/fuzz/). */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "container_id.h"



bool container_is_hex(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	return n >= 1 && n <= CONTAINER_HEX_ID_LEN;
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

		if (n != pl + CONTAINER_HEX_ID_LEN || memcmp(s, prefixes[i], pl) || !is_hex_n(s + pl, CONTAINER_HEX_ID_LEN))
			continue;
		/* "libpod-conmon-<id>" never matches: "conmon-..." is not hex. */
		if (idlen) {
			size_t k = 0;

			for (; k < CONTAINER_HEX_ID_LEN && k + 1 < idlen; k++)
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
	char tmp[CONTAINER_HEX_ID_LEN + 1];

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
	char q[CONTAINER_HEX_ID_LEN + 1];
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
