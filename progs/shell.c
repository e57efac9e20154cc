/*
 * The kernel shell.
 *
 * A process like any other: it reads stdin (fd 0) one byte at a time with a
 * blocking read(2) and writes stdout (fd 1), both through the system calls.
 * Commands are a table: name, usage, one-line help, argument counts, and a
 * function taking argc/argv.  A command given the wrong number of arguments
 * prints its usage, so every malformed line gets a message.  Input is edited
 * in a line buffer: backspace erases, ctrl-U clears the line, ctrl-C
 * abandons it, Up and Down walk a short history; other escape sequences
 * (the rest of the arrow and function keys) are dropped.
 *
 * Children: `spawn` starts demos (progs/demos.c) as children of the shell,
 * recorded in a table so their names can be reported after they are gone.
 * Before and after every command the shell reaps finished children without
 * blocking and prints "[pid N] name exited with code C", so no child of the
 * shell stays a zombie past the next command.  `wait` blocks for one.
 * `nice` and `chrt` spawn with a policy, which the shell takes on itself
 * while it spawns (children inherit it); `top` runs in a child, like
 * `sleep`, so that ctrl-C ends it.
 */
#include "shell.h"

#include "arch.h"
#include "cmdline.h"
#include "demos.h"
#include "driver.h"
#include "exec.h"
#include "frame.h"
#include "heap.h"
#include "input.h"
#include "init.h"
#include "initramfs.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"
#include "printf.h"
#include "ramfs.h"
#include "proc.h"
#include "timer.h"
#include "trace.h"
#include "usys.h"

#define STDIN    0
#define STDOUT   1
#define MAX_ARGS 8
#define PROMPT   "kairos> "
#define HISTORY  8 /* lines Up can recall */

struct command {
    const char *name;
    const char *usage; /* arguments, "" for none */
    const char *help;
    int min_args; /* arguments after the name */
    int max_args;
    int (*fn)(int argc, char **argv);
};

/* A child the shell spawned and has not reaped; pid 0 marks a free slot. */
struct child {
    pid_t pid;
    char name[PROCESS_NAME_MAX];
    unsigned long seq; /* start order: the newest is ctrl-C's target */
};

/* The running shell's state (one shell at a time; reset when one starts). */
static struct {
    struct child children[SHELL_MAX_CHILDREN];
    char history[HISTORY][SHELL_LINE_MAX]; /* a ring, by line number */
    unsigned nhistory;                     /* lines ever added */
    unsigned long nstarted;                /* children ever started */
    bool exiting;                          /* `exit` was typed */
    int exit_code;
} sh;

/* ---- Children ----------------------------------------------------------- */

static size_t children_free(void)
{
    size_t n = 0;

    for (size_t i = 0; i < SHELL_MAX_CHILDREN; i++) {
        n += sh.children[i].pid == 0;
    }
    return n;
}

static void child_add(pid_t pid, const char *name)
{
    for (size_t i = 0; i < SHELL_MAX_CHILDREN; i++) {
        if (sh.children[i].pid == 0) {
            sh.children[i].pid = pid;
            sh.children[i].seq = ++sh.nstarted;
            kstrlcpy(sh.children[i].name, name, PROCESS_NAME_MAX);
            return;
        }
    }
}

/* The newest live child, or 0: the foreground of a `wait`. */
static pid_t child_newest(void)
{
    pid_t pid = 0;
    unsigned long seq = 0;

    for (size_t i = 0; i < SHELL_MAX_CHILDREN; i++) {
        if (sh.children[i].pid != 0 && sh.children[i].seq > seq) {
            pid = sh.children[i].pid;
            seq = sh.children[i].seq;
        }
    }
    return pid;
}

static const struct {
    const char *name; /* without "SIG" */
    int sig;
} signals[] = {{"INT", SIGINT},   {"ILL", SIGILL},  {"TRAP", SIGTRAP},
               {"BUS", SIGBUS},   {"FPE", SIGFPE},  {"KILL", SIGKILL},
               {"SEGV", SIGSEGV}, {"TERM", SIGTERM}};

#define NSIGNALS (sizeof(signals) / sizeof(signals[0]))

/* "SIGKILL" for 9; "signal N" for one without a name (buf). */
static const char *signal_name(int sig, char *buf, size_t size)
{
    for (size_t i = 0; i < NSIGNALS; i++) {
        if (signals[i].sig == sig) {
            ksnprintf(buf, size, "SIG%s", signals[i].name);
            return buf;
        }
    }
    ksnprintf(buf, size, "signal %d", sig);
    return buf;
}

/* Forget child pid and report its end: exit code, or the signal (sig). */
static void child_ended(pid_t pid, int code, int sig)
{
    char sname[16];
    const char *name = "?";

    for (size_t i = 0; i < SHELL_MAX_CHILDREN; i++) {
        if (sh.children[i].pid == pid) {
            sh.children[i].pid = 0;
            name = sh.children[i].name;
            break;
        }
    }
    if (sig != 0) {
        fdprintf(STDOUT, "[pid %d] %s killed by %s\n", pid, name,
                 signal_name(sig, sname, sizeof(sname)));
    } else {
        fdprintf(STDOUT, "[pid %d] %s exited with code %d\n", pid, name, code);
    }
}

/* Reap every child that has already exited, without blocking. */
static void reap_children(void)
{
    for (size_t i = 0; i < SHELL_MAX_CHILDREN; i++) {
        int code, sig;
        pid_t pid = wait_child_sig(-1, &code, &sig, false);

        if (pid <= 0) {
            return;
        }
        child_ended(pid, code, sig);
    }
}

/* ---- Helpers ------------------------------------------------------------ */

