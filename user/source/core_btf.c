/* The kernel's BTF for CO-RE, cut to what our BPF objects name (core_btf.h). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "source/core_btf.h"
#include "core_btf_data.h" /* generated: core_btf_data[], core_btf_notes[] */

#define BUILD_ID_MAX 64

static bool decided;
static int memfd = -1;
static char path[64];
static struct bpf_object_open_opts opts = {.sz = sizeof(opts)};

bool core_btf_build_id(const unsigned char *notes, size_t len, unsigned char *id, size_t *idlen)
{
	size_t off = 0;

	while (len - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr h;

		memcpy(&h, notes + off, sizeof(h));
		off += sizeof(h);
		size_t name = ((size_t)h.n_namesz + 3) & ~(size_t)3, desc = ((size_t)h.n_descsz + 3) & ~(size_t)3;

		if (name > len - off || desc > len - off - name)
			return false;
		if (h.n_type == NT_GNU_BUILD_ID && h.n_namesz == 4 && !memcmp(notes + off, "GNU", 4) &&
		    h.n_descsz > 0 && h.n_descsz <= BUILD_ID_MAX) {
			memcpy(id, notes + off + name, h.n_descsz);
			*idlen = h.n_descsz;
			return true;
		}
		off += name + desc;
	}
	return false;
}

/* The running kernel's build id: /sys/kernel/notes is its .notes section. */
static bool running_build_id(unsigned char *id, size_t *idlen)
{
	unsigned char buf[4096];
	int fd = open("/sys/kernel/notes", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 && core_btf_build_id(buf, (size_t)n, id, idlen);
}

/* Why the cut copy is not used; NULL when it is. */
static const char *decide(void)
{
	unsigned char built[BUILD_ID_MAX], now[BUILD_ID_MAX];
	size_t nb = 0, nn = 0;

	if (getenv("MCP_BPFTRACE_FULL_BTF"))
		return "MCP_BPFTRACE_FULL_BTF is set";
	if (core_btf_data_len == 0 || !core_btf_build_id(core_btf_notes, core_btf_notes_len, built, &nb))
		return "this build has no cut copy";
	if (!running_build_id(now, &nn))
		return "the running kernel's build id is unknown";
	if (nn != nb || memcmp(now, built, nb))
		return "it was built for another kernel";
	/* A file libbpf can open by name, never on disk. */
	memfd = memfd_create("mcp-bpftrace-core-btf", MFD_CLOEXEC);
	if (memfd < 0)
		return "memfd_create failed";
	if (write(memfd, core_btf_data, core_btf_data_len) != (ssize_t)core_btf_data_len) {
		close(memfd);
		memfd = -1;
		return "cannot write the copy";
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	opts.btf_custom_path = path;
	return NULL;
}

const struct bpf_object_open_opts *core_btf_open_opts(bool verbose)
{
	if (!decided) {
		const char *why = decide();

		decided = true;
		if (verbose) {
			if (why)
				fprintf(stderr, "mcp-bpftrace: CO-RE against the kernel's own BTF (%s)\n", why);
			else
				fprintf(stderr, "mcp-bpftrace: CO-RE against this kernel's BTF cut at build time "
					"(%u bytes)\n", core_btf_data_len);
		}
	}
	return &opts;
}

void core_btf_release(void)
{
	if (memfd >= 0)
		close(memfd);
	memfd = -1;
	opts.btf_custom_path = NULL;
	decided = false;
}
