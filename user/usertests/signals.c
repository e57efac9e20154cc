/*
 * Signal handlers (issue 11): rt_sigaction, rt_sigprocmask, rt_sigreturn
 * through musl's own signal code, SIGCHLD, SIG_IGN, a fault caught; the
 * siginfo of each kind of signal, sigaltstack and SA_ONSTACK, ppoll's
 * mask and time left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
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

/* ---- siginfo: how a signal came --------------------------------------- */

static volatile int info_signo, info_code, info_pid, info_uid, info_status;
static void *volatile info_addr;

static void on_info(int sig, siginfo_t *info, void *uc)
{
    (void)uc;
    got++;
    info_signo = sig;
    info_code = info->si_code;
    info_pid = info->si_pid;
    info_uid = (int)info->si_uid;
    info_status = info->si_status;
    info_addr = info->si_addr;
}

static void block(int sig, int how)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, sig);
    if (sigprocmask(how, &set, NULL) != 0) {
        ut_fail("sigprocmask(%d)", how);
    }
}

static void expect_info(int sig, int code, long pid, const char *what)
{
    if (got != 1 || info_signo != sig || info_code != code || info_pid != pid ||
        info_uid != (int)SC(SYS_getuid)) {
        ut_fail("%s: ran %d, signo %d code %d pid %d uid %d; expected %d %d "
                "%ld",
                what, (int)got, info_signo, info_code, info_pid, info_uid, sig,
                code, pid);
    }
    got = 0;
}

/* kill gives SI_USER with the sender's pid and uid, from the caller
 * itself and from another process. */
void t_siginfo_kill(void)
{
    long pid;

    catch (SIGUSR1, on_info, 0);
    ut_expect(SCN(SYS_kill, SC(SYS_getpid), SIGUSR1), 0, "kill(self)");
    expect_info(SIGUSR1, SI_USER, SC(SYS_getpid), "kill(self)");
    block(SIGUSR1, SIG_BLOCK); /* held until the child is gone */
    pid = SCN(SYS_fork);
    if (pid == 0) {
        SC(SYS_kill, SC(SYS_getppid), SIGUSR1);
        _exit(0);
    }
    ut_expect(WEXITSTATUS(ut_wait(pid)), 0, "the sender's status");
    block(SIGUSR1, SIG_UNBLOCK);
    expect_info(SIGUSR1, SI_USER, pid, "kill from a child");
}

/* tkill and tgkill give SI_TKILL; their bad arguments are refused. */
void t_siginfo_tkill(void)
{
    long pid = SC(SYS_getpid), tid = SC(SYS_gettid);

    catch (SIGUSR1, on_info, 0);
    ut_expect(SC(SYS_tkill, tid, SIGUSR1), 0, "tkill(self)");
    expect_info(SIGUSR1, SI_TKILL, pid, "tkill");
    ut_expect(SC(SYS_tgkill, pid, tid, SIGUSR1), 0, "tgkill(self)");
    expect_info(SIGUSR1, SI_TKILL, pid, "tgkill");
    ut_expect(SC(SYS_tkill, 0, SIGUSR1), -EINVAL, "tkill(0)");
    ut_expect(SC(SYS_tkill, -1, SIGUSR1), -EINVAL, "tkill(-1)");
    ut_expect(SC(SYS_tkill, tid, 65), -EINVAL, "tkill, signal 65");
    ut_expect(SC(SYS_tkill, 0x3ffffff0, 0), -ESRCH, "tkill, no such tid");
    ut_expect(SC(SYS_tgkill, 0, tid, SIGUSR1), -EINVAL, "tgkill, tgid 0");
    ut_expect(SC(SYS_tgkill, pid, 0, SIGUSR1), -EINVAL, "tgkill, tid 0");
    ut_expect(SC(SYS_tgkill, 1, tid, 0), -ESRCH, "tgkill, tid not in 1");
    ut_expect(SC(SYS_tgkill, pid, tid, 0), 0, "tgkill probe");
    if (got != 0) {
        ut_fail("a refused or probing call sent a signal");
    }
}

/* SIGCHLD says which child ended and how: CLD_EXITED with its status,
 * CLD_KILLED with the signal. */