/* Parse s as a number in [min, max] for cmd; 0, or -EINVAL after a message. */
static int parse_number(const char *cmd, const char *s, unsigned long min,
                        unsigned long max, unsigned long *out)
{
    unsigned long v;
    int err = kstrtoul(s, 0, &v);

    if (err == -EINVAL) {
        fdprintf(STDOUT, "%s: '%s' is not a number\n", cmd, s);
        return -EINVAL;
    }
    if (err != 0 || v < min || v > max) {
        fdprintf(STDOUT, "%s: %s is out of range (%lu to %lu)\n", cmd, s, min,
                 max);
        return -EINVAL;
    }
    *out = v;
    return 0;
}

/* Parse s as a decimal, '-' allowed, in [min, max] for cmd (as parse_number). */
static int parse_int(const char *cmd, const char *s, long min, long max,
                     long *out)
{
    bool neg = s[0] == '-';
    unsigned long v;
    int err = kstrtoul(s + neg, 10, &v);

    if (err == -EINVAL) {
        fdprintf(STDOUT, "%s: '%s' is not a number\n", cmd, s);
        return -EINVAL;
    }
    if (err == 0 && v <= (unsigned long)INT32_MAX) {
        long x = neg ? -(long)v : (long)v;

        if (x >= min && x <= max) {
            *out = x;
            return 0;
        }
    }
    fdprintf(STDOUT, "%s: %s is out of range (%ld to %ld)\n", cmd, s, min, max);
    return -EINVAL;
}

/* ---- Commands ------------------------------------------------------------ */

static int cmd_help(int argc, char **argv);

static const char *const policy_names[] = {
    [SCHED_OTHER] = "OTHER",
    [SCHED_FIFO] = "FIFO",
    [SCHED_RR] = "RR",
};

static const char *policy_name(int policy)
{
    return policy >= 0 && policy <= SCHED_RR ? policy_names[policy] : "?";
}

/*
 * "12.5": part per thousand of whole as a percentage with one decimal, in
 * buf; "-" when whole is 0 (no time has passed to share).
 */
static const char *percent(uint64_t part, uint64_t whole, char *buf,
                           size_t size)
{
    uint64_t pm = whole != 0 ? part * 1000 / whole : 0;

    if (whole == 0) {
        return "-";
    }
    ksnprintf(buf, size, "%lu.%lu", (unsigned long)(pm / 10),
              (unsigned long)(pm % 10));
    return buf;
}

static void ps_row(const struct process_info *pi)
{
    char chan[24] = "-", share[8];

    if (pi->state == PROCESS_BLOCKED && pi->wait_channel == WAIT_EVENT_INPUT) {
        kstrlcpy(chan, "input", sizeof(chan));
    } else if (pi->waits_for == -1) {
        kstrlcpy(chan, "child", sizeof(chan));
    } else if (pi->waits_for > 0) {
        ksnprintf(chan, sizeof(chan), "child %d", pi->waits_for);
    } else if (pi->state == PROCESS_BLOCKED) {
        ksnprintf(chan, sizeof(chan), "0x%lx", (unsigned long)pi->wait_channel);
    }
    fdprintf(
        STDOUT, "%5d %5d %-8s %-15s %-6s %3d %4d %4d %5s %6lu %7lu %s\n",
        pi->pid, pi->ppid, proc_state_name(pi->state), pi->name,
        policy_name(pi->policy), pi->priority, pi->effective_priority, pi->nice,
        percent(pi->slices, timer_ticks() - pi->start_tick, share,
                sizeof(share)),
        (unsigned long)(pi->resident / 1024), (unsigned long)pi->slices, chan);
}

/* Every live process, in spawn order: costs the live ones, not the pids. */
static int cmd_ps(int argc, char **argv)
{
    struct process_info pi;

    (void)argc;
    (void)argv;
    fdprintf(STDOUT, "  PID  PPID STATE    NAME            POLICY PRI EPRI "
                     "NICE  CPU%%    RSS  SLICES WAIT\n");
    for (int err = process_next(NULL, &pi); err == 0;
         err = process_next(&pi, &pi)) {
        ps_row(&pi);
    }
    return 0;
}

static int cmd_dump(int argc, char **argv)
{
    struct process_info pi;
    unsigned long pid;

    if (argc == 1) {
        dump_all_processes();
        return 0;
    }
    if (parse_number("dump", argv[1], 0, INT32_MAX, &pid) != 0) {
        return -EINVAL;
    }
    if (get_process((pid_t)pid, &pi) != 0) {
        fdprintf(STDOUT, "dump: no process %lu\n", pid);
        return -ESRCH;
    }
    dump_process((pid_t)pid);
    return 0;
}

static int cmd_stats(int argc, char **argv)
{
    struct scheduler_stats st = scheduler_stats();
    size_t sum = 0;

    (void)argc;
    (void)argv;
    for (int s = 0; s < PROCESS_NSTATES; s++) {
        sum += st.by_state[s];
    }
    fdprintf(STDOUT,
             "processes: %lu (ready %lu, running %lu, blocked %lu, "
             "zombie %lu: sum %lu, %s)\n",
             (unsigned long)st.processes,
             (unsigned long)st.by_state[PROCESS_READY],
             (unsigned long)st.by_state[PROCESS_RUNNING],
             (unsigned long)st.by_state[PROCESS_BLOCKED],
             (unsigned long)st.by_state[PROCESS_ZOMBIE], (unsigned long)sum,
             sum == st.processes ? "adds up" : "MISMATCH");
    fdprintf(STDOUT,
             "slices: %lu, switches: %lu, preemptions: %lu, "
             "reschedule pending: %s\n",
             (unsigned long)st.slices, (unsigned long)st.switches,
             (unsigned long)st.preemptions,
             st.reschedule_pending ? "yes" : "no");
    fdprintf(STDOUT, "orphans reaped by init: %lu\n", init_orphans_reaped());
    return 0;
}

