#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "data_dir.h"
#include "source/kernel_features.h"
#include "source/uprobe/uprobe_multi.h"
#include "version.h"

/* "r0 = 0; exit": the smallest program the verifier takes. */
static const struct bpf_insn ret0[] = {
	{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	{.code = BPF_JMP | BPF_EXIT},
};

/* A tp_btf program is loaded against the tracepoint's BTF id and attached
 * as a raw tracepoint link, as bpf/uprobe.bpf.c's thread-exit hook is. */
static enum kf_state probe_tp_btf(void)
{
	int id = libbpf_find_vmlinux_btf_id("sched_process_exit", BPF_TRACE_RAW_TP);
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_RAW_TP);
	int prog, link;

	if (id < 0)
		return KF_NO;
	o.attach_btf_id = (__u32)id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "kf_tp_btf", "GPL", ret0, 2, &o);
	if (prog < 0)
		return errno == EPERM ? KF_UNKNOWN : KF_NO;
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link >= 0)
		close(link);
	close(prog);
	return link >= 0 ? KF_YES : KF_NO;
}

void kernel_features_probe(struct kernel_features *kf)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int rc;

	memset(kf, 0, sizeof(*kf));
	kf->btf = btf ? KF_YES : KF_NO;
	btf__free(btf);
	kf->uprobe = access("/sys/bus/event_source/devices/uprobe/type", R_OK) == 0 ? KF_YES : KF_NO;
	/* Whether BPF may be used at all (a uprobe's program type needs
	 * CAP_BPF and CAP_PERFMON): without it every answer below would be
	 * "no" for the wrong reason. libbpf's probes say 0, not why. */
	rc = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "kf_bpf", "GPL", ret0, 2, NULL);
	if (rc < 0 && (errno == EPERM || errno == EACCES)) {
		kf->bpf_errno = errno;
		kf->uprobe_multi = kf->ringbuf = kf->tp_btf = KF_UNKNOWN;
		return;
	}
	if (rc >= 0)
		close(rc);
	rc = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	kf->ringbuf = rc == 1 ? KF_YES : rc == 0 ? KF_NO : KF_UNKNOWN;
	kf->uprobe_multi = umulti_supported() ? KF_YES : KF_NO;
	kf->tp_btf = probe_tp_btf();
}

static const char *state(enum kf_state s)
{
	return s == KF_YES ? "yes" : s == KF_NO ? "no" : "unknown";
}

int version_print(FILE *f)
{
	struct kernel_features kf;
	struct utsname u;
	char dir[PATH_MAX];

	kernel_features_probe(&kf);
	fprintf(f, "mcp-bpftrace %s\n", MCP_BPFTRACE_VERSION);
	fprintf(f, "libbpf %s (built with %d.%d)\n", libbpf_version_string(), LIBBPF_MAJOR_VERSION,
		LIBBPF_MINOR_VERSION);
	if (uname(&u) == 0)
		fprintf(f, "kernel %s %s\n", u.release, u.machine);
	if (kf.bpf_errno)
		fprintf(f, "bpf: cannot be used here (%s): run as root, or with CAP_BPF and CAP_PERFMON, "
			"to see the BPF features\n", strerror(kf.bpf_errno));
	fprintf(f, "features: BTF %s, uprobe %s, uprobe_multi %s, ring buffer %s, tp_btf %s\n",
		state(kf.btf), state(kf.uprobe), state(kf.uprobe_multi), state(kf.ringbuf), state(kf.tp_btf));
	if (data_dir(dir, sizeof(dir))) {
		fprintf(f, "data: %s\n", dir);
	} else {
		char cand[3][4096];
		int n = data_dir_candidates(cand, 3);

		fprintf(f, "data: none found (looked in");
		for (int i = 0; i < n; i++)
			fprintf(f, "%s %s", i ? "," : "", cand[i]);
		fprintf(f, ")\n");
	}
	return 0;
}
