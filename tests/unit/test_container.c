/* Unit tests of the container resolver's parsing (user/container.c): cgroup
 * path -> container id for every runtime's layout, /proc/PID/cgroup files
 * (v2 line first, v1 fallback), id prefix matching and ambiguity, the
 * cgroup v2 mount point and --cgroup path normalization. */
#include <stdio.h>
#include <string.h>
#include "target/container.h"
#include "unit_test.h"

#define ID_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define ID_C "0123456789abcdef0123456789abcdef0123456789abcdef00000000ffffffff"

static char id[CONTAINER_ID_MAX];

/* The id a path names and the length of its container prefix. */
static size_t parse(const char *path)
{
	return container_parse_cgroup_path(path, id, sizeof(id));
}

static void test_runtime_formats(void)
{
	struct {
		const char *path, *prefix; /* prefix NULL: no container */
	} cases[] = {
		/* Docker, systemd cgroup driver */
		{"/system.slice/docker-" ID_A ".scope", "/system.slice/docker-" ID_A ".scope"},
		/* Docker, cgroupfs driver: a plain directory named by the id */
		{"/docker/" ID_A, "/docker/" ID_A},
		/* containerd / CRI, systemd driver, under a kubepods slice */
		{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice/cri-containerd-" ID_A ".scope",
		 "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice/cri-containerd-" ID_A ".scope"},
		/* kubepods, cgroupfs driver: the id as a directory */
		{"/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/" ID_A,
		 "/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/" ID_A},
		/* CRI-O */
		{"/kubepods.slice/kubepods-pod1.slice/crio-" ID_A ".scope",
		 "/kubepods.slice/kubepods-pod1.slice/crio-" ID_A ".scope"},
		/* Podman, systemd manager; crun's "container" sub-cgroup */
		{"/machine.slice/libpod-" ID_A ".scope", "/machine.slice/libpod-" ID_A ".scope"},
		{"/machine.slice/libpod-" ID_A ".scope/container", "/machine.slice/libpod-" ID_A ".scope"},
		/* Podman, cgroupfs manager (what this machine shows) */
		{"/libpod_parent/libpod-" ID_A, "/libpod_parent/libpod-" ID_A},
		/* Upper-case hex is still an id; the id comes back lower-case */
		{"/docker/0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
		 "/docker/0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = parse(cases[i].path);

		CHECK_EQ_INT(n, strlen(cases[i].prefix));
		CHECK_STR_EQ(id, ID_A);
	}
}

static void test_not_containers(void)
{
	const char *paths[] = {
		"/",
		"",
		"/user.slice/user-1000.slice/session-2.scope",
		"/system.slice/docker.service",
		/* conmon's own cgroups are not the container */
		"/machine.slice/libpod-conmon-" ID_A ".scope",
		"/kubepods.slice/crio-conmon-" ID_A ".scope",
		"/libpod_parent/conmon",
		/* 32 hex digits (this machine's memory:/process_api/<32 hex>) */
		"/process_api/f0c4b84eebd7e8bd94f771b2570efcdc",
		/* 63 and 65 digits, a non-hex digit */
		"/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
		"/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
		"/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
		/* a prefix we do not know */
		"/system.slice/lxc-" ID_A ".scope",
		/* crun run NAME: a name, found through crun's CLI instead */
		"/mytest",
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		size_t n = parse(paths[i]);

		if (n == 0 && id[0] == 0)
			UNIT_PASS();
		else
			UNIT_FAIL("'%s' named a container: %zu '%s'", paths[i], n, id);
	}
}

static void test_nested(void)
{
	/* docker in docker: the deepest component is the inner container */
	size_t n = parse("/docker/" ID_B "/docker/" ID_A);

	CHECK_STR_EQ(id, ID_A);
	CHECK_EQ_INT(n, strlen("/docker/" ID_B "/docker/" ID_A));
	/* a trailing slash or doubled slashes do not matter */
	n = parse("//libpod_parent//libpod-" ID_B "/");
	CHECK_STR_EQ(id, ID_B);
	CHECK_EQ_INT(n, strlen("//libpod_parent//libpod-" ID_B));
	/* NULL-length id buffer: only the prefix */
	CHECK_EQ_INT(container_parse_cgroup_path("/docker/" ID_A, NULL, 0), strlen("/docker/" ID_A));
}

static void test_proc_cgroup(void)
{
	char prefix[4096], v2[4096];
	/* Hybrid, as here: v1 lines and the v2 line all name the container */
	const char *hybrid =
		"9:name=systemd:/libpod_parent/libpod-" ID_A "\n"
		"4:memory:/libpod_parent/libpod-" ID_A "\n"
		"1:cpu:/libpod_parent/libpod-" ID_A "\n"
		"0::/libpod_parent/libpod-" ID_A "\n";

	CHECK_EQ_INT(container_parse_proc_cgroup(hybrid, id, sizeof(id), prefix, sizeof(prefix), v2, sizeof(v2)), 0);
	CHECK_STR_EQ(id, ID_A);
	CHECK_STR_EQ(prefix, "/libpod_parent/libpod-" ID_A);
	CHECK_STR_EQ(v2, "/libpod_parent/libpod-" ID_A);

	/* Pure v2, a process in the container's sub-cgroup */
	const char *v2only = "0::/machine.slice/libpod-" ID_B ".scope/container\n";

	CHECK_EQ_INT(container_parse_proc_cgroup(v2only, id, sizeof(id), prefix, sizeof(prefix), v2, sizeof(v2)), 0);
	CHECK_STR_EQ(id, ID_B);
	CHECK_STR_EQ(prefix, "/machine.slice/libpod-" ID_B ".scope");
	CHECK_STR_EQ(v2, "/machine.slice/libpod-" ID_B ".scope/container");

	/* Only v1 names it (the runtime left v2 alone): the id, no v2 prefix */
	const char *v1only =
		"5:devices:/docker/" ID_C "\n"
		"4:memory:/docker/" ID_C "\n"
		"0::/\n";

	CHECK_EQ_INT(container_parse_proc_cgroup(v1only, id, sizeof(id), prefix, sizeof(prefix), v2, sizeof(v2)), 0);
	CHECK_STR_EQ(id, ID_C);
	CHECK_STR_EQ(prefix, "");
	CHECK_STR_EQ(v2, "/");

	/* The host: nothing; v2 path still reported */
	const char *host =
		"9:name=systemd:/\n"
		"4:memory:/process_api/f0c4b84eebd7e8bd94f771b2570efcdc\n"
		"0::/user.slice\n";

	CHECK_EQ_INT(container_parse_proc_cgroup(host, id, sizeof(id), prefix, sizeof(prefix), v2, sizeof(v2)), -1);
	CHECK_STR_EQ(id, "");
	CHECK_STR_EQ(v2, "/user.slice");

	/* A v1 hierarchy with a ':' in its name list, no newline at the end */
	const char *odd = "3:cpu,cpuacct:/docker/" ID_A;

	CHECK_EQ_INT(container_parse_proc_cgroup(odd, id, sizeof(id), NULL, 0, NULL, 0), 0);
	CHECK_STR_EQ(id, ID_A);
	CHECK_EQ_INT(container_parse_proc_cgroup("", id, sizeof(id), NULL, 0, NULL, 0), -1);
}

static void test_match(void)
{
	const char *ids[] = {ID_A, ID_B, ID_C};
	int m;

	/* full id */
	CHECK_EQ_INT(container_match_id(ID_B, ids, 3, &m), 1);
	CHECK_EQ_INT(m, 1);
	/* unique short id (docker ps shows 12) */
	CHECK_EQ_INT(container_match_id("fedcba987654", ids, 3, &m), 1);
	CHECK_EQ_INT(m, 1);
	CHECK_EQ_INT(container_match_id("f", ids, 3, &m), 1);
	/* upper case */
	CHECK_EQ_INT(container_match_id("FEDCBA", ids, 3, &m), 1);
	CHECK_EQ_INT(m, 1);
	/* ambiguous: A and C share their first 49 digits */
	CHECK_EQ_INT(container_match_id("0123456789ab", ids, 3, &m), 2);
	CHECK_EQ_INT(m, 0);
	CHECK_EQ_INT(container_match_id("0123456789abcdef0123456789abcdef0123456789abcdef01", ids, 3, &m), 1);
	CHECK_EQ_INT(m, 0);
	CHECK_EQ_INT(container_match_id("0123456789abcdef0123456789abcdef0123456789abcdef00", ids, 3, &m), 1);
	CHECK_EQ_INT(m, 2);
	/* an exact id wins even if it were also a prefix of another */
	const char *ids2[] = {"abc", "abcd"};

	CHECK_EQ_INT(container_match_id("abc", ids2, 2, &m), 1);
	CHECK_EQ_INT(m, 0);
	/* none; not hex (a name); empty; too long */
	CHECK_EQ_INT(container_match_id("99", ids, 3, &m), 0);
	CHECK_EQ_INT(m, -1);
	CHECK_EQ_INT(container_match_id("my-agent", ids, 3, &m), 0);
	CHECK_EQ_INT(container_match_id("", ids, 3, &m), 0);
	CHECK_EQ_INT(container_match_id(ID_A "0", ids, 3, &m), 0);
	CHECK_EQ_INT(container_match_id("0", ids, 0, &m), 0);
}

static void test_is_hex(void)
{
	CHECK(container_is_hex("0"));
	CHECK(container_is_hex(ID_A));
	CHECK(container_is_hex("DeadBeef"));
	CHECK(!container_is_hex(""));
	CHECK(!container_is_hex(ID_A "0"));
	CHECK(!container_is_hex("mcp-a"));
	CHECK(!container_is_hex("12 34"));
}

static void test_v2_mount(void)
{
	char out[256];
	const char *hybrid =
		"24 1 0:22 / /sys rw,nosuid - sysfs sysfs rw\n"
		"30 24 0:26 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755\n"
		"31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
		"32 30 0:28 / /sys/fs/cgroup/systemd rw shared:11 - cgroup cgroup rw,xattr,name=systemd\n";
	const char *pure = "30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw\n";
	const char *escaped = "30 24 0:26 / /mnt/cg\\040v2 rw - cgroup2 none rw";
	const char *none = "32 30 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";

	CHECK_EQ_INT(container_v2_mount(hybrid, out, sizeof(out)), 0);
	CHECK_STR_EQ(out, "/sys/fs/cgroup/unified");
	CHECK_EQ_INT(container_v2_mount(pure, out, sizeof(out)), 0);
	CHECK_STR_EQ(out, "/sys/fs/cgroup");
	CHECK_EQ_INT(container_v2_mount(escaped, out, sizeof(out)), 0);
	CHECK_STR_EQ(out, "/mnt/cg v2");
	CHECK_EQ_INT(container_v2_mount(none, out, sizeof(out)), -1);
	CHECK_STR_EQ(out, "");
}

static void test_cgroup_rel(void)
{
	char out[4096];
	const char *m = "/sys/fs/cgroup/unified";

	CHECK_EQ_INT(container_cgroup_rel(m, "/sys/fs/cgroup/unified/libpod_parent/libpod-x", out, sizeof(out)), 0);
	CHECK_STR_EQ(out, "/libpod_parent/libpod-x");
	CHECK_EQ_INT(container_cgroup_rel(m, "/libpod_parent/libpod-x/", out, sizeof(out)), 0);
	CHECK_STR_EQ(out, "/libpod_parent/libpod-x");
	CHECK_EQ_INT(container_cgroup_rel(m, "libpod_parent//./libpod-x", out, sizeof(out)), 0);
	CHECK_STR_EQ(out, "/libpod_parent/libpod-x");
	CHECK_EQ_INT(container_cgroup_rel(m, "/sys/fs/cgroup/unified", out, sizeof(out)), 0);
	CHECK_STR_EQ(out, "/");
	/* a v1 hierarchy is not the v2 one */
	CHECK_EQ_INT(container_cgroup_rel(m, "/sys/fs/cgroup/memory/docker", out, sizeof(out)), -1);
	CHECK_EQ_INT(container_cgroup_rel(m, "/sys/fs/cgroup/unifiedx/a", out, sizeof(out)), -1);
	CHECK_EQ_INT(container_cgroup_rel(m, "/a/../../etc", out, sizeof(out)), -1);
	/* pure v2 */
	CHECK_EQ_INT(container_cgroup_rel("/sys/fs/cgroup", "/sys/fs/cgroup/system.slice/x.scope", out, sizeof(out)), 0);
	CHECK_STR_EQ(out, "/system.slice/x.scope");
	CHECK_EQ_INT(container_cgroup_rel("/sys/fs/cgroup", "system.slice/x.scope", out, sizeof(out)), 0);
	CHECK_STR_EQ(out, "/system.slice/x.scope");
	/* too small */
	CHECK_EQ_INT(container_cgroup_rel(m, "/abcdef", out, 4), -1);
}

int main(void)
{
	test_runtime_formats();
	test_not_containers();
	test_nested();
	test_proc_cgroup();
	test_match();
	test_is_hex();
	test_v2_mount();
	test_cgroup_rel();
	UNIT_DONE();
}
