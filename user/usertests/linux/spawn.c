/*
 * usertests on Linux (build/host/usertests-linux, tests/unit/usertests-linux.sh):
 * posix_spawn stands in for kairos_spawn, so the suite can be checked
 * against the kernel whose semantics Kairos follows.
 */
#include <spawn.h>

#include "ut.h"

long ut_spawn(const char *path, char *const argv[], char *const envp[])
{
    pid_t pid;
    int err = posix_spawn(&pid, path, NULL, NULL, argv, envp);

    return err != 0 ? -err : pid;
}

const int ut_on_kairos = 0;