void t_siginfo_sigchld(void)
{
    long pid;

    catch (SIGCHLD, on_info, SA_RESTART);
    block(SIGCHLD, SIG_BLOCK); /* run the handler after the wait */
    pid = SCN(SYS_fork);
    if (pid == 0) {
        _exit(7);
    }
    ut_expect(WEXITSTATUS(ut_wait(pid)), 7, "the child's status");
    block(SIGCHLD, SIG_UNBLOCK);
    expect_info(SIGCHLD, CLD_EXITED, pid, "an exit");
    ut_expect(info_status, 7, "si_status of an exit");
    block(SIGCHLD, SIG_BLOCK);
    pid = SCN(SYS_fork);
    if (pid == 0) {
        for (;;) {
        }
    }
    ut_expect(SC(SYS_kill, pid, SIGKILL), 0, "kill the child");
    ut_expect(WTERMSIG(ut_wait(pid)), SIGKILL, "the child's end");
    block(SIGCHLD, SIG_UNBLOCK);
    expect_info(SIGCHLD, CLD_KILLED, pid, "a kill");
    ut_expect(info_status, SIGKILL, "si_status of a kill");
}

static sigjmp_buf fault_env;
static void *volatile fault_at; /* the faulting instruction's address */

static void on_fault(int sig, siginfo_t *info, void *uc)
{
    on_info(sig, info, uc);
    siglongjmp(fault_env, 1);
}

#define AT_IP ((void *)-1) /* expect_fault: si_addr is fault_at */

/* Run fault(), which must raise sig with code and si_addr addr. */
static void expect_fault(void (*fault)(void), int sig, int code,
                         void *const addr_in, const char *what)
{
    void *addr;

    got = 0;
    if (sigsetjmp(fault_env, 1) == 0) {
        fault();
        ut_fail("%s: no fault", what);
    }
    addr = addr_in == AT_IP ? fault_at : addr_in;
    if (got != 1 || info_signo != sig || info_code != code ||
        info_addr != addr) {
        ut_fail("%s: signo %d code %d addr %p; expected %d %d %p", what,
                info_signo, info_code, info_addr, sig, code, addr);
    }
}

static void read_unmapped(void)
{
    (void)*(volatile int *)0x1238;
}

static char *read_only;

static void write_read_only(void)
{
    *(volatile char *)(read_only + 5) = 1;
}

static void undefined_opcode(void)
{
    __asm__ volatile("lea 1f(%%rip), %%r11\n\t"
                     "mov %%r11, %0\n"
                     "1:\tud2"
                     : "=m"(fault_at)
                     :
                     : "r11", "memory");
}

static void divide_by_zero(void)
{
    __asm__ volatile("lea 1f(%%rip), %%r11\n\t"
                     "mov %%r11, %0\n\t"
                     "mov $1, %%eax\n\t"
                     "xor %%edx, %%edx\n\t"
                     "xor %%ecx, %%ecx\n"
                     "1:\tdivl %%ecx"
                     : "=m"(fault_at)
                     :
                     : "rax", "rcx", "rdx", "r11", "memory");
}

/* x87 1 / 0 with the zero-divide exception unmasked: #MF at the next
 * waiting instruction (fwait).  (The SSE form, #XM, is not tested: QEMU's
 * TCG does not raise it.) */
static void x87_divide_by_zero(void)
{
    unsigned short cw = 0x37f & ~0x4; /* the reset value, ZM cleared */

    __asm__ volatile("fldcw %1\n\t"
                     "fld1\n\t"
                     "fldz\n\t"
                     "fdivrp\n\t"
                     "lea 1f(%%rip), %%r11\n\t"
                     "mov %%r11, %0\n"
                     "1:\tfwait"
                     : "=m"(fault_at)
                     : "m"(cw)
                     : "st", "r11", "memory");
}

static void breakpoint(void)
{
    __asm__ volatile("int3");
}

static void privileged(void)
{
    __asm__ volatile("hlt");
}

/* A fault's siginfo: SEGV_MAPERR or SEGV_ACCERR with the address
 * touched; the faulting instruction for #UD, #DE, #MF; the kernel's code
 * and no address for int3 and a privileged instruction, as Linux. */
