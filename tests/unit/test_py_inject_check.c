/* The rules py_inject.c applies before touching a process: who may inject
 * (CAP_SYS_PTRACE, Yama's ptrace_scope) and which thread to borrow. */
#include "unit_test.h"
#include "source/python/py_inject_int.h"

static void test_access(void)
{
	char err[256];

	for (int scope = 0; scope <= 2; scope++) {
		err[0] = 0;
		CHECK_EQ_INT(py_inject_access_verdict(true, scope, err, sizeof(err)), 0);
		CHECK(err[0] == 0);
	}
	CHECK_EQ_INT(py_inject_access_verdict(true, 3, err, sizeof(err)), -1);
	CHECK(strstr(err, "Yama forbids ptrace on this machine") != NULL);
	CHECK(strstr(err, "ptrace_scope = 3") != NULL);
	for (int scope = 0; scope <= 3; scope++) {
		CHECK_EQ_INT(py_inject_access_verdict(false, scope, err, sizeof(err)), -1);
		CHECK(strstr(err, "needs CAP_SYS_PTRACE") != NULL);
		CHECK(strstr(err, "nothing was changed") != NULL);
		CHECK((strstr(err, "Yama") != NULL) == (scope >= 1));
	}
}

static void test_merit(void)
{
	/* /proc/PID/task/TID/syscall as the kernel writes it. */
	CHECK_EQ_INT(py_inject_thread_merit("running\n"), 2);
	CHECK_EQ_INT(py_inject_thread_merit("0 0x3 0x7ffd 0x1 0x0 0x0 0x0 0x7ffd 0x7f00\n"), 3); /* read */
	CHECK_EQ_INT(py_inject_thread_merit("202 0x55 0x189 0x0 0x0 0x0 0xffffffff 0x7ffd 0x7f00\n"), 3);
	CHECK_EQ_INT(py_inject_thread_merit("230 0x1 0x0 0x7ffd 0x7ffd 0x0 0x0 0x7ffd 0x7f00\n"), 3);
	CHECK_EQ_INT(py_inject_thread_merit("232 0x4 0x7ffd 0x400 0xffffffff 0 0 0x7ffd 0x7f00\n"), 1); /* epoll_wait: EINTR */
	CHECK_EQ_INT(py_inject_thread_merit("281 0x4 0x7ffd 0x400 0xffffffff 0 0 0x7ffd 0x7f00\n"), 1);
	CHECK_EQ_INT(py_inject_thread_merit("-1 0x7ffd 0x7f00\n"), 0); /* blocked, not in a call */
	CHECK_EQ_INT(py_inject_thread_merit(""), 0);                  /* unreadable */
}

int main(void)
{
	test_access();
	test_merit();
	UNIT_DONE();
}
