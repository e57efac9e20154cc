/*
 * Processes: what a program finds at start (argv, envp, auxv, TLS, its
 * ids), spawn's errors, preemption of a process that makes no system
 * call, and many processes one after another.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <time.h>

#include "ut.h"

#define ARCH_GET_FS 0x1003

extern char **environ;
extern void _start(void);

void t_exit0(void)
{
}

void t_spin(void)
{
    for (;;) {
        __asm__ volatile("" ::: "memory");
    }
}

void t_exit_code(void)
{
    exit(7);
}

void t_ids(void)
{
    long pid = SCN(SYS_getpid), ppid = SCN(SYS_getppid);

    ut_expect(SCN(SYS_getuid), 0, "getuid");
    ut_expect(SCN(SYS_geteuid), 0, "geteuid");
    ut_expect(SCN(SYS_getgid), 0, "getgid");
    ut_expect(SCN(SYS_getegid), 0, "getegid");
    ut_expect(SCN(SYS_gettid), pid, "gettid (one thread: the pid)");
    if (pid <= 0 || ppid <= 0 || ppid == pid) {
        ut_fail("getpid %ld, getppid %ld", pid, ppid);
    }
    ut_expect(SCN(SYS_kill, ppid, 0), 0, "kill(parent, 0)");
}

static __thread int tls_value = 42;

/* musl set the FS base at start (arch_prctl); x86_64's thread pointer
 * points at itself, and the TLS block lies just below it. */
void t_tls(void)
{
    unsigned long fs = 0, self;

    ut_expect(tls_value, 42, "a __thread variable's initial value");
    tls_value = 7;
    ut_expect(tls_value, 7, "a __thread variable written");
    ut_expect(SCN(SYS_arch_prctl, ARCH_GET_FS, &fs), 0, "ARCH_GET_FS");
    __asm__ volatile("mov %%fs:0, %0" : "=r"(self));
    ut_expect((long)self, (long)fs, "%fs:0 (the thread pointer)");
    if ((unsigned long)&tls_value >= fs ||
        fs - (unsigned long)&tls_value > 4096) {
        ut_fail("TLS at %p, thread pointer %#lx", (void *)&tls_value, fs);
    }
}

static void expect_str(const char *got, const char *want, const char *what)
{
    if (got == NULL || strcmp(got, want) != 0) {
        ut_fail("%s is \"%s\", expected \"%s\"", what, got ? got : "(null)",
                want);
    }
}

static void check_vectors(void)
{
    static const char *const want[] = {"argv_envp_auxv", "a b", "", "-x"};

    ut_expect(ut_argc, 5, "argc");
    expect_str(ut_argv[0], ut_self, "argv[0]");
    for (int i = 0; i < 4; i++) {
        expect_str(ut_argv[i + 1], want[i], "an argv string");
    }
    if (ut_argv[5] != NULL) {
        ut_fail("argv[argc] is not NULL");
    }
    expect_str(environ[0], "UT_ONE=1", "envp[0]");
    expect_str(environ[1], "UT_EMPTY=", "envp[1]");
    if (environ[2] != NULL) {
        ut_fail("envp has more than the 2 strings given");
    }
    expect_str(getenv("UT_ONE"), "1", "getenv(UT_ONE)");
    expect_str(getenv("UT_EMPTY"), "", "getenv(UT_EMPTY)");
}

/* AT_PHDR must be this program's header table: the entry lies in one of
 * its executable PT_LOADs (ET_DYN: relative to where the headers are). */
static void check_phdrs(void)
{
    const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
    unsigned long n = getauxval(AT_PHNUM), entry = getauxval(AT_ENTRY);
    unsigned long bias = 0;
    int found = 0;

    ut_expect((long)getauxval(AT_PHENT), sizeof(Elf64_Phdr), "AT_PHENT");
    ut_expect((long)entry, (long)(unsigned long)_start, "AT_ENTRY");
    if (ph == NULL || n == 0) {
        ut_fail("AT_PHDR %p, AT_PHNUM %lu", (const void *)ph, n);
    }
    for (unsigned long i = 0; i < n; i++) {
        if (ph[i].p_type == PT_PHDR) {
            bias = (unsigned long)ph - ph[i].p_vaddr;
        }
    }
    for (unsigned long i = 0; i < n; i++) {
        unsigned long start = ph[i].p_vaddr + bias;
        found |= ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) &&
                 entry >= start && entry < start + ph[i].p_memsz;
    }
    if (!found) {
        ut_fail("AT_ENTRY %#lx is in no executable PT_LOAD at AT_PHDR", entry);
    }
}

