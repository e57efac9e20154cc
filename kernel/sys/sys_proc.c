/*
 * Process calls: groups and sessions (getpgid, setpgid, getpgrp, getsid,
 * setsid), kill to a pid, a group or everyone, tkill and tgkill, and wait4 for a child, a
 * group or any child, with WNOHANG (docs/syscalls.md, docs/signals.md).
 * The groups themselves are kernel/proc/pgrp.c.
 */
#include "handlers.h"

#include "kerrno.h"
#include "kstring.h"
#include "pgrp.h"
#include "proc.h"
#include "uaccess.h"

/* wait4's options, Linux's values.  No process ever stops (there are no
 * stop signals), so WUNTRACED and WCONTINUED are accepted and never
 * report anything.  __WCLONE alone asks for "clone" children (those
 * that signal their parent with something other than SIGCHLD): there are
 * none. */
#define KWNOHANG     0x00000001
#define KWUNTRACED   0x00000002
#define KWCONTINUED  0x00000008
#define K__WNOTHREAD 0x20000000
#define K__WALL      0x40000000
#define K__WCLONE    0x80000000
#define KWAIT4_OPTIONS \
    (KWNOHANG | KWUNTRACED | KWCONTINUED | K__WNOTHREAD | K__WALL | K__WCLONE)

/* Linux x86_64's struct rusage: two timevals and fourteen longs. */
#define KRUSAGE_SIZE 144

long sys_getpgid(const long arg[6])
{
    return process_getpgid((pid_t)arg[0]);
}

long sys_getpgrp(const long arg[6])
{
    (void)arg;
    return process_getpgid(0);
}

long sys_getsid(const long arg[6])
{
    return process_getsid((pid_t)arg[0]);
}

long sys_setpgid(const long arg[6])
{
    return process_setpgid((pid_t)arg[0], (pid_t)arg[1]);
}

long sys_setsid(const long arg[6])
{
    (void)arg;
    return process_setsid();
}

/*
 * kill(pid, sig): pid > 0 that process, 0 the caller's group, -1 every
 * process but idle, init and the caller, < -1 group -pid.  A bad signal
 * is -EINVAL, except to a pid that does not exist (-ESRCH first, as
 * Linux); INT_MIN names no group (-ESRCH, as Linux).
 */
long do_kill(const long arg[6])
{
    pid_t pid = (pid_t)arg[0];
    int sig = (int)arg[1];
    pid_t pgid;

    if (pid > 0) {
        return process_kill(pid, sig); /* -ESRCH before -EINVAL */
    }
    if (sig < 0 || sig >= KNSIG) {
        return -EINVAL;
    }
    if (pid == -1) {
        return process_kill_all(sig);
    }
    if (pid == INT32_MIN) {
        return -ESRCH;
    }
    pgid = pid == 0 ? process_getpgid(0) : -pid;
    return pgid > 0 ? process_kill_group(pgid, sig) : -ESRCH;
}

/*
 * wait4(pid, status, options, rusage).  pid as kill's (< -1 a group, 0
 * the caller's, -1 any child, > 0 that child).  The pointers are dealt
 * with before waiting, so a bad one never loses a child: status is checked
 * writable, and rusage is zeroed then (Kairos keeps no resource usage, so
 * zero is its final value: with WNOHANG and nothing to report it is
 * zeroed too, where Linux leaves it).  status may be misaligned: it is
 * stored bytewise.  WNOHANG with no zombie yet returns 0.
 */
long do_wait4(const long arg[6])
{
    pid_t target = (pid_t)arg[0];
    void *status = (void *)arg[1];
    unsigned options = (unsigned)arg[2];
    void *rusage = (void *)arg[3];
    static const uint8_t zeros[KRUSAGE_SIZE];
    int code, sig, wstatus;
    pid_t pid;

    if ((options & ~(unsigned)KWAIT4_OPTIONS) != 0) {
        return -EINVAL;
    }
    if ((options & K__WCLONE) && !(options & K__WALL)) {
        return -ECHILD; /* clone children only: none (no threads) */
    }
    if (status != NULL && check_caller_writable(status, sizeof(wstatus))) {
        return -EFAULT;
    }
    if (rusage != NULL &&
        (check_caller_range(rusage, KRUSAGE_SIZE, true) != 0 ||
         copy_to_caller(rusage, zeros, KRUSAGE_SIZE) != 0)) {
        return -EFAULT;
    }
    pid = wait_child_sig(target, &code, &sig, !(options & KWNOHANG));
    if (pid > 0 && status != NULL) {
        /* Linux's encoding: killed, WTERMSIG = sig; else WEXITSTATUS. */
        wstatus = sig != 0 ? sig & 0x7f : (code & 0xff) << 8;
        if (copy_to_caller(status, &wstatus, sizeof(wstatus)) != 0) {
            return -EFAULT; /* unmapped since the check: reaped anyway */
        }
    }
    return pid;
}
