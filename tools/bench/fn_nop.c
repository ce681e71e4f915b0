/* The bound function again, compiled with -pg -mfentry -mnop-mcount: its
 * first instruction is a 5-byte nop, where this kernel turns a uprobe into a
 * call to a trampoline instead of an int3 trap. Keep it identical to
 * bench_plain in fn_plain.c but for the flags. */
#include "bench_fn.h"

__attribute__((noinline)) long bench_nop(const char *model, long prompt_len)
{
	volatile long v = prompt_len; /* a stack slot: the entry keeps push %rbp */

	__asm__ volatile("" : : "r"(model) : "memory");
	return v & 0xffff;
}
