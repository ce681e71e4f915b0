/* Running a script inside a running CPython (py_inject.h).
 *
 * 1. Borrow one thread (ptrace_call.c) and make it mmap one private page
 *    range: the target's malloc is never called, so a thread stopped inside
 *    malloc cannot deadlock or corrupt anything.
 * 2. Write into it a control block, a small wrapper script and the user's
 *    script (process_vm_writev).
 * 3. Call Py_AddPendingCall(PyRun_SimpleString, wrapper) in that thread and
 *    give the thread back, exactly as it was. The main thread runs the
 *    wrapper at its next check of the eval breaker.
 * 4. Poll the control block for the wrapper's result. On success, borrow a
 *    thread again to munmap the page.
 *
 * The wrapper sets "started", then runs only if "go" is still set; on
 * timeout we clear "go" first and then read "started": either we see it
 * started (and wait for its result) or it will see go cleared and do
 * nothing. That is why, after a timeout, the page must stay mapped: the
 * queued call still points into it. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include "source/python/py_inject.h"
#include "source/python/py_inject_int.h"
#include "source/python/ptrace_call.h"

/* Control block at the start of the mapping. */
#define CB_GO 8       /* 1: run; cleared by us on timeout */
#define CB_STARTED 9  /* set by the wrapper before it reads CB_GO */
#define CB_DONE 10    /* DONE_* written last by the wrapper */
#define CB_ERR 32     /* the exception, "Type: message", NUL-terminated */
#define CB_ERR_MAX 448
#define CB_WRAPPER 512
enum { DONE_NOT_YET, DONE_OK, DONE_RAISED, DONE_DEFUSED };

/* How long the borrowed thread may take inside Py_AddPendingCall (its
 * lock, held for a few instructions by whoever holds it). */
#define CALL_TIMEOUT_MS 1000

/* Runs at whatever safe point comes, possibly inside an import (site's
 * `os` during start-up): importing a module that is half made would take
 * importlib's module lock under the interrupted import and corrupt its
 * bookkeeping (the target died: "Fatal Python error: init_import_site",
 * KeyError in _ModuleLock.acquire). So no import here but of built-in
 * modules (posix, never half made; ctypes only if /proc/self/mem fails)
 * and __main__ (made before any import). */
static const char wrapper_fmt[] =
	"def %1$s():\n"
	"    import posix as os\n"
	"    c = 0x%2$llx\n"
	"    try:\n"
	"        f = os.open('/proc/self/mem', os.O_RDWR | os.O_CLOEXEC)\n"
	"        rd = lambda o, n: os.pread(f, n, c + o)\n"
	"        wr = lambda o, b: os.pwrite(f, b, c + o)\n"
	"    except OSError:\n"
	"        import ctypes\n"
	"        f = None\n"
	"        rd = lambda o, n: ctypes.string_at(c + o, n)\n"
	"        wr = lambda o, b: ctypes.memmove(c + o, b, len(b))\n"
	"    try:\n"
	"        wr(%3$d, b'\\x01')\n"
	"        if rd(%4$d, 1) != b'\\x01':\n"
	"            wr(%5$d, b'\\x03')\n"
	"            return\n"
	"        r, m = b'\\x01', b''\n"
	"        try:\n"
	"            import __main__\n"
	"            s = rd(%6$d, %7$zu).decode('utf-8')\n"
	"            exec(compile(s, '<mcp-bpftrace inject>', 'exec'), __main__.__dict__)\n"
	"        except BaseException as e:\n"
	"            r = b'\\x02'\n"
	"            try:\n"
	"                m = ('%%s: %%s' %% (type(e).__name__, e)).encode('utf-8', 'replace')\n"
	"            except BaseException:\n"
	"                m = b'exception'\n"
	"        wr(%8$d, m[:%9$d] + b'\\x00')\n"
	"        wr(%5$d, r)\n"
	"    finally:\n"
	"        if f is not None:\n"
	"            os.close(f)\n"
	"try:\n"
	"    %1$s()\n"
	"except BaseException:\n"
	"    pass\n"
	"finally:\n"
	"    globals().pop('%1$s', None)\n";

static struct py_inject_stats last_stats;

