/*
 * Death tests for the host suites: run a function in a forked child that
 * must abort (a panic or KASSERT on the host ends in abort), and check what
 * it printed.  Include after <cmocka.h>.
 */
#ifndef KAIROS_TEST_DEATH_H
#define KAIROS_TEST_DEATH_H

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "klog.h"

static void death_sink(const char *buf, size_t len)
{
    if (write(STDOUT_FILENO, buf, len) < 0) {
        _exit(2);
    }
}

/*
 * fn, in a forked child, must abort with want in its output, and (when
 * never is not NULL) without never in it.
 */
static inline void expect_death(void (*fn)(void), const char *want,
                                const char *never)
{
    int fds[2], status;
    char out[4096] = "";
    size_t got = 0;
    ssize_t n;
    pid_t child;

    assert_int_equal(pipe(fds), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        klog_add_sink(death_sink);
        fn(); /* must never return */
        _exit(0);
    }
    close(fds[1]);
    while (got < sizeof(out) - 1 &&
           (n = read(fds[0], out + got, sizeof(out) - 1 - got)) > 0) {
        got += (size_t)n;
    }
    close(fds[0]);
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    if (strstr(out, want) == NULL) {
        fail_msg("no \"%s\" in: %s", want, out);
    }
    if (never != NULL && strstr(out, never) != NULL) {
        fail_msg("\"%s\" in: %s", never, out);
    }
}

#endif
