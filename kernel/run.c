/*
 * What the normal image runs after boot: the shell.  The test image links
 * tests/kernel/ktest.c, which defines kernel_run as the suite runner.
 */
#include "boot.h"
#include "shell.h"

int kernel_run(void *arg)
{
    (void)arg;
    shell_run();
    return 0;
}