void py_inject_last_stats(struct py_inject_stats *out)
{
	*out = last_stats;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The whole mapping: control block, wrapper (NUL-terminated, as
 * PyRun_SimpleString wants), script. `addr` is where it will live. */
static char *build_page(uint64_t addr, const char *script, size_t size, size_t *script_off)
{
	char *page = calloc(1, size), name[48];
	size_t slen = strlen(script);
	int n;

	if (!page)
		return NULL;
	snprintf(name, sizeof(name), "_mcp_bpftrace_inject_%llx", (unsigned long long)addr);
	memcpy(page, "mcpinj1", 8);
	page[CB_GO] = 1;
	/* The script's offset depends on the wrapper's length, which prints
	 * it: the offset fits in the same digits once rounded up. */
	*script_off = size - slen - 1;
	n = snprintf(page + CB_WRAPPER, size - CB_WRAPPER - slen - 1, wrapper_fmt, name,
		     (unsigned long long)addr, CB_STARTED, CB_GO, CB_DONE, (int)*script_off, slen,
		     CB_ERR, CB_ERR_MAX - 1);
	if (n < 0 || (size_t)n >= size - CB_WRAPPER - slen - 1) {
		free(page);
		return NULL;
	}
	memcpy(page + *script_off, script, slen);
	return page;
}

static size_t page_size_for(const char *script)
{
	size_t need = CB_WRAPPER + sizeof(wrapper_fmt) + 256 + strlen(script) + 1;

	return (need + 4095) & ~(size_t)4095;
}

/* Borrows a thread, runs nr(args) there, gives it back. */
static int borrowed_syscall(pid_t pid, long nr, const uint64_t args[6], int64_t *ret, char *err,
			    size_t errlen)
{
	struct ptrace_thread t;
	char e2[256];
	int rc = ptrace_borrow(pid, py_inject_pick_thread(pid), &t, err, errlen);

	if (!rc)
		rc = ptrace_syscall(&t, nr, args, ret, err, errlen);
	if (ptrace_release(&t, e2, sizeof(e2)) && !rc) {
		snprintf(err, errlen, "%s", e2);
		rc = -1;
	}
	return rc;
}

/* Steps 1-3: the page mapped and filled, the call queued. *addr is the
 * page (0 when none was mapped); a page that holds a queued call is never
 * unmapped. Returns 0, or -1 with err (then *queued says whether the call
 * may have been queued all the same). */
static int queue_call(pid_t pid, const struct py_syms *s, const char *script, uint64_t *addr,
		      size_t size, bool *queued, char *err, size_t errlen)
{
	struct ptrace_thread t;
	char e2[256], *page = NULL;
	uint64_t args[6] = { 0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1ULL, 0 };
	uint64_t ret = 0;
	int64_t mret = 0;
	size_t script_off;
	double t0 = now_ms();
	int rc;

	*addr = 0;
	*queued = false;
	rc = ptrace_borrow(pid, py_inject_pick_thread(pid), &t, err, errlen);
	last_stats.tid = t.tid;
	if (!rc)
		rc = ptrace_syscall(&t, SYS_mmap, args, &mret, err, errlen);
	if (!rc && mret < 0 && mret > -4096) {
		snprintf(err, errlen, "mmap of %zu bytes in process %d failed: %s", size, (int)pid,
			 strerror((int)-mret));
		rc = -1;
	}
	if (!rc) {
		*addr = (uint64_t)mret;
		last_stats.page = *addr;
		page = build_page(*addr, script, size, &script_off);
		if (!page || ptrace_mem_write(pid, *addr, page, size)) {
			snprintf(err, errlen, "writing the script into process %d: %s", (int)pid,
				 page ? strerror(errno) : "out of memory");
			rc = -1;
		}
	}
	if (!rc) {
		rc = ptrace_call(&t, s->add_pending_call, s->run_simple_string, *addr + CB_WRAPPER, &ret,
				 CALL_TIMEOUT_MS, err, errlen);
		*queued = rc != 0 || (int)ret == 0; /* a call that did not return may have queued */
		if (!rc && (int)ret != 0) {
			snprintf(err, errlen, "Py_AddPendingCall in process %d returned %d (its queue "
				 "of pending calls is full); nothing was changed", (int)pid, (int)ret);
			rc = -1;
		}
	}
	if (rc && *addr && !*queued && !t.gone) {
		/* Nothing points into the page: take it back while we hold the thread. */
		uint64_t un[6] = { *addr, size, 0, 0, 0, 0 };
		int64_t r2;

		ptrace_syscall(&t, SYS_munmap, un, &r2, e2, sizeof(e2));
	}
	if (ptrace_release(&t, e2, sizeof(e2)) && !rc) {
		snprintf(err, errlen, "%s", e2);
		rc = -1;
	}
	last_stats.stopped_ms = now_ms() - t0;
	free(page);
	return rc;
}

/* Polls the wrapper's done byte until it is set or deadline. */
static int wait_done(pid_t pid, uint64_t addr, double deadline, uint8_t *done)
{
	long nap_ns = 50000;

	for (;;) {
		if (ptrace_mem_read(pid, addr + CB_DONE, done, 1))
			return -1;
		if (*done != DONE_NOT_YET || now_ms() >= deadline)
			return 0;
		nanosleep(&(struct timespec){ 0, nap_ns }, NULL);
		if (nap_ns < 5000000)
			nap_ns *= 2;
	}
}

/* A page no queued call points into any more, given back. A failure only
 * leaves the page behind. */
static void unmap_page(pid_t pid, uint64_t addr, size_t size)
{
	uint64_t un[6] = { addr, size, 0, 0, 0, 0 };
	char e2[256];
	int64_t r2;

	borrowed_syscall(pid, SYS_munmap, un, &r2, e2, sizeof(e2));
}

/* The wrapper finished (ok or raised): its result, and the page unmapped. */
static int finish(pid_t pid, uint64_t addr, size_t size, uint8_t done, char *err, size_t errlen)
{
	char text[CB_ERR_MAX + 1] = "";

	if (done == DONE_RAISED) {
		if (ptrace_mem_read(pid, addr + CB_ERR, text, CB_ERR_MAX))
			snprintf(text, sizeof(text), "(its message could not be read)");
		text[CB_ERR_MAX] = 0;
	}
	/* The wrapper wrote DONE last and touches the page no more. */
	unmap_page(pid, addr, size);
	if (done == DONE_RAISED) {
		snprintf(err, errlen, "the script raised %s", text);
		return -1;
	}
	return 0;
}

static int exited(pid_t pid, char *err, size_t errlen)
{
	snprintf(err, errlen, "process %d exited during the injection, before the script's result came back", (int)pid);
	return -1;
}

/* How long a queued call is trusted to be still in CPython's queue: one
 * queued while the interpreter starts (-- COMMAND) was seen never to run
 * (3 runs in 12 under load, Debian's 3.11 and pyenv's), so re-arming it
 * forever traced nothing; after this a fresh call is queued (the old one
 * stays defused, its page mapped). A main thread in C for minutes adds
 * one queue entry per this much, not one per try. */
#define REARM_FOR_NS (10ULL * 1000000000ULL)

/* A live call of script in pid, at *addr: the one an earlier run of the
 * same script left defused, re-armed (no ptrace needed) when it has not
 * run yet and is recent, else a new one queued. *fresh says which;
 * *queued_ns when the live call was queued. 0, or -1 with err. */
static int arm(pid_t pid, const struct py_syms *s, const char *script, uint64_t *addr, size_t *size,
	       bool *fresh, uint64_t *queued_ns, char *err, size_t errlen)
{
	uint8_t cb[3], one = 1, zero = 0; /* go, started, done */
	uint64_t old, old_queued;
	size_t old_size;
	bool queued;

	if (py_pending_take(pid, script, &old, &old_size, &old_queued)) {
		if (ptrace_mem_read(pid, old + CB_GO, cb, sizeof(cb)))
			return exited(pid, err, errlen);
		if (!cb[1] && (uint64_t)(now_ms() * 1e6) - old_queued < REARM_FOR_NS) {
			if (ptrace_mem_write(pid, old + CB_GO, &one, 1))
				return exited(pid, err, errlen);
			*addr = last_stats.page = old;
			*size = old_size;
			*fresh = false;
			*queued_ns = old_queued;
			return 0;
		}
		if (cb[2]) /* it ran, defused: nothing points into its page */
			unmap_page(pid, old, old_size);
	}
	*size = page_size_for(script);
	*fresh = true;
	*queued_ns = (uint64_t)(now_ms() * 1e6);
	if (queue_call(pid, s, script, addr, *size, &queued, err, errlen)) {
		if (queued && *addr) /* Py_AddPendingCall did not return: it may have queued */
			ptrace_mem_write(pid, *addr + CB_GO, &zero, 1);
		return -1;
	}
	return 0;
}

int py_inject_run(pid_t pid, const char *script, int timeout_ms, char *err, size_t errlen)
{
	struct py_syms s;
	size_t size;
	uint64_t addr;
	uint8_t done = 0, zero = 0, started = 0;
	bool fresh;
	uint64_t queued_ns = 0;
	double t0 = now_ms();

	memset(&last_stats, 0, sizeof(last_stats));
	if (py_inject_check_access(err, errlen) || py_inject_find_syms(pid, &s, err, errlen) ||
	    py_inject_check_signals(pid, err, errlen))
		return -1;
	for (int attempt = 0;; attempt++) {
		if (arm(pid, &s, script, &addr, &size, &fresh, &queued_ns, err, errlen))
			return -1;
		if (wait_done(pid, addr, t0 + timeout_ms, &done))
			return exited(pid, err, errlen);
		/* Re-armed a moment too late: it had just run, defused. Once more. */
		if (done == DONE_DEFUSED && !fresh && attempt == 0) {
			unmap_page(pid, addr, size);
			continue;
		}
		break;
	}
	last_stats.run_ms = now_ms() - t0;
	if (done == DONE_OK || done == DONE_RAISED)
		return finish(pid, addr, size, done, err, errlen);
	/* Timeout: defuse, then see whether the wrapper got in first. */
	if (ptrace_mem_write(pid, addr + CB_GO, &zero, 1) ||
	    ptrace_mem_read(pid, addr + CB_STARTED, &started, 1))
		return exited(pid, err, errlen);
	if (started) {
		if (wait_done(pid, addr, now_ms() + timeout_ms, &done))
			return exited(pid, err, errlen);
		if (done == DONE_OK || done == DONE_RAISED)
			return finish(pid, addr, size, done, err, errlen);
		if (done == DONE_NOT_YET) {
			snprintf(err, errlen, "the script started in process %d at the %d ms deadline and "
				 "is still running %d ms later; it was not stopped", (int)pid, timeout_ms,
				 timeout_ms);
			return -1;
		}
	} else {
		py_pending_add(pid, addr, size, script, queued_ns); /* for a retry to re-arm */
	}
	snprintf(err, errlen, "the main thread of process %d has not returned to Python in %d ms "
		 "(it is in a long C call or blocked); nothing was changed", (int)pid, timeout_ms);
	return -1;
}
