/* Unit tests of user/source/core_btf.c: the kernel build id it compares
 * before it relocates against the BTF cut at build time. */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "source/core_btf.h"
#include "unit_test.h"

/* Appends one ELF note (name, type, desc) as the kernel lays them out:
 * name and desc each padded to 4 bytes. Returns the new length. */
static size_t add_note(unsigned char *buf, size_t off, const char *name, unsigned type, const void *desc,
		       size_t dlen)
{
	Elf64_Nhdr h = {.n_namesz = (Elf64_Word)(strlen(name) + 1), .n_descsz = (Elf64_Word)dlen, .n_type = type};

	memcpy(buf + off, &h, sizeof(h));
	off += sizeof(h);
	memset(buf + off, 0, (h.n_namesz + 3) & ~3u);
	memcpy(buf + off, name, h.n_namesz);
	off += (h.n_namesz + 3) & ~3u;
	memset(buf + off, 0, (dlen + 3) & ~3u);
	memcpy(buf + off, desc, dlen);
	return off + ((dlen + 3) & ~3u);
}

static void test_build_id(void)
{
	unsigned char buf[512], id[64];
	const unsigned char want[20] = {0x4a, 0x5a, 0x9b, 0x0a, 0xff, 0xb6, 0x6c, 0x43, 0x7a, 0xbc,
					0xd4, 0x55, 0xd2, 0x73, 0x8a, 0xf8, 0x79, 0x98, 0x5f, 0xa9};
	size_t n, len = 0;

	/* After other notes (Xen's, "Linux" ones), whatever their padding. */
	n = add_note(buf, 0, "Xen", 5, "abcdef", 6);
	n = add_note(buf, n, "Linux", 0x100, "\x01\x02\x03", 3);
	n = add_note(buf, n, "GNU", NT_GNU_BUILD_ID, want, sizeof(want));
	CHECK(core_btf_build_id(buf, n, id, &len));
	CHECK_EQ_INT(len, sizeof(want));
	CHECK(memcmp(id, want, sizeof(want)) == 0);

	/* Cut anywhere inside the build-id note: not found, never read past. */
	for (size_t cut = n - 1; cut > n - 40; cut--)
		CHECK(!core_btf_build_id(buf, cut, id, &len));

	/* A build-id type under another name is not it; nor is a GNU note of
	 * another type; nor an empty one. */
	n = add_note(buf, 0, "XYZ", NT_GNU_BUILD_ID, want, sizeof(want));
	n = add_note(buf, n, "GNU", NT_GNU_ABI_TAG, want, 16);
	n = add_note(buf, n, "GNU", NT_GNU_BUILD_ID, "", 0);
	CHECK(!core_btf_build_id(buf, n, id, &len));
	CHECK(!core_btf_build_id(buf, 0, id, &len));

	/* A note claiming more than there is. */
	Elf64_Nhdr h = {.n_namesz = 4, .n_descsz = 0xffffffffu, .n_type = NT_GNU_BUILD_ID};

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), "GNU", 4);
	CHECK(!core_btf_build_id(buf, sizeof(h) + 4 + 20, id, &len));
}

/* This machine's /sys/kernel/notes, when it can be read: it has one. */
static void test_running_kernel(void)
{
	unsigned char buf[4096], id[64];
	size_t len = 0;
	int fd = open("/sys/kernel/notes", O_RDONLY);

	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf));

	close(fd);
	if (n > 0) {
		CHECK(core_btf_build_id(buf, (size_t)n, id, &len));
		CHECK(len >= 16 && len <= 64);
	}
}

int main(void)
{
	test_build_id();
	test_running_kernel();
	UNIT_DONE();
}
