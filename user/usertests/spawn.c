/* usertests on Kairos: a process is started by the kairos_spawn call. */
#include "ut.h"

long ut_spawn(const char *path, char *const argv[], char *const envp[])
{
    return SC(SYS_kairos_spawn, path, argv, envp);
}

const int ut_on_kairos = 1;
