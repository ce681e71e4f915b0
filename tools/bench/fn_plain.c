/* The bound function with an ordinary entry (push %rbp: built with frame
 * pointers). Separate translation unit so the loop cannot inline it. */
#include "bench_fn.h"

__attribute__((noinline)) long bench_plain(const char *model, long prompt_len)
{
	volatile long v = prompt_len; /* a stack slot: the entry keeps push %rbp */

	__asm__ volatile("" : : "r"(model) : "memory");
	return v & 0xffff;
}
