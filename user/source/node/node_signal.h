/* May SIGUSR1 be sent to this Node.js process? Only when the signal would
 * do what node documents: wake its inspector. The handler installed for
 * SIGUSR1 is read from the kernel (bpf/sighand.bpf.c) and named from the
 * symbols of the file it lies in; only node's own
 * node::inspector::StartIoThreadWakeup passes. Anything else is refused:
 * SIG_DFL (node has not installed it yet, or was built without the
 * inspector, or --disable-sigusr1: the signal would kill the process),
 * SIG_IGN, libuv's uv__signal_handler (the program called
 * process.on('SIGUSR1'): the signal would run its code and open nothing),
 * or a binary without symbols to tell (except Debian's layout: a stripped
 * libnode.so beside a libuv.so of its own; usr1_verdict). */
#ifndef NODE_SIGNAL_H
#define NODE_SIGNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The handler address of signal sig in process pid (0 SIG_DFL, 1 SIG_IGN);
 * 0, or -1 with err set. */
int signal_handler_of(pid_t pid, int sig, uint64_t *handler, char *err, size_t errlen);

/* Where a handler lies: the mapped file's base name, the function there
 * ("" without symbols), and whether libuv is a library of its own. */
struct handler_where {
	char file[256];
	char sym[256];
	bool libuv_apart;
};

/* Fills w for runtime address addr in pid; 0, or -1 with err set (no
 * mapped file covers it). */
int handler_where(pid_t pid, uint64_t addr, struct handler_where *w, char *err, size_t errlen);

enum usr1_handler {
	USR1_INSPECTOR = 1, /* node's inspector wake-up: the signal opens the inspector */
	USR1_LIBUV,         /* libuv's: process.on('SIGUSR1'), the program's code runs */
	USR1_OTHER,         /* another named function: someone's own handler */
	USR1_UNKNOWN,       /* cannot be told */
};

/* What the handler w is (pure, for the unit test). */
enum usr1_handler usr1_verdict(const struct handler_where *w);

/* 0 when SIGUSR1 would open node's inspector in pid; -1 with err saying
 * why it would not, and what the signal would do instead. */
int node_usr1_check(pid_t pid, char *err, size_t errlen);

/* 0 unless the process was started with an inspector of its own
 * (--inspect, --inspect-brk, --inspect-port in its command line or in
 * NODE_OPTIONS): a user's debugger may be attached; -1 with err then. */
int node_inspect_flag_check(pid_t pid, char *err, size_t errlen);

#endif
