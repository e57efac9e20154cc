/*
 * Process groups and sessions (docs/process.md, "Groups and sessions"):
 * Linux's model.  Every process but idle is in exactly one group, from
 * spawn until it is reaped (a zombie stays in it, as on Linux); a group
 * is in one session.  A group is a list of its members, found by pgid in
 * a hash, so signalling or waiting for a group costs O(its members), and
 * finding one O(1) expected.
 *
 * Locking: sched_lock guards every group, the hash and each process's
 * pgrp and pgrp_link.
 */
#ifndef KAIROS_PGRP_H
#define KAIROS_PGRP_H

#include <stdbool.h>

#include "list.h"
#include "process.h"

struct process;

struct pgrp {
    pid_t pgid;             /* the id: its first leader's pid */
    pid_t sid;              /* the session it belongs to */
    struct list members;    /* struct process, by pgrp_link */
    struct pgrp *hash_next; /* next in its hash bucket's chain */
};

/*
 * Put child, not yet published, in parent's group; a child of idle (init,
 * or a test's process) leads a new session and group of its own pid.
 * 0 or -ENOMEM.  Caller holds sched_lock; child->pid is set.
 */
int pgrp_spawn_locked(struct process *child, const struct process *parent);
/* Take p out of its group, freeing the group if p was its last member
 * (p is being reaped).  Caller holds sched_lock. */
void pgrp_leave_locked(struct process *p);
/* True when a group with this id has members: its id is not free for a
 * new pid.  Caller holds sched_lock. */
bool pgrp_exists_locked(pid_t pgid);
/* The group of pid (0: the caller), or -ESRCH.  Never blocks. */
pid_t process_getpgid(pid_t pid);
/* The session of pid (0: the caller), or -ESRCH. */
pid_t process_getsid(pid_t pid);
/*
 * setpgid(2): move pid (0: the caller), which must be the caller or its
 * child, to group pgid (0: pid's own), creating it when pgid is pid.  0,
 * -EINVAL (pgid < 0), -ESRCH (no such process, or not the caller or its
 * child), -EPERM (a child in another session, a session leader, or a
 * group pgid that is not in the caller's session), -EACCES (a child that
 * has called execve, or was spawned from a program), -ENOMEM.
 */
int process_setpgid(pid_t pid, pid_t pgid);
/* Mark pid (0: the caller) as having run execve, so its parent's
 * setpgid on it is -EACCES, as Linux.  Takes sched_lock. */
void process_mark_exec(pid_t pid);
/*
 * setsid(2): the caller leads a new session and a new group, both of its
 * pid: that pid, -EPERM (a group with its pid exists: it leads one), or
 * -ENOMEM.  -EPERM from idle.
 */
pid_t process_setsid(void);
/*
 * Send sig (checked by the caller: 0..KNSIG-1) to every member of group
 * pgid: 0 when it reached one (zombies count, as process_kill), -ESRCH
 * when the group has no members, -EPERM when every member refused (init).
 */
int process_kill_group(pid_t pgid, int sig);
/*
 * kill(-1, sig): every process but idle, init and the caller (Linux's
 * rule).  0, or -ESRCH when there is no such process.  O(processes).
 */
int process_kill_all(int sig);
/*
 * getpriority/setpriority for PRIO_PGRP, group pgid (0: the caller's), or
 * with all, for PRIO_USER: every process but idle (one user).  get: the
 * lowest nice among them (the highest priority); set: nice (-20..19) for
 * each.  0, or -ESRCH when there is none.  O(members) / O(processes).
 */
int process_getnice_group(pid_t pgid, bool all, int *nice);
int process_setnice_group(pid_t pgid, bool all, int nice);
/* Host tests: forget every group (process_reset). Takes no lock. */
void pgrp_reset(void);
/* Check every group: members point back, ids match, the count matches
 * the hash.  0 or -EINVAL after printing what is wrong.  Caller holds
 * sched_lock. */
int pgrp_check_locked(void);

#endif
