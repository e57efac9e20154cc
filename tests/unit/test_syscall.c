/*
 * The system call layer on the host (kernel/sys/syscall.c), under
 * AddressSanitizer and UBSan: wait4 stores a status through any pointer
 * the caller passes, misaligned ones too, and the idle task, which has no
 * descriptors, gets -EBADF from read and write instead of blocking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "machine.h"

#include "kerrno.h"
#include "process.h"
#include "syscall.h"

static int exit_with(void *arg)
{
    return (int)(intptr_t)arg;
}

static unsigned char status_buf[16]; /* the status lands at an odd offset */

/* wait4 with a status pointer at every misalignment 1..3 of an int. */
static int wait_misaligned(void *arg)
{
    (void)arg;
    for (int off = 1; off < 4; off++) {
        pid_t child = spawn_kernel_process("child", exit_with,
                                           (void *)(intptr_t)(off + 40));
        int want = (off + 40) << 8, got;

        memset(status_buf, 0xAA, sizeof(status_buf));
        EXPECT_EQ(arch_syscall(SYS_wait4, child, (long)(status_buf + off), 0, 0,
                               0, 0),
                  child);
        memcpy(&got, status_buf + off, sizeof(got));
        EXPECT_EQ(got, want);
        EXPECT_EQ(status_buf[off - 1], 0xAA); /* neighbours untouched */
        EXPECT_EQ(status_buf[off + sizeof(int)], 0xAA);
    }
    return 0;
}

static void test_wait4_misaligned_status(void **state)
{
    (void)state;
    assert_true(spawn_kernel_process("waiter", wait_misaligned, NULL) > 0);
    start_scheduler();
    machine_expect_none();
}

/* The test body is the idle task. */
static void test_read_from_idle_is_ebadf(void **state)
{
    char buf[4] = "abc";

    (void)state;
    assert_int_equal(current_pid(), 0);
    for (int fd = 0; fd < 3; fd++) {
        assert_int_equal(arch_syscall(SYS_read, fd, (long)buf, 1, 0, 0, 0),
                         -EBADF);
        assert_int_equal(arch_syscall(SYS_write, fd, (long)buf, 1, 0, 0, 0),
                         -EBADF);
    }
    assert_string_equal(buf, "abc");
}

#define T(f) cmocka_unit_test_setup_teardown(f, machine_setup, machine_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_wait4_misaligned_status),
        T(test_read_from_idle_is_ebadf),
    };

    if (machine_alloc() != 0) {
        return 1;
    }
    alarm(TEST_TIMEOUT_S);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
