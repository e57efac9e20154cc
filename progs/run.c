/*
 * What the normal image's first process runs: init (progs/init.c), which
 * starts the shell.  The test image links tests/kernel/ktest.c instead,
 * whose kernel_run runs the suites.
 */
#include "boot.h"
#include "init.h"

const bool kernel_run_reads_test_options = false;

int kernel_run(void *arg)
{
    return init_main(arg);
}