void t_siginfo_faults(void)
{
    catch (SIGSEGV, on_fault, 0);
    catch (SIGILL, on_fault, 0);
    catch (SIGFPE, on_fault, 0);
    catch (SIGTRAP, on_fault, 0);
    read_only = (char *)mmap(NULL, UT_PAGE, PROT_READ,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (read_only == MAP_FAILED) {
        ut_fail("mmap");
    }
    expect_fault(read_unmapped, SIGSEGV, SEGV_MAPERR, (void *)0x1238,
                 "a read of an unmapped page");
    expect_fault(write_read_only, SIGSEGV, SEGV_ACCERR, read_only + 5,
                 "a write to a read-only mapping");
    expect_fault(undefined_opcode, SIGILL, ILL_ILLOPN, AT_IP, "ud2");
    expect_fault(divide_by_zero, SIGFPE, FPE_INTDIV, AT_IP, "div by 0");
    expect_fault(x87_divide_by_zero, SIGFPE, FPE_FLTDIV, AT_IP, "x87 1/0");
    __asm__ volatile("fninit");
    expect_fault(breakpoint, SIGTRAP, SI_KERNEL, NULL, "int3");
    expect_fault(privileged, SIGSEGV, SI_KERNEL, NULL, "hlt");
}

/* A handler whose address is not user memory: the return to it faults
 * as Linux reports it (a kernel-half address: SEGV_MAPERR at it; a
 * non-canonical one: SI_KERNEL), and the SIGSEGV handler gets it. */
static void raise_usr1(void)
{
    raise(SIGUSR1);
}

static void raise_usr2(void)
{
    raise(SIGUSR2);
}

/* Spin in user mode until SIGALRM comes at a timer interrupt's exit. */
static void spin_into_alarm(void)
{
    struct itimerval soon = {{0, 0}, {0, 20000}};

    setitimer(ITIMER_REAL, &soon, NULL);
    for (volatile unsigned long i = 0;; i++) {
    }
}

void t_handler_outside_user_memory(void)
{
    struct sigaction sa;
    void *kernel_half = (void *)0xffffffff81000000UL;

    catch (SIGSEGV, on_fault, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = (void (*)(int))kernel_half;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = (void (*)(int))0x8000000000000000UL;
    sigaction(SIGUSR2, &sa, NULL);
    expect_fault(raise_usr1, SIGSEGV, SEGV_MAPERR, kernel_half,
                 "a handler in the kernel half");
    expect_fault(raise_usr2, SIGSEGV, SI_KERNEL, NULL,
                 "a non-canonical handler");
    sa.sa_handler = (void (*)(int))0x8000000000000000UL;
    sigaction(SIGALRM, &sa, NULL);
    expect_fault(spin_into_alarm, SIGSEGV, SI_KERNEL, NULL,
                 "a non-canonical handler entered from a timer interrupt");
}

/* ---- sigaltstack ----------------------------------------------------- */

#define ALT_SIZE (64 * 1024)
static char alt[ALT_SIZE] __attribute__((aligned(16)));

static int on_alt(uintptr_t p)
{
    return p > (uintptr_t)alt && p <= (uintptr_t)alt + ALT_SIZE;
}

static void set_alt(void *sp, size_t size, int flags, long want,
                    const char *what)
{
    stack_t ss = {.ss_sp = sp, .ss_flags = flags, .ss_size = size};

    ut_expect(SC(SYS_sigaltstack, &ss, NULL), want, what);
}

static stack_t query_alt(void)
{
    stack_t old;

    memset(&old, 0x55, sizeof(old));
    ut_expect(SC(SYS_sigaltstack, NULL, &old), 0, "sigaltstack query");
    return old;
}

/* A child execs this: execve left it no alternate stack. */
void t_altstack_none(void)
{
    stack_t q = query_alt();

    if (q.ss_flags != SS_DISABLE || q.ss_size != 0) {
        ut_fail("after execve: flags %d size %zu", q.ss_flags, q.ss_size);
    }
}

/* sigaltstack sets and reports the stack; refuses bad flags (-EINVAL),
 * a size below MINSIGSTKSZ (-ENOMEM) and bad pointers (-EFAULT); fork
 * keeps it, execve drops it. */
void t_sigaltstack_calls(void)
{
    char *argv[] = {(char *)ut_self, "altstack_none", NULL};
    char *envp[] = {NULL};
    stack_t q = query_alt();
    long pid;

    if (q.ss_flags != SS_DISABLE) {
        ut_fail("a stack at start: flags %d", q.ss_flags);
    }
    set_alt(alt, ALT_SIZE, 0x10, -EINVAL, "unknown flags");
    set_alt(alt, ALT_SIZE, SS_ONSTACK | SS_DISABLE, -EINVAL, "two modes");
    set_alt(alt, 2047, 0, -ENOMEM, "2047 bytes");
    ut_expect(SC(SYS_sigaltstack, (void *)8, NULL), -EFAULT, "bad ss");
    ut_expect(SC(SYS_sigaltstack, NULL, (void *)8), -EFAULT, "bad old_ss");
    ut_expect(SC(SYS_sigaltstack, NULL, (void *)0xffff800000000000UL), -EFAULT,
              "old_ss in the kernel");
    set_alt(alt, 2048, 0, 0, "MINSIGSTKSZ bytes");
    q = query_alt();
    if (q.ss_sp != alt || q.ss_size != 2048 || q.ss_flags != 0) {
        ut_fail("read back %p %zu %d", q.ss_sp, q.ss_size, q.ss_flags);
    }
    set_alt(alt, ALT_SIZE, 0, 0, "the whole buffer");
    pid = SCN(SYS_fork);
    if (pid == 0) {
        q = query_alt();
        if (q.ss_sp != alt || q.ss_size != ALT_SIZE) {
            _exit(1); /* fork dropped it */
        }
        SC(SYS_execve, ut_self, argv, envp);
        _exit(99);
    }
    ut_expect(ut_wait(pid), 0, "the forked child's status");
    set_alt(NULL, 0, SS_DISABLE, 0, "SS_DISABLE");
    q = query_alt();
    if (q.ss_flags != SS_DISABLE || q.ss_size != 0 || q.ss_sp != NULL) {
        ut_fail("disabled reads %p %zu %d", q.ss_sp, q.ss_size, q.ss_flags);
    }
}

static volatile int alt_ran, alt_flags, alt_eperm, uc_flags;
static volatile uintptr_t alt_local; /* an address in the handler */
static void *volatile uc_sp;
static volatile size_t uc_size;
static volatile int uc_set_flags = -1; /* >= 0: the handler sets these */
static volatile int probe_change = 1;  /* the handler tries sigaltstack */

static void on_usr1_alt(int sig, siginfo_t *info, void *ucv)
{
    ucontext_t *uc = ucv;
    stack_t q, n = {.ss_sp = alt, .ss_flags = 0, .ss_size = ALT_SIZE};
    char here;

    (void)sig;
    (void)info;
    alt_ran++;
    alt_local = (uintptr_t)&here;
    SC(SYS_sigaltstack, NULL, &q);
    alt_flags = q.ss_flags;
    alt_eperm = probe_change ? (int)SC(SYS_sigaltstack, &n, NULL) : 0;
    uc_sp = uc->uc_stack.ss_sp;
    uc_size = uc->uc_stack.ss_size;
    uc_flags = uc->uc_stack.ss_flags;
    if (uc_set_flags >= 0) {
        uc->uc_stack.ss_flags = uc_set_flags; /* rt_sigreturn takes it */
    }
}

/* SA_ONSTACK: the handler runs on the alternate stack (sigaltstack says
 * SS_ONSTACK there and refuses a change with -EPERM), uc_stack holds it;
 * without SA_ONSTACK it runs on the normal stack. */
void t_sigaltstack_onstack(void)
{
    stack_t q;

    set_alt(alt, ALT_SIZE, 0, 0, "sigaltstack");
    catch (SIGUSR1, on_usr1_alt, SA_ONSTACK);
    SCN(SYS_kill, SC(SYS_getpid), SIGUSR1);
    if (alt_ran != 1 || !on_alt(alt_local)) {
        ut_fail("ran %d, at %#lx: not on [%p, %p)", alt_ran,
                (unsigned long)alt_local, alt, alt + ALT_SIZE);
    }
    ut_expect(alt_flags, SS_ONSTACK, "ss_flags in the handler");
    ut_expect(alt_eperm, -EPERM, "a change while on it");
    if (uc_sp != alt || uc_size != ALT_SIZE || uc_flags != 0) {
        ut_fail("uc_stack %p %zu %d", uc_sp, uc_size, uc_flags);
    }
    q = query_alt();
    ut_expect(q.ss_flags, 0, "ss_flags after the handler");
    catch (SIGUSR1, on_usr1_alt, 0);
    SCN(SYS_kill, SC(SYS_getpid), SIGUSR1);
    if (alt_ran != 2 || on_alt(alt_local) || alt_eperm != 0) {
        ut_fail("without SA_ONSTACK: at %#lx, a change gave %d",
                (unsigned long)alt_local, alt_eperm);
    }
}

/* rt_sigreturn sets the alternate stack from uc_stack (the handler
 * disabled it there), unless the handler ran on that stack (Linux: the
 * change is refused, -EPERM, silently); SS_AUTODISARM: disabled while the
 * handler runs, back after it. */
void t_sigaltstack_restored(void)
{
    stack_t q;

    set_alt(alt, ALT_SIZE, 0, 0, "sigaltstack");
    catch (SIGUSR1, on_usr1_alt, SA_ONSTACK);
    uc_set_flags = SS_DISABLE;
    SCN(SYS_kill, SC(SYS_getpid), SIGUSR1);
    q = query_alt();
    if (alt_ran != 1 || q.ss_flags != 0 || q.ss_size != ALT_SIZE) {
        ut_fail("changed from on it: %d %zu", q.ss_flags, q.ss_size);
    }
    catch (SIGUSR1, on_usr1_alt, 0);
    SCN(SYS_kill, SC(SYS_getpid), SIGUSR1);
    q = query_alt();
    if (alt_ran != 2 || q.ss_flags != SS_DISABLE || q.ss_size != 0) {
        ut_fail("after uc_stack said SS_DISABLE: %d %zu", q.ss_flags,
                q.ss_size);
    }
    uc_set_flags = -1;
    probe_change = 0; /* a change in the handler would stand */
    catch (SIGUSR1, on_usr1_alt, SA_ONSTACK);
    set_alt(alt, ALT_SIZE, SS_AUTODISARM, 0, "SS_AUTODISARM");
    SCN(SYS_kill, SC(SYS_getpid), SIGUSR1);
    if (!on_alt(alt_local) || alt_flags != SS_DISABLE ||
        uc_flags != (int)SS_AUTODISARM) {
        ut_fail("autodisarm: at %#lx, flags %d, uc_stack %d",
                (unsigned long)alt_local, alt_flags, uc_flags);
    }
    q = query_alt();
    if (q.ss_sp != alt || q.ss_flags != (int)SS_AUTODISARM) {
        ut_fail("after the handler: %p %d", q.ss_sp, q.ss_flags);
    }
}

static volatile long overflow_limit = -1;

static __attribute__((noinline)) long overflow(long depth)
{
    volatile char frame[4096];

    if (depth == overflow_limit) {
        return 0;
    }
    frame[0] = (char)depth;
    frame[sizeof(frame) - 1] = (char)depth;
    return overflow(depth + 1) + frame[0] + frame[sizeof(frame) - 1];
}

static void on_overflow(int sig, siginfo_t *info, void *uc)
{
    char here;

    (void)uc;
    if (sig != SIGSEGV || info->si_code != SEGV_MAPERR ||
        !on_alt((uintptr_t)&here)) {
        ut_fail("signal %d code %d, handler at %p", sig, info->si_code,
                (void *)&here);
    }
    _exit(0);
}

/* The classic use: a stack overflow's SIGSEGV runs its handler on the
 * alternate stack (there is no room left on the other). */
void t_sigaltstack_overflow(void)
{
    set_alt(alt, ALT_SIZE, 0, 0, "sigaltstack");
    catch (SIGSEGV, on_overflow, SA_ONSTACK);
    ut_say("# sigaltstack_overflow: came back with %ld\n", overflow(0));
}

/* ---- ppoll's signal mask and time left ------------------------------- */

static volatile int mask_has_usr2 = -1;

static void on_usr1_mask(int sig, siginfo_t *info, void *uc)
{
    sigset_t now;

    (void)info;
    (void)uc;
    got++;
    sigprocmask(SIG_BLOCK, NULL, &now);
    mask_has_usr2 = sigismember(&now, SIGUSR2);
    got_code_ok = sig == SIGUSR1 && sigismember(&now, SIGUSR1);
}

/* ppoll's mask is the blocked set while it waits: a pending signal it
 * unblocks ends the wait (-EINTR) and its handler runs under that mask;
 * the caller's mask is back afterwards.  A mask that keeps it blocked
 * lets the call time out. */
void t_ppoll_sigmask(void)
{
    struct timespec ts = {2, 0};
    sigset_t both, none, now;
    struct pollfd q;
    int p[2];

    if (SCN(SYS_pipe2, p, 0) != 0) {
        ut_fail("pipe2");
    }
    q = (struct pollfd){p[0], POLLIN, 0};
    catch (SIGUSR1, on_usr1_mask, 0);
    sigemptyset(&none);
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    sigprocmask(SIG_SETMASK, &both, NULL);
    SCN(SYS_kill, SC(SYS_getpid), SIGUSR1); /* held */
    ts = (struct timespec){0, 20 * 1000000};
    ut_expect(SCN(SYS_ppoll, &q, 1, &ts, &both, 8), 0, "ppoll, still blocked");
    if (got != 0) {
        ut_fail("a signal the mask blocks was delivered");
    }
    ts = (struct timespec){2, 0};
    ut_expect(SC(SYS_ppoll, &q, 1, &ts, &none, 8), -EINTR,
              "ppoll with the signal let in");
    if (got != 1 || !got_code_ok || mask_has_usr2 != 0) {
        ut_fail("handler ran %d times; SIGUSR2 blocked in it: %d", (int)got,
                mask_has_usr2);
    }
    sigprocmask(SIG_BLOCK, NULL, &now);
    if (!sigismember(&now, SIGUSR1) || !sigismember(&now, SIGUSR2)) {
        ut_fail("the caller's mask did not come back");
    }
}

static const struct timespec rodata_ts = {1, 0};

/* ppoll writes the time left into *tsp: 0 after a timeout, at most what
 * it was given after an early return; a read-only tsp is not an error. */
void t_ppoll_time_left(void)
{
    struct timespec ts = {0, 30 * 1000000};
    struct pollfd q;
    int p[2];

    if (SCN(SYS_pipe2, p, 0) != 0) {
        ut_fail("pipe2");
    }
    q = (struct pollfd){p[0], POLLIN, 0};
    ut_expect(SCN(SYS_ppoll, &q, 1, &ts, NULL, 8), 0, "ppoll 30 ms");
    if (ts.tv_sec != 0 || ts.tv_nsec != 0) {
        ut_fail("after a timeout %lld.%09ld left", (long long)ts.tv_sec,
                ts.tv_nsec);
    }
    ut_expect(SC(SYS_write, p[1], "x", 1), 1, "write");
    ts = (struct timespec){5, 0};
    ut_expect(SC(SYS_ppoll, &q, 1, &ts, NULL, 8), 1, "ppoll, readable");
    if (ts.tv_sec < 4 || ts.tv_sec > 5 || (ts.tv_sec == 5 && ts.tv_nsec)) {
        ut_fail("%lld.%09ld left of 5 s", (long long)ts.tv_sec, ts.tv_nsec);
    }
    ut_expect(SC(SYS_ppoll, &q, 1, &rodata_ts, NULL, 8), 1,
              "ppoll, tsp read-only");
}

/*
 * execve keeps what Linux keeps: an ignored signal stays ignored, a
 * caught one is back to SIG_DFL (its handler was in the old image), and
 * the umask is the caller's.  The exec'd half is exec_ignored_child.
 */
void t_exec_keeps_ignored(void)
{
    char *argv[] = {(char *)ut_self, "exec_ignored_child", NULL};
    long pid;

    pid = SCN(SYS_fork);
    if (pid == 0) {
        signal(SIGUSR1, SIG_IGN);
        catch (SIGUSR2, on_usr1, 0);
        umask(027);
        SC(SYS_execve, ut_self, argv, environ);
        _exit(99); /* execve failed */
    }
    ut_expect(WEXITSTATUS(ut_wait(pid)), 0, "the exec'd child's checks");
}

void t_exec_ignored_child(void)
{
    struct sigaction sa;

    sigaction(SIGUSR1, NULL, &sa);
    if (sa.sa_handler != SIG_IGN) {
        ut_fail("SIGUSR1 not ignored after execve");
    }
    sigaction(SIGUSR2, NULL, &sa);
    if (sa.sa_handler != SIG_DFL || sa.sa_flags != 0) {
        ut_fail("SIGUSR2 not SIG_DFL after execve (flags %#x)", sa.sa_flags);
    }
    ut_expect(umask(0), 027, "the umask after execve");
    raise(SIGUSR1); /* ignored: we live on */
}

static volatile sig_atomic_t sigint_code = -1, sigint_pid = -1;

static void on_int(int sig, siginfo_t *info, void *uc)
{
    (void)sig;
    (void)uc;
    sigint_code = info->si_code;
    sigint_pid = info->si_pid;
}

/* For the e2e case: wait for ctrl-C's SIGINT and print its siginfo. */
void t_sigint_code(void)
{
    catch (SIGINT, on_int, 0);
    ut_say("# sigint_code: ready\n");
    while (sigint_code == -1) {
        SC(SYS_pause);
    }
    ut_say("si_code=%d si_pid=%d\n", (int)sigint_code, (int)sigint_pid);
}