static int cmd_mem(int argc, char **argv)
{
    struct frame_stats fs = frame_stats();
    struct heap_stats hs = heap_stats();

    (void)argc;
    (void)argv;
    fdprintf(STDOUT, "frames: %lu total, %lu free, %lu in use (%lu KiB free)\n",
             (unsigned long)fs.total, (unsigned long)fs.free,
             (unsigned long)(fs.total - fs.free),
             (unsigned long)(fs.free * (PAGE_SIZE / 1024)));
    fdprintf(STDOUT,
             "heap: %lu bytes in use, %lu live allocations, peak %lu bytes\n",
             (unsigned long)hs.bytes_in_use, (unsigned long)hs.live_allocs,
             (unsigned long)hs.peak_bytes);
    fdprintf(STDOUT, "heap pools: %lu (%lu bytes), bad frees: %lu\n",
             (unsigned long)hs.pools, (unsigned long)hs.pool_bytes,
             (unsigned long)hs.bad_frees);
    return 0;
}

static void list_demos(void)
{
    for (size_t i = 0; i < demo_count(); i++) {
        const struct demo *d = demo_at(i);

        fdprintf(STDOUT, "  %-8s [n]  n %s, %d to %lu (default %lu)\n", d->name,
                 d->n_means, d->zero_ok ? 0 : 1, d->n_max, d->n_def);
        fdprintf(STDOUT, "                %s\n", d->help);
    }
}

/* Start n processes of d (or one, given n), recording each as a child. */
static int spawn_demo(const struct demo *d, unsigned long n)
{
    unsigned long procs = d->copies ? n : 1;

    if (procs > children_free()) {
        fdprintf(STDOUT,
                 "spawn: the shell tracks at most %d children and "
                 "has room for %lu ('wait' for some)\n",
                 SHELL_MAX_CHILDREN, (unsigned long)children_free());
        return -EAGAIN;
    }
    for (unsigned long i = 0; i < procs; i++) {
        void *arg = d->copies ? NULL : (void *)(uintptr_t)n;
        pid_t pid = spawn_kernel_process(d->name, d->entry, arg);

        if (pid < 0) {
            fdprintf(STDOUT, "spawn: cannot start %s: %s\n", d->name,
                     errno_name(pid));
            return pid;
        }
        child_add(pid, d->name);
        fdprintf(STDOUT, "[pid %d] %s started\n", pid, d->name);
    }
    return 0;
}

/* argv[0] a demo, argv[1] (argc 2) its n, for cmd: 0, or -EINVAL after a
 * message. */
static int demo_args(const char *cmd, int argc, char **argv,
                     const struct demo **d, unsigned long *n)
{
    *d = demo_find(argv[0]);
    if (*d == NULL) {
        fdprintf(STDOUT, "%s: unknown demo '%s'; the demos are:\n", cmd,
                 argv[0]);
        list_demos();
        return -EINVAL;
    }
    *n = (*d)->n_def;
    if (argc == 2 && parse_number(cmd, argv[1], (*d)->zero_ok ? 0 : 1,
                                  (*d)->n_max, n) != 0) {
        return -EINVAL;
    }
    return 0;
}

static int cmd_spawn(int argc, char **argv)
{
    const struct demo *d;
    unsigned long n;

    if (argc == 1) {
        fdprintf(STDOUT, "demos (spawn <demo> [n]):\n");
        list_demos();
        return 0;
    }
    if (demo_args("spawn", argc - 1, argv + 1, &d, &n) != 0) {
        return -EINVAL;
    }
    return spawn_demo(d, n);
}

/*
 * Spawn d as spawn_demo does, every child starting life with policy, prio
 * and nice: the shell takes them on itself, spawns (a child inherits them,
 * and one of the shell's own priority does not preempt it), then goes back
 * to its own, which lets a real-time child run at once.
 */
static int spawn_as(const struct demo *d, unsigned long n, int policy, int prio,
                    int nice)
{
    int old_policy, old_prio, old_nice, err;

    if (process_getscheduler(0, &old_policy, &old_prio) != 0 ||
        process_getnice(0, &old_nice) != 0) {
        return -ESRCH; /* not a process: cannot happen in the shell */
    }
    err = process_setnice(0, nice);
    if (err == 0) {
        err = process_setscheduler(0, policy, prio);
    }
    if (err == 0) {
        err = spawn_demo(d, n);
    } else {
        fdprintf(STDOUT, "spawn: cannot take on the policy: %s\n",
                 errno_name(err));
    }
    process_setnice(0, old_nice);
    process_setscheduler(0, old_policy, old_prio);
    return err;
}

/* PID for cmd: 1..INT32_MAX (0 would mean the shell itself). */
static int parse_pid(const char *cmd, const char *s, pid_t *pid)
{
    unsigned long v;

    if (parse_number(cmd, s, 1, INT32_MAX, &v) != 0) {
        return -EINVAL;
    }
    *pid = (pid_t)v;
    return 0;
}

/* Report err from changing pid: "no process", or its name. */
static int pid_error(const char *cmd, pid_t pid, int err)
{
    if (err == -ESRCH) {
        fdprintf(STDOUT, "%s: no process %d\n", cmd, pid);
    } else {
        fdprintf(STDOUT, "%s: %d: %s\n", cmd, pid, errno_name(err));
    }
    return err;
}

/* nice N <demo> [n]: spawn at nice N (absolute, -20..19), the shell's
 * policy. */
static int cmd_nice(int argc, char **argv)
{
    const struct demo *d;
    unsigned long n;
    long nice;
    int policy, prio;

    if (parse_int("nice", argv[1], NICE_MIN, NICE_MAX, &nice) != 0 ||
        demo_args("nice", argc - 2, argv + 2, &d, &n) != 0) {
        return -EINVAL;
    }
    if (process_getscheduler(0, &policy, &prio) != 0) {
        return -ESRCH;
    }
    return spawn_as(d, n, policy, prio, (int)nice);
}