void t_argv_envp_auxv(void)
{
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    int same = 1;
    char here;

    check_vectors();
    if ((unsigned long)ut_argv < (unsigned long)&here) {
        ut_fail("argv at %p is not on the stack above %p", (void *)ut_argv,
                (void *)&here);
    }
    ut_expect((long)getauxval(AT_PAGESZ), 4096, "AT_PAGESZ");
    expect_str((const char *)getauxval(AT_EXECFN), ut_self, "AT_EXECFN");
    ut_expect((long)getauxval(AT_UID), 0, "AT_UID");
    ut_expect((long)getauxval(AT_EGID), 0, "AT_EGID");
    if (getauxval(AT_HWCAP) == 0) {
        ut_fail("AT_HWCAP is 0 (CPUID.1:EDX has bits on every x86_64)");
    }
    if (rnd == NULL) {
        ut_fail("no AT_RANDOM");
    }
    for (int i = 1; i < 16; i++) {
        same &= rnd[i] == rnd[0];
    }
    if (same) {
        ut_fail("AT_RANDOM's 16 bytes are all %#x", rnd[0]);
    }
    check_phdrs();
}

static void spawn_error(const char *path, char *const argv[], long want)
{
    long r = ut_spawn(path, argv, environ);

    if (r != want) {
        ut_fail("kairos_spawn(\"%.40s\") gave %ld, expected %ld", path, r,
                want);
    }
}

#define MANY 26 /* strings of 100 KiB: 2.6 MiB, over Linux's 2 MiB too */

/* One string over USTACK_STRLEN_MAX (128 KiB, Linux's MAX_ARG_STRLEN),
 * all of them over USTACK_ARG_MAX (256 KiB; Linux: a quarter of the
 * stack limit, 2 MiB by default): -E2BIG. */
static void spawn_too_big(void)
{
    char *s = malloc(200 * 1024);
    char *one[] = {(char *)ut_self, "exit0", s, NULL};
    char *many[MANY + 3] = {(char *)ut_self, "exit0"};

    if (s == NULL) {
        ut_fail("malloc(200 KiB) gave NULL");
    }
    memset(s, 'x', 200 * 1024 - 1);
    s[200 * 1024 - 1] = '\0';
    spawn_error(ut_self, one, -E2BIG);
    s[100 * 1024] = '\0';
    for (int i = 0; i < MANY; i++) {
        many[i + 2] = s;
    }
    spawn_error(ut_self, many, -E2BIG);
    free(s);
}

void t_spawn_errors(void)
{
    char *argv[] = {(char *)ut_self, "exit0", NULL};
    long pid;

    spawn_error("/no/such/program", argv, -ENOENT);
    spawn_error("", argv, -ENOENT);
    /* Not an ELF file, and not executable: the mode is checked first
     * (-EACCES), as Linux does for root. */
    spawn_error("/etc/motd", argv, -EACCES);
    spawn_error("/etc/motd/x", argv, -ENOTDIR);
    spawn_error("/etc", argv, -EACCES);
    spawn_too_big();
    pid = ut_spawn(ut_self, argv, environ);
    if (pid <= 0) {
        ut_fail("kairos_spawn after the errors gave %ld", pid);
    }
    ut_expect(ut_wait(pid), 0, "the status of a child spawned after them");
}

/* The child spins with no system call; this process sleeps, so it gets
 * the CPU back only if the timer preempts the spinner. */
void t_spinner_preempted(void)
{
    struct timespec nap = {0, 100 * 1000 * 1000};
    long pid = ut_spawn_self("spin", NULL, environ);
    int status;

    if (pid <= 0) {
        ut_fail("kairos_spawn(spin) gave %ld", pid);
    }
    ut_expect(SCN(SYS_nanosleep, &nap, 0), 0, "nanosleep(100 ms)");
    ut_expect(SCN(SYS_kill, pid, SIGKILL), 0, "kill(spinner, SIGKILL)");
    status = ut_wait(pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
        ut_fail("the spinner's status is %#x, expected killed by SIGKILL",
                status);
    }
}

/* The frame counters are the kernel's (e2e compares `mem` around the
 * suite); here every one of the processes must start and exit 0. */
void t_thousand_processes(void)
{
    for (int i = 0; i < 1000; i++) {
        long pid = ut_spawn_self("exit0", NULL, environ);
        if (pid <= 0) {
            ut_fail("spawn %d gave %ld", i, pid);
        }
        int status = ut_wait(pid);
        if (status != 0) {
            ut_fail("process %d (pid %ld) ended with status %#x", i, pid,
                    status);
        }
    }
    ut_say("# thousand_processes: 1000 spawned, exited 0 and reaped\n");
}
