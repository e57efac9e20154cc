/*
 * init: the first process (pid 1).
 *
 * When a process exits, its children are given to init (kernel/proc/proc.c), so
 * init waits for any child, forever: every orphan is reaped here and none
 * stays a zombie.  One of init's own children runs on the console: the
 * built-in shell, or the program the kernel option init=PATH names (its
 * arguments in init.args=, separated by commas: docs/boot.md).  When the
 * shell exits, init reports its code and starts a new one; when the init=
 * program exits, init reports how it ended and starts the built-in shell
 * in its place (so the machine stays usable, and a program that exits at
 * once is not run in a loop).  A shell that failed (a negative code: its
 * input or output is gone) would fail again, so it is not restarted; once
 * init has no child at all, nothing can ever run again and init powers the
 * machine off.
 */
#include "init.h"

#include "arch.h"
#include "cmdline.h"
#include "exec.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"
#include "pgrp.h"
#include "proc.h"
#include "shell.h"
#include "usys.h"

#define STDOUT        1
#define INIT_ARGS_MAX (CMDLINE_WORD_MAX / 2 + 2) /* path, words, NULL */

/* Written only by init; a word-sized read needs no lock. */
static volatile unsigned long orphans_reaped;

/* The init= program's environment, as Linux gives its init (and PATH). */
static const char *const init_env[] = {
    "HOME=/", "TERM=linux", "PATH=/bin:/sbin:/usr/bin:/usr/sbin", NULL};

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

/*
 * argv for the init= program: the path, then init.args= split at every
 * comma (an empty piece is an empty argument; no init.args=: none).
 */
static void init_argv(const char *path, const char *argv[INIT_ARGS_MAX])
{
    static char words[CMDLINE_WORD_MAX];
    const char *args = cmdline_get("init.args");
    size_t n = 0;
    char *w = words;

    argv[n++] = path;
    if (args != NULL && args[0] != '\0') {
        kstrlcpy(words, args, sizeof(words));
        argv[n++] = w;
        for (; *w != '\0' && n < INIT_ARGS_MAX - 1; w++) {
            if (*w == ',') {
                *w = '\0';
                argv[n++] = w + 1;
            }
        }
    }
    argv[n] = NULL;
}

/*
 * Start the init= program in a process group of its own (in init's
 * session), so that its kill(0, ...) reaches its own children and never
 * init's others: its pid, or -errno after saying why.
 */
static pid_t start_program(const char *path)
{
    const char *argv[INIT_ARGS_MAX];
    pid_t pid;

    init_argv(path, argv);
    pid = spawn_user_process(path, argv, init_env);
    if (pid < 0) {
        fdprintf(STDOUT, "init: cannot start %s (init=): %s\n", path,
                 errno_name(pid));
        return pid;
    }
    (void)process_setpgid(pid, pid); /* our child, our session: cannot fail */
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

/* The init= program ended: say how, then start the built-in shell. */
static pid_t program_exited(const char *path, pid_t pid, int code, int sig)
{
    if (sig != 0) {
        fdprintf(STDOUT, "init: %s (pid %d) killed by signal %d\n", path, pid,
                 sig);
    } else {
        fdprintf(STDOUT, "init: %s (pid %d) exited with status %d\n", path, pid,
                 code);
    }
    return start_shell();
}

int init_main(void *arg)
{
    const char *program = cmdline_get("init");
    bool running_program = program != NULL && program[0] != '\0';
    pid_t console = running_program ? start_program(program) : start_shell();

    (void)arg;
    if (console < 0 && running_program) {
        running_program = false;
        console = start_shell();
    }
    for (;;) {
        int code, sig;
        pid_t pid = wait_child_sig(-1, &code, &sig, true);

        if (pid < 0) {
            fdprintf(STDOUT, "init: no processes left (%s); powering off\n",
                     errno_name(pid));
            arch_poweroff();
            arch_halt();
        }
        if (pid == console && running_program) {
            running_program = false;
            console = program_exited(program, pid, code, sig);
        } else if (pid == console) {
            console = shell_exited(pid, code);
        } else {
            orphans_reaped++;
        }
    }
}