/* renice N PID: set one process's nice. */
static int cmd_renice(int argc, char **argv)
{
    long nice;
    pid_t pid;
    int old, err;

    (void)argc;
    if (parse_int("renice", argv[1], NICE_MIN, NICE_MAX, &nice) != 0 ||
        parse_pid("renice", argv[2], &pid) != 0) {
        return -EINVAL;
    }
    err = process_getnice(pid, &old);
    if (err == 0) {
        err = process_setnice(pid, (int)nice);
    }
    if (err != 0) {
        return pid_error("renice", pid, err);
    }
    fdprintf(STDOUT, "renice: pid %d nice %d -> %ld\n", pid, old, nice);
    return 0;
}

/* -f FIFO, -r RR, -o OTHER; -1 for anything else. */
static int chrt_policy(const char *flag)
{
    static const char *const flags[] = {
        [SCHED_OTHER] = "-o",
        [SCHED_FIFO] = "-f",
        [SCHED_RR] = "-r",
    };

    for (int p = SCHED_OTHER; p <= SCHED_RR; p++) {
        if (strcmp(flag, flags[p]) == 0) {
            return p;
        }
    }
    return -1;
}

/* chrt -f|-r|-o PRIO PID: set one process's policy and priority. */
static int chrt_pid(const char *arg, int policy, int prio)
{
    int old_policy, old_prio, err;
    pid_t pid;

    if (parse_pid("chrt", arg, &pid) != 0) {
        return -EINVAL;
    }
    err = process_getscheduler(pid, &old_policy, &old_prio);
    if (err == 0) {
        err = process_setscheduler(pid, policy, prio);
    }
    if (err != 0) {
        return pid_error("chrt", pid, err);
    }
    fdprintf(STDOUT, "chrt: pid %d %s %d -> %s %d\n", pid,
             policy_name(old_policy), old_prio, policy_name(policy), prio);
    return 0;
}

/* chrt -f|-r|-o PRIO <demo> [n] spawns; chrt -f|-r|-o PRIO PID changes. */
static int cmd_chrt(int argc, char **argv)
{
    int policy = chrt_policy(argv[1]);
    bool pid = argv[3][0] >= '0' && argv[3][0] <= '9';
    const struct demo *d;
    unsigned long n;
    long prio;
    int nice;

    if (policy < 0 || (pid && argc != 4)) {
        fdprintf(STDOUT, "usage: chrt -f|-r|-o PRIO <demo> [n] | PID\n");
        return -EINVAL;
    }
    if (parse_int("chrt", argv[2], policy == SCHED_OTHER ? 0 : SCHED_PRIO_MIN,
                  policy == SCHED_OTHER ? 0 : SCHED_PRIO_MAX, &prio) != 0) {
        return -EINVAL;
    }
    if (pid) {
        return chrt_pid(argv[3], policy, (int)prio);
    }
    if (demo_args("chrt", argc - 3, argv + 3, &d, &n) != 0) {
        return -EINVAL;
    }
    if (process_getnice(0, &nice) != 0) {
        return -ESRCH;
    }
    return spawn_as(d, n, policy, (int)prio, nice);
}

/* wait4 for target with ctrl-C sending SIGINT to fg meanwhile. */
static pid_t wait_foreground(pid_t target, pid_t fg, int *status)
{
    pid_t pid;

    input_set_foreground(fg);
    pid = (pid_t)sys_wait4(target, status, 0, NULL);
    input_set_foreground(0);
    return pid;
}

/* Any child; ctrl-C interrupts the newest by killing it (SIGINT). */
static int cmd_wait(int argc, char **argv)
{
    int status = 0;
    pid_t pid;

    (void)argc;
    (void)argv;
    pid = wait_foreground(-1, child_newest(), &status);
    if (pid == -ECHILD) {
        fdprintf(STDOUT, "wait: no children\n");
        return 0;
    }
    if (pid < 0) {
        fdprintf(STDOUT, "wait: %s\n", errno_name(pid));
        return pid;
    }
    child_ended(pid, KWEXITSTATUS(status),
                KWIFSIGNALED(status) ? KWTERMSIG(status) : 0);
    return 0;
}

/* -SIG: a number 0..KNSIG-1 or a name, with or without "SIG".  0 or -EINVAL. */
static int parse_signal(const char *s, int *sig)
{
    unsigned long v;

    if (kstrtoul(s, 10, &v) == 0) {
        *sig = (int)v;
        return v < KNSIG ? 0 : -EINVAL;
    }
    if (strncmp(s, "SIG", 3) == 0) {
        s += 3;
    }
    for (size_t i = 0; i < NSIGNALS; i++) {
        if (strcmp(s, signals[i].name) == 0) {
            *sig = signals[i].sig;
            return 0;
        }
    }
    return -EINVAL;
}

/* kill [-SIG] PID: SIGTERM unless told; errors by name. */
static int cmd_kill(int argc, char **argv)
{
    int sig = SIGTERM;
    unsigned long pid;
    long err;

    if ((argc == 3 &&
         (argv[1][0] != '-' || parse_signal(argv[1] + 1, &sig) != 0)) ||
        (argc == 2 && argv[1][0] == '-') ||
        kstrtoul(argv[argc - 1], 10, &pid) != 0 || pid == 0 ||
        pid > INT32_MAX) {
        fdprintf(STDOUT, "usage: kill [-SIG] PID (SIG: a number, INT, KILL "
                         "or TERM; e.g. kill -9 5)\n");
        return -EINVAL;
    }
    err = sys_kill((pid_t)pid, sig);
    if (err != 0) {
        fdprintf(STDOUT, "kill: %lu: %s\n", pid, errno_name((int)err));
    }
    return (int)err;
}

