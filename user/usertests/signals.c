/*
 * Signal handlers (issue 11): rt_sigaction, rt_sigprocmask, rt_sigreturn
 * through musl's own signal code, SIGCHLD, SIG_IGN, a fault caught.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ut.h"

static volatile sig_atomic_t got, got_signo, got_code_ok;

static void on_usr1(int sig, siginfo_t *info, void *uc)
{
    (void)uc;
    got++;
    got_signo = info->si_signo;
    got_code_ok = sig == SIGUSR1;
}

static void catch (int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    if (sigaction(sig, &sa, NULL) != 0) {
        ut_fail("sigaction(%d) failed: errno %d", sig, errno);
    }
}

/* A handler runs on kill to oneself, with the siginfo, and the program
 * goes on where it was with its registers intact. */
void t_signal_handler_runs(void)
{
    volatile long a = 1, b = 2, c = 3;

    catch (SIGUSR1, on_usr1, 0);
    ut_expect(SCN(SYS_kill, SCN(SYS_getpid), SIGUSR1), 0, "kill(self)");
    if (got != 1 || got_signo != SIGUSR1 || !got_code_ok) {
        ut_fail("handler ran %d times, signo %d", (int)got, (int)got_signo);
    }
    if (a != 1 || b != 2 || c != 3) {
        ut_fail("locals changed across the handler");
    }
}

/* A blocked signal waits; unblocking delivers it. */
void t_sigprocmask_blocks(void)
{
    sigset_t set, old;

    catch (SIGUSR1, on_usr1, 0);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &set, &old) != 0) {
        ut_fail("sigprocmask");
    }
    kill(getpid(), SIGUSR1);
    if (got != 0) {
        ut_fail("a blocked signal was delivered");
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (got != 1) {
        ut_fail("unblocking did not deliver it (%d)", (int)got);
    }
}

/* SIG_IGN: the signal is discarded. */
void t_sig_ign(void)
{
    signal(SIGTERM, SIG_IGN);
    kill(getpid(), SIGTERM);
    signal(SIGTERM, SIG_DFL);
}

static volatile sig_atomic_t chld;

static void on_chld(int sig, siginfo_t *info, void *uc)
{
    (void)info;
    (void)uc;
    chld = sig == SIGCHLD;
}

/* A child's exit sends its parent SIGCHLD. */
void t_sigchld(void)
{
    long pid;

    catch (SIGCHLD, on_chld, SA_RESTART);
    pid = SCN(SYS_fork);
    if (pid == 0) {
        _exit(0);
    }
    ut_wait(pid);
    if (!chld) {
        ut_fail("no SIGCHLD");
    }
}

static void on_segv(int sig, siginfo_t *info, void *uc)
{
    (void)info;
    (void)uc;
    _exit(sig == SIGSEGV ? 33 : 1);
}

/* A fault is delivered to the handler installed for it. */
void t_sigsegv_caught(void)
{
    catch (SIGSEGV, on_segv, 0);
    *(volatile int *)0 = 1;
    ut_fail("the fault returned");
}

/* The default action of SIGTERM ends the process (its table entry
 * expects it killed by SIGTERM). */
void t_sigterm_default(void)
{
    kill(getpid(), SIGTERM);
    ut_fail("SIGTERM did not end it");
}
