/* uprobe_multi links through the raw bpf() system call (see uprobe_multi.h).
 *
 * Why: a perf-event uprobe costs the kernel an RCU grace period when it is
 * removed (~0.1 s here, one after another under a global mutex), so 30
 * probes took 3.5 s to detach. A uprobe_multi link removes all its probes
 * and then waits once. */
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "uprobe_multi.h"

/* union bpf_attr's link_create for uprobe_multi, as the kernel lays it out
 * (include/uapi/linux/bpf.h since 6.6; Debian 12's headers predate it). */
struct umulti_attr {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;
	uint64_t offsets;
	uint64_t ref_ctr_offsets;
	uint64_t cookies;
	uint32_t cnt;
	uint32_t uflags;
	uint32_t pid;
	uint32_t zero; /* the kernel wants what follows its last field zeroed */
};
_Static_assert(sizeof(struct umulti_attr) == 64, "link_create.uprobe_multi layout");

enum { F_RETURN = 1 }; /* BPF_F_UPROBE_MULTI_RETURN */

static long sys_bpf(int cmd, void *attr, unsigned int size)
{
	return syscall(__NR_bpf, cmd, attr, size);
}

static uint64_t ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

int umulti_attach(int prog_fd, const char *path, pid_t pid, bool ret, const uint64_t *offsets,
		  const uint64_t *cookies, uint32_t cnt)
{
	return umulti_attach_as(prog_fd, UMULTI_ATTACH_TYPE, path, pid, ret, offsets, cookies, cnt);
}

int umulti_attach_as(int prog_fd, uint32_t attach_type, const char *path, pid_t pid, bool ret,
		     const uint64_t *offsets, const uint64_t *cookies, uint32_t cnt)
{
	struct umulti_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.prog_fd = (uint32_t)prog_fd;
	a.attach_type = attach_type;
	a.path = ptr(path);
	a.offsets = ptr(offsets);
	a.cookies = ptr(cookies);
	a.cnt = cnt;
	a.uflags = ret ? F_RETURN : 0;
	a.pid = pid > 0 ? (uint32_t)pid : 0;
	fd = sys_bpf(BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : (int)fd;
}

/* A kernel with uprobe_multi refuses a link on a directory with EBADF
 * (after checking the attach type); an older one fails earlier with
 * EINVAL. The probe program is "r0 = 0; exit". */
static bool probe(uint32_t attach_type)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = attach_type);
	uint64_t off = 0, cookie = 0;
	int prog, link;

	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "umulti_probe", "GPL", insns, 2, &o);
	if (prog < 0)
		return false;
	link = umulti_attach_as(prog, attach_type, "/", 0, false, &off, &cookie, 1);
	if (link >= 0)
		close(link);
	close(prog);
	return link >= 0 || link == -EBADF;
}

bool umulti_supported(void)
{
	static int known = -1;

	if (known < 0)
		known = probe(UMULTI_ATTACH_TYPE);
	return known;
}

bool umulti_session_supported(void)
{
	static int known = -1;

	if (known < 0)
		known = probe(UMULTI_SESSION_ATTACH_TYPE);
	return known;
}