static int cmd_uptime(int argc, char **argv)
{
    uint64_t ms = uptime_ns() / 1000000;

    (void)argc;
    (void)argv;
    fdprintf(STDOUT, "up %lu.%03lu s (%lu ticks at %u Hz)\n",
             (unsigned long)(ms / 1000), (unsigned long)(ms % 1000),
             (unsigned long)timer_ticks(), timer_hz());
    return 0;
}

/*
 * "SECONDS[.frac]": up to 9 digits of seconds and 1 to 9 of fraction, so
 * every value fits a timespec exactly.  0 or -EINVAL.
 */
static int parse_seconds(const char *s, struct ktimespec *ts)
{
    int64_t sec = 0, nsec = 0, scale = 100000000;
    int digits = 0;

    for (; *s >= '0' && *s <= '9' && digits < 10; s++, digits++) {
        sec = sec * 10 + (*s - '0');
    }
    if (digits == 0 || digits > 9) {
        return -EINVAL;
    }
    if (*s == '.') {
        for (digits = 0, s++; *s >= '0' && *s <= '9' && digits < 10;
             s++, digits++) {
            nsec += (*s - '0') * scale;
            scale /= 10;
        }
        if (digits == 0 || digits > 9) {
            return -EINVAL;
        }
    }
    ts->tv_sec = sec;
    ts->tv_nsec = nsec;
    return *s == '\0' ? 0 : -EINVAL;
}

/* The sleep itself, in a child so that ctrl-C can end it (SIGINT). */
static int sleeper_main(void *arg)
{
    long err = sys_nanosleep(arg, NULL);

    return err != 0 ? 1 : 0;
}

static int cmd_sleep(int argc, char **argv)
{
    static struct ktimespec ts; /* the child reads it while we wait */
    int status = 0;
    pid_t pid;

    (void)argc;
    if (parse_seconds(argv[1], &ts) != 0) {
        fdprintf(STDOUT, "usage: sleep SECONDS[.frac] (e.g. 1, 0.25)\n");
        return -EINVAL;
    }
    pid = spawn_kernel_process("sleep", sleeper_main, &ts);
    if (pid > 0) {
        pid = wait_foreground(pid, pid, &status);
    }
    if (pid < 0) {
        fdprintf(STDOUT, "sleep: %s\n", errno_name(pid));
        return pid;
    }
    if (KWIFSIGNALED(status)) {
        fdprintf(STDOUT, "sleep: interrupted\n");
        return -EINTR;
    }
    return KWEXITSTATUS(status) != 0 ? -EINVAL : 0;
}

/* ---- top ---------------------------------------------------------------- */

#define TOP_ROWS 10   /* the busiest processes shown */
#define TOP_MAX  1024 /* processes sampled per frame; the rest are counted */

/* One process's slices at a frame; the arrays are in spawn order. */
struct top_sample {
    uint64_t serial;
    uint64_t slices;
};

/* The previous frame's samples and this one's (one top runs at a time:
 * the shell waits for it). */
static struct {
    struct top_sample s[2][TOP_MAX];
    size_t n[2];
    uint64_t at[2]; /* timer_ticks() of each */
} top;

/* Keep pi among the best TOP_ROWS by delta, most first (ties: older). */
static void top_rank(struct process_info best[TOP_ROWS],
                     uint64_t delta[TOP_ROWS], size_t *nbest,
                     const struct process_info *pi, uint64_t d)
{
    size_t i = *nbest < TOP_ROWS ? (*nbest)++ : TOP_ROWS;

    while (i > 0 && delta[i - 1] < d) {
        if (i < TOP_ROWS) {
            best[i] = best[i - 1];
            delta[i] = delta[i - 1];
        }
        i--;
    }
    if (i < TOP_ROWS) {
        best[i] = *pi;
        delta[i] = d;
    }
}

/*
 * Sample every process into frame cur and rank them by the slices they
 * were charged since frame !cur: one merge of two spawn-ordered lists, so
 * a frame costs the live processes (times TOP_ROWS), never a search.
 */
static size_t top_sample(int cur, struct process_info best[TOP_ROWS],
                         uint64_t delta[TOP_ROWS], size_t *nbest)
{
    const struct top_sample *prev = top.s[!cur];
    size_t j = 0, live = 0;
    struct process_info pi;

    top.n[cur] = 0;
    top.at[cur] = timer_ticks();
    for (int err = process_next(NULL, &pi); err == 0;
         err = process_next(&pi, &pi), live++) {
        uint64_t before = 0;

        while (j < top.n[!cur] && prev[j].serial < pi.serial) {
            j++;
        }
        if (j < top.n[!cur] && prev[j].serial == pi.serial) {
            before = prev[j].slices; /* else spawned since: all of it */
        }
        if (top.n[cur] < TOP_MAX) {
            top.s[cur][top.n[cur]++] =
                (struct top_sample){pi.serial, pi.slices};
            top_rank(best, delta, nbest, &pi, pi.slices - before);
        }
    }
    return live;
}

/* Clear the screen and draw frame number frame (its samples in cur). */
static void top_draw(unsigned long frame, int cur)
{
    struct process_info best[TOP_ROWS];
    uint64_t delta[TOP_ROWS];
    size_t nbest = 0, live = top_sample(cur, best, delta, &nbest);
    uint64_t ticks = top.at[cur] - top.at[!cur];
    uint64_t ms = uptime_ns() / 1000000;
    char share[8];

    fdprintf(STDOUT,
             "\x1b[H\x1b[2Jtop: frame %lu, up %lu.%03lu s, %lu processes; "
             "CPU share over the last %lu ticks; any key quits\n",
             frame, (unsigned long)(ms / 1000), (unsigned long)(ms % 1000),
             (unsigned long)live, (unsigned long)ticks);
    fdprintf(STDOUT, "  PID NAME            STATE    POLICY PRI NICE  CPU%%\n");
    for (size_t i = 0; i < nbest; i++) {
        fdprintf(STDOUT, "%5d %-15s %-8s %-6s %3d %4d %5s\n", best[i].pid,
                 best[i].name, proc_state_name(best[i].state),
                 policy_name(best[i].policy), best[i].effective_priority,
                 best[i].nice, percent(delta[i], ticks, share, sizeof(share)));
    }
    if (live > TOP_MAX) {
        fdprintf(STDOUT, "(%lu processes past the first %d not sampled)\n",
                 (unsigned long)(live - TOP_MAX), TOP_MAX);
    }
}

