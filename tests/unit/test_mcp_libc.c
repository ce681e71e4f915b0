/* Where the mcp source's libc capture probes a function (mcp_libc.c): past
 * glibc 2.3x's `cmpb $0,__libc_single_threaded(%rip)` entry check, at the
 * `je` the kernel emulates, with the 4-argument functions' `mov
 * %ecx,%r10d` in between; at the entry of a function that starts with a
 * push; at the entry, said unknown, for anything else (the bytes of this
 * machine's libc.so.6, objdump -d). */
#include <stdint.h>
#include <unistd.h>
#include "source/mcp/mcp_libc.h"
#include "unit_test.h"

static uint64_t at(const uint8_t *b, size_t n, bool *known)
{
	return mcp_libc_probe_offset(b, n, known);
}

int main(void)
{
	bool known;
	/* write: cmpb $0x0,0xe3291(%rip); je +0x17 */
	const uint8_t write_[] = {0x80, 0x3d, 0x91, 0x32, 0x0e, 0x00, 0x00, 0x74, 0x17, 0xb8, 0x01, 0x00, 0x00, 0x00};
	/* send: cmpb; mov %ecx,%r10d; je +0x1c */
	const uint8_t send_[] = {0x80, 0x3d, 0x91, 0x0a, 0x0d, 0x00, 0x00, 0x41, 0x89, 0xca, 0x74, 0x1c, 0x45, 0x31};
	/* pwrite64: cmpb; mov %rcx,%r10; je +0x14 */
	const uint8_t pwrite_[] = {0x80, 0x3d, 0x61, 0x51, 0x0e, 0x00, 0x00, 0x49, 0x89, 0xca, 0x74, 0x14, 0xb8, 0x12};
	/* a je rel32 after the check */
	const uint8_t far_[] = {0x80, 0x3d, 0x01, 0x02, 0x03, 0x04, 0x00, 0x0f, 0x84, 0x10, 0x00, 0x00, 0x00, 0x90};
	/* recvmsg: push %rbx; sub $0x10,%rsp; cmpb ... */
	const uint8_t recvmsg_[] = {0x53, 0x48, 0x83, 0xec, 0x10, 0x80, 0x3d, 0x3c, 0x0b, 0x0d, 0x00, 0x00, 0x74, 0x22};
	/* push %r12 */
	const uint8_t push_r12[] = {0x41, 0x54, 0x55, 0x53};
	/* endbr64: not a shape we know */
	const uint8_t endbr[] = {0xf3, 0x0f, 0x1e, 0xfa, 0x80, 0x3d, 0, 0, 0, 0, 0, 0x74, 0x17, 0x90};
	/* the check with a non-zero immediate, or followed by no je: entry */
	const uint8_t cmp1[] = {0x80, 0x3d, 0x91, 0x32, 0x0e, 0x00, 0x01, 0x74, 0x17, 0, 0, 0, 0, 0};
	const uint8_t nojump[] = {0x80, 0x3d, 0x91, 0x32, 0x0e, 0x00, 0x00, 0x90, 0x74, 0, 0, 0, 0, 0};

	CHECK_EQ_INT(at(write_, sizeof(write_), &known), 7);
	CHECK(known);
	CHECK_EQ_INT(at(send_, sizeof(send_), &known), 10);
	CHECK(known);
	CHECK_EQ_INT(at(pwrite_, sizeof(pwrite_), &known), 10);
	CHECK(known);
	CHECK_EQ_INT(at(far_, sizeof(far_), &known), 7);
	CHECK(known);
	CHECK_EQ_INT(at(recvmsg_, sizeof(recvmsg_), &known), 0);
	CHECK(known);
	CHECK_EQ_INT(at(push_r12, sizeof(push_r12), &known), 0);
	CHECK(known);
	CHECK_EQ_INT(at(endbr, sizeof(endbr), &known), 0);
	CHECK(!known);
	CHECK_EQ_INT(at(cmp1, sizeof(cmp1), &known), 0);
	CHECK(!known);
	CHECK_EQ_INT(at(nojump, sizeof(nojump), &known), 0);
	CHECK(!known);
	/* too few bytes read (the file ends): entry, unknown */
	CHECK_EQ_INT(at(write_, 8, &known), 0);
	CHECK(!known);
	CHECK_EQ_INT(at(write_, 0, &known), 0);
	CHECK(!known);
	/* This machine's glibc: the functions the python and node sources read
	 * markers at are probed past the check (one trap, none stepped). */
	if (access("/lib/x86_64-linux-gnu/libc.so.6", R_OK) == 0) {
		CHECK(mcp_libc_func_probe_at("/lib/x86_64-linux-gnu/libc.so.6", "pwrite64", &known) > 0);
		CHECK(known);
		CHECK(mcp_libc_func_probe_at("/lib/x86_64-linux-gnu/libc.so.6", "write", &known) > 0);
		CHECK(known);
	}
	CHECK_EQ_INT(mcp_libc_func_probe_at("/lib/x86_64-linux-gnu/libc.so.6", "no_such_function", &known), 0);
	CHECK(!known);
	CHECK_EQ_INT(mcp_libc_func_probe_at("/nonexistent/libc.so.6", "write", &known), 0);
	CHECK(!known);
	CHECK_STR_EQ(mcp_capture_name(MCP_CAPTURE_AUTO), "auto");
	CHECK_STR_EQ(mcp_capture_name(MCP_CAPTURE_LIBC), "libc");
	CHECK_STR_EQ(mcp_capture_name(MCP_CAPTURE_SYSCALLS), "syscalls");
	UNIT_DONE();
}
