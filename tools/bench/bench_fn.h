/* The functions every benchmark binds: (char *model, long prompt_length) ->
 * a non-negative long, like a model call that succeeded. */
#ifndef BENCH_FN_H
#define BENCH_FN_H
long bench_plain(const char *model, long prompt_len);
long bench_nop(const char *model, long prompt_len);
#endif