/* Take a byte from dev if one is queued (never blocks): true if so. */
static bool top_key(struct chardev *dev)
{
    char c;
    long n;

    spin_lock(&input_lock);
    n = dev_read(dev, &c, 1);
    spin_unlock(&input_lock);
    return n > 0;
}

/*
 * top's own process: a frame every timer_hz() ticks, and between them a
 * look at stdin every tick, so a key ends it within a tick.  Bytes already
 * queued when it starts (the rest of the command's line) are dropped.
 */
static int top_main(void *arg)
{
    struct file_descriptor in;
    unsigned long frame = 0;
    int cur = 0;

    (void)arg;
    if (process_descriptor(current_pid(), STDIN, &in) != 0 ||
        in.kind != FD_CHAR) {
        fdprintf(STDOUT, "top: no input to end it with\n");
        return 1;
    }
    while (top_key(in.dev)) {
    }
    top.n[0] = top.n[1] = 0;
    top.at[0] = top.at[1] = 0; /* the first frame: shares since boot */
    top_draw(++frame, cur);
    while (sleep_ticks(1) == 0 && !top_key(in.dev)) {
        if (timer_ticks() - top.at[cur] >= timer_hz()) {
            cur = !cur;
            top_draw(++frame, cur);
        }
    }
    fdprintf(STDOUT, "top: %lu frames\n", frame);
    return 0;
}

/* Run top in a child, so that ctrl-C (SIGINT to it) ends it too. */
static int cmd_top(int argc, char **argv)
{
    int status = 0;
    pid_t pid;

    (void)argc;
    (void)argv;
    pid = spawn_kernel_process("top", top_main, NULL);
    if (pid > 0) {
        pid = wait_foreground(pid, pid, &status);
    }
    if (pid < 0) {
        fdprintf(STDOUT, "top: %s\n", errno_name(pid));
        return pid;
    }
    if (KWIFSIGNALED(status)) {
        fdprintf(STDOUT, "\ntop: interrupted\n");
    }
    return 0;
}

static int cmd_halt(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fdprintf(STDOUT, "Powering off.\n");
    arch_poweroff();
    fdprintf(STDOUT, "Power-off failed; halting. It is safe to switch off.\n");
    arch_halt();
}

static int cmd_devices(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < driver_count(); i++) {
        const struct chardev *d = driver_at(i);

        fdprintf(STDOUT, "%-10s %s%s\n", d->name, d->ops->read ? "read " : "",
                 d->ops->write ? "write" : "");
    }
    return 0;
}

/* The value in effect for known key, or "-" (not given, or not read). */
static const char *cmdline_in_effect(const char *key, char *buf, size_t size)
{
    for (size_t i = 0; i < cmdline_known_count(); i++) {
        if (strcmp(cmdline_known_key(i), key) == 0) {
            const char *v = cmdline_known_effective(i, buf, size);

            return v != NULL ? v : "-";
        }
    }
    return "-";
}

/* Each word given, with the value in effect or why it was ignored. */
static int cmd_cmdline(int argc, char **argv)
{
    char buf[24];

    (void)argc;
    (void)argv;
    fdprintf(STDOUT, "options given:%s\n", cmdline_count() ? "" : " none");
    for (size_t i = 0; i < cmdline_count(); i++) {
        const char *key = cmdline_key(i), *value = cmdline_value(i);
        const char *why = cmdline_ignored(i);
        char word[CMDLINE_WORD_MAX];

        ksnprintf(word, sizeof(word), "%s%s%s", key, value ? "=" : "",
                  value ? value : "");
        if (why != NULL) {
            fdprintf(STDOUT, "  %-20s ignored: %s\n", word, why);
        } else {
            fdprintf(STDOUT, "  %-20s in effect: %s\n", word,
                     cmdline_in_effect(key, buf, sizeof(buf)));
        }
    }
    fdprintf(STDOUT, "options known (value in effect):\n");
    for (size_t i = 0; i < cmdline_known_count(); i++) {
        const char *v = cmdline_known_effective(i, buf, sizeof(buf));

        fdprintf(STDOUT, "  %-9s %-6s %s\n", cmdline_known_key(i),
                 v != NULL ? v : "-", cmdline_known_help(i));
    }
    return 0;
}

/* trace on|off|dump, or alone the state (docs/trace.md). */
static int cmd_trace(int argc, char **argv)
{
    struct trace_stats st;

    if (argc == 1) {
        st = trace_stats();
        fdprintf(STDOUT,
                 "trace: %s, %lu events recorded, %lu overwritten (ring of "
                 "%u)\n",
                 st.on ? "on" : "off", (unsigned long)st.recorded,
                 (unsigned long)st.overwritten, (unsigned)TRACE_RECORDS);
    } else if (strcmp(argv[1], "on") == 0 || strcmp(argv[1], "off") == 0) {
        trace_set(argv[1][1] == 'n');
    } else if (strcmp(argv[1], "dump") == 0) {
        trace_dump();
    } else {
        fdprintf(STDOUT, "usage: trace [on|off|dump]\n");
        return -EINVAL;
    }
    return 0;
}

static int cmd_exit(int argc, char **argv)
{
    unsigned long code = 0;

    if (argc == 2 &&
        parse_number("exit", argv[1], 0, SHELL_EXIT_MAX, &code) != 0) {
        return -EINVAL;
    }
    sh.exiting = true;
    sh.exit_code = (int)code;
    return 0;
}

