/*
 * init: the first process (pid 1).
 *
 * When a process exits, its children are given to init (kernel/proc/proc.c), so
 * init waits for any child, forever: every orphan is reaped here and none
 * stays a zombie.  One of init's own children is the shell; when it exits,
 * init reports its code and starts a new one.  A shell that failed (a
 * negative code: its input or output is gone) would fail again, so it is
 * not restarted; once init has no child at all, nothing can ever run again
 * and init powers the machine off.
 */
#include "init.h"

#include "arch.h"
#include "kerrno.h"
#include "process.h"
#include "shell.h"
#include "usys.h"

#define STDOUT 1

/* Written only by init; a word-sized read needs no lock. */
static volatile unsigned long orphans_reaped;

unsigned long init_orphans_reaped(void)
{
    return orphans_reaped;
}

/* Start a shell; its pid, or -errno after saying why. */
static pid_t start_shell(void)
{
    pid_t pid = spawn_kernel_process("sh", shell_main, NULL);

    if (pid < 0) {
        fdprintf(STDOUT, "init: cannot start the shell: %s\n", errno_name(pid));
    }
    return pid;
}

/* The shell exited with code: start another unless it failed. */
static pid_t shell_exited(pid_t pid, int code)
{
    fdprintf(STDOUT, "init: sh (pid %d) exited with code %d\n", pid, code);
    if (code < 0) {
        fdprintf(STDOUT, "init: the shell failed (%s); not restarting it\n",
                 errno_name(code));
        return -1;
    }
    return start_shell();
}

int init_main(void *arg)
{
    pid_t shell = start_shell();

    (void)arg;
    for (;;) {
        int code;
        pid_t pid = wait_for_child(-1, &code);

        if (pid < 0) {
            fdprintf(STDOUT, "init: no processes left (%s); powering off\n",
                     errno_name(pid));
            arch_poweroff();
            arch_halt();
        }
        if (pid == shell) {
            shell = shell_exited(pid, code);
        } else {
            orphans_reaped++;
        }
    }
}