/* ---- Programs and the initramfs ------------------------------------------ */

/* The environment every program the shell runs gets (docs/shell.md). */
static const char *const program_env[] = {"HOME=/", "PATH=/bin", "TERM=linux",
                                          NULL};

/*
 * A line whose first word is a path: run that program from the initramfs
 * in the foreground (ctrl-C sends it SIGINT) and report how it ended
 * unless it exited with status 0.
 */
static int run_program(int argc, char **argv)
{
    const char *args[MAX_ARGS + 1];
    char sname[16];
    int status = 0;
    pid_t pid;

    for (int i = 0; i < argc; i++) {
        args[i] = argv[i];
    }
    args[argc] = NULL;
    pid = spawn_user_process(argv[0], args, program_env);
    if (pid < 0) {
        fdprintf(STDOUT, "%s: %s\n", argv[0], errno_name(pid));
        return pid;
    }
    pid = wait_foreground(pid, pid, &status);
    if (pid < 0) {
        fdprintf(STDOUT, "%s: wait: %s\n", argv[0], errno_name(pid));
        return pid;
    }
    if (KWIFSIGNALED(status)) {
        fdprintf(STDOUT, "[pid %d] killed by signal %s\n", pid,
                 signal_name(KWTERMSIG(status), sname, sizeof(sname)));
    } else if (KWEXITSTATUS(status) != 0) {
        fdprintf(STDOUT, "[pid %d] exited with status %d\n", pid,
                 KWEXITSTATUS(status));
    }
    return 0;
}

/* ls [DIR]: one line per entry of an initramfs directory (or the file
 * named): type, size, name; directories end in '/'. */
static int cmd_ls(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/";
    const struct ramfs_node *node;
    struct ramfs_dirent d;
    struct ramfs_stat st;
    int err = ramfs_lookup(initramfs(), NULL, path, 0, &node);

    if (err != 0) {
        fdprintf(STDOUT, "ls: %s: %s\n", path, errno_name(err));
        return err;
    }
    ramfs_stat(node, &st);
    if (!FS_ISDIR(st.mode)) {
        fdprintf(STDOUT, "%c %8lu %s\n", FS_ISLNK(st.mode) ? 'l' : '-',
                 (unsigned long)st.size, path);
        return 0;
    }
    for (uint64_t i = 2; ramfs_readdir(node, i, &d) == 1; i++) {
        ramfs_stat(d.node, &st);
        fdprintf(STDOUT, "%c %8lu %s%s\n",
                 FS_ISDIR(st.mode)   ? 'd'
                 : FS_ISLNK(st.mode) ? 'l'
                                     : '-',
                 (unsigned long)st.size, d.name, FS_ISDIR(st.mode) ? "/" : "");
    }
    return 0;
}

static const struct command commands[] = {
    {"help", "", "list the commands", 0, 0, cmd_help},
    {"ps", "", "one line per process", 0, 0, cmd_ps},
    {"top", "", "the busiest processes, every second, until a key", 0, 0,
     cmd_top},
    {"dump", "[pid]", "log everything about one or all processes", 0, 1,
     cmd_dump},
    {"stats", "", "scheduler counters", 0, 0, cmd_stats},
    {"mem", "", "frame and heap counters", 0, 0, cmd_mem},
    {"spawn", "<demo> [n]", "start a demo (alone: list the demos)", 0, 2,
     cmd_spawn},
    {"nice", "N <demo> [n]", "spawn a demo at nice N (-20..19)", 2, 3,
     cmd_nice},
    {"chrt", "-f|-r|-o PRIO <demo> [n] | PID",
     "a policy: spawn a demo, or change PID", 3, 4, cmd_chrt},
    {"renice", "N PID", "set a process's nice (-20..19)", 2, 2, cmd_renice},
    {"wait", "", "wait for a child to exit (ctrl-C kills the newest)", 0, 0,
     cmd_wait},
    {"kill", "[-SIG] PID", "send a signal (default TERM; INT, KILL, number)", 1,
     2, cmd_kill},
    {"uptime", "", "time since the timer started", 0, 0, cmd_uptime},
    {"sleep", "SECONDS[.frac]", "sleep, e.g. sleep 0.25 (ctrl-C ends it)", 1, 1,
     cmd_sleep},
    {"ls", "[DIR]", "list an initramfs directory (a program: /bin/NAME)", 0, 1,
     cmd_ls},
    {"devices", "", "registered character devices", 0, 0, cmd_devices},
    {"cmdline", "", "kernel options given and in effect", 0, 0, cmd_cmdline},
    {"trace", "[on|off|dump]", "scheduler trace (alone: its state)", 0, 1,
     cmd_trace},
    {"exit", "[code]", "end this shell; init starts a new one", 0, 1, cmd_exit},
    {"halt", "", "power the machine off", 0, 0, cmd_halt},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        fdprintf(STDOUT, "  %-8s %-11s %s\n", commands[i].name,
                 commands[i].usage, commands[i].help);
    }
    return 0;
}

/* Split line into words in place; returns the count, or -EINVAL past max. */
static int split(char *line, char **argv, int max)
{
    int argc = 0;

    for (char *p = line; *p != '\0';) {
        while (*p == ' ' || *p == '\t') {
            *p++ = '\0';
        }
        if (*p == '\0') {
            break;
        }
        if (argc == max) {
            return -EINVAL;
        }
        argv[argc++] = p;
        while (*p != '\0' && *p != ' ' && *p != '\t') {
            p++;
        }
    }
    return argc;
}

int shell_execute(char *line)
{
    char *argv[MAX_ARGS];
    int argc = split(line, argv, MAX_ARGS);

    if (argc < 0) {
        fdprintf(STDOUT, "too many words (at most %d)\n", MAX_ARGS);
        return -EINVAL;
    }
    if (argc == 0) {
        return 0;
    }
    if (argv[0][0] == '/') {
        return run_program(argc, argv);
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const struct command *c = &commands[i];

        if (strcmp(argv[0], c->name) != 0) {
            continue;
        }
        if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
            fdprintf(STDOUT, "usage: %s %s\n", c->name, c->usage);
            return -EINVAL;
        }
        return c->fn(argc, argv);
    }
    fdprintf(STDOUT, "unknown command '%s' (type 'help' for the list)\n",
             argv[0]);
    return -EINVAL;
}

/* ---- Line input ---------------------------------------------------------- */

/* Where the editor is in an escape sequence: ESC [ params final, ESC O x. */
enum escape { ESC_NONE, ESC_SEEN, ESC_CSI, ESC_SS3 };

struct line {
    char buf[SHELL_LINE_MAX];
    size_t len;
    bool overflow;      /* the line outgrew buf; it is discarded at its end */
    char last;          /* previous byte, to treat "\r\n" as one end of line */
    enum escape escape; /* bytes of a sequence are never inserted */
    unsigned back;      /* history lines stepped back by Up; 0: a new line */
};

static void echo(const char *s, size_t n)
{
    sys_write(STDOUT, s, n);
}

static void line_clear(struct line *l)
{
    l->len = 0;
    l->buf[0] = '\0';
    l->overflow = false;
    l->escape = ESC_NONE;
    l->back = 0;
}

/* Remember a finished line, unless it is empty or repeats the last one. */
static void history_add(const char *s)
{
    if (s[0] == '\0' ||
        (sh.nhistory > 0 &&
         strcmp(sh.history[(sh.nhistory - 1) % HISTORY], s) == 0)) {
        return;
    }
    kstrlcpy(sh.history[sh.nhistory % HISTORY], s, SHELL_LINE_MAX);
    sh.nhistory++;
}

/* Up (dir 1) or Down (dir -1): show the line one step older or newer. */
static void history_step(struct line *l, int dir)
{
    unsigned kept = sh.nhistory < HISTORY ? sh.nhistory : HISTORY;
    unsigned back = l->back + (unsigned)dir;

    if (back > kept) {
        return; /* nothing older (or newer) to show */
    }
    while (l->len > 0) {
        l->len--;
        echo("\b \b", 3);
    }
    l->back = back;
    l->overflow = false;
    if (back > 0) {
        kstrlcpy(l->buf, sh.history[(sh.nhistory - back) % HISTORY],
                 sizeof(l->buf));
        l->len = strlen(l->buf);
        echo(l->buf, l->len);
    }
}

/* Consume c if it is part of an escape sequence; act on Up and Down. */
static bool line_escape(struct line *l, char c)
{
    enum escape e = l->escape;

    if (c == 0x1B) {
        l->escape = ESC_SEEN;
        return true;
    }
    if (e == ESC_NONE) {
        return false;
    }
    if (e == ESC_SEEN && (c == '[' || c == 'O')) {
        l->escape = c == '[' ? ESC_CSI : ESC_SS3;
        return true;
    }
    if (e == ESC_CSI && c >= 0x20 && c <= 0x3F) {
        return true; /* parameter and intermediate bytes */
    }
    l->escape = ESC_NONE;
    if (e != ESC_SEEN && (c == 'A' || c == 'B')) {
        history_step(l, c == 'A' ? 1 : -1);
    }
    return c >= 0x20 && c < 0x7F; /* the final byte; a control acts */
}

/* Feed one byte; returns true when a complete line is in l->buf. */
static bool line_feed(struct line *l, char c)
{
    char prev = l->last;

    l->last = c;
    if (line_escape(l, c) || (c == '\n' && prev == '\r')) {
        return false;
    }
    if (c == '\r' || c == '\n') {
        echo("\n", 1);
        l->buf[l->len] = '\0';
        if (!l->overflow) {
            history_add(l->buf);
        }
        return true;
    }
    if ((c == '\b' || c == 0x7F) && l->len > 0) {
        l->len--;
        echo("\b \b", 3);
    } else if (c == 0x15 || c == 0x03) { /* ctrl-U, ctrl-C */
        echo(c == 0x03 ? "^C\n" : "\n", c == 0x03 ? 3 : 1);
        line_clear(l);
        return c == 0x03; /* an empty line: a fresh prompt */
    } else if (c >= 0x20 && c < 0x7F) {
        if (l->len + 1 < sizeof(l->buf)) {
            l->buf[l->len++] = c;
            echo(&c, 1);
        } else {
            l->overflow = true;
        }
    }
    return false;
}

/* Read and edit one line into l: 0, or -errno (-EIO at end of input). */
static int read_line(struct line *l)
{
    line_clear(l);
    for (;;) {
        char c;
        long n = sys_read(STDIN, &c, 1);

        if (n <= 0) {
            return n < 0 ? (int)n : -EIO;
        }
        if (line_feed(l, c)) {
            return 0;
        }
    }
}

int shell_main(void *arg)
{
    struct line l = {.len = 0};

    (void)arg;
    memset(&sh, 0, sizeof(sh));
    if (fdprintf(STDOUT, "Type 'help' for commands.\n") < 0) {
        return -EIO;
    }
    if (cmdline_get_ulong("bootcount", 0, 0, 1) != 0) { /* bench/kernel */
        fdprintf(STDOUT, "bootcount: tsc=%lu\n", (unsigned long)arch_cycles());
    }
    while (!sh.exiting) {
        int err;

        echo(PROMPT, sizeof(PROMPT) - 1);
        err = read_line(&l);
        if (err < 0) {
            return err;
        }
        reap_children();
        if (l.overflow) {
            fdprintf(STDOUT, "line too long (at most %d characters); ignored\n",
                     SHELL_LINE_MAX - 1);
        } else {
            shell_execute(l.buf);
        }
        reap_children();
    }
    return sh.exit_code;
}
