/*
 * Process groups and sessions (pgrp.h).
 *
 * A group is a heap record holding the list of its members; the records
 * live in a hash by pgid whose buckets double when there are more groups
 * than buckets and halve when there are fewer than an eighth, back down
 * to the static boot array (so a burst of groups leaves no allocation
 * behind).  A group is freed when its last member is reaped, and its id
 * is not given to a new process while it lives (proc.c's pid allocator
 * asks pgrp_exists_locked), as Linux keeps a pgid's pid reserved.
 * Everything runs under sched_lock; the heap may be used under it.
 */
#include "pgrp.h"

#include "heap.h"
#include "kerrno.h"
#include "klog.h"
#include "kstring.h"
#include "ksignal.h"
#include "panic.h"
#include "proc.h"
#include "sched.h"

#define PGRP_BUCKETS_INITIAL 64

/* sched_lock guards these: */
static struct pgrp *boot_buckets[PGRP_BUCKETS_INITIAL];
static struct pgrp **buckets = boot_buckets;
static size_t nbuckets = PGRP_BUCKETS_INITIAL; /* a power of two */
static size_t ngroups;

static struct pgrp **bucket_of(struct pgrp **b, size_t n, pid_t pgid)
{
    return &b[(size_t)pgid & (n - 1)];
}

static struct pgrp *find_locked(pid_t pgid)
{
    struct pgrp *g;

    KASSERT(holding(&sched_lock));
    for (g = *bucket_of(buckets, nbuckets, pgid); g != NULL; g = g->hash_next) {
        if (g->pgid == pgid) {
            return g;
        }
    }
    return NULL;
}

/* Move every group into n buckets (n == the initial size: the boot
 * array).  Without memory for a bigger array the chains just grow. */
static void rehash_locked(size_t n)
{
    bool boot = n == PGRP_BUCKETS_INITIAL;
    struct pgrp **b = boot ? boot_buckets : kcalloc(n, sizeof(*b));
    struct pgrp **old = buckets;
    size_t oldn = nbuckets;

    if (b == NULL || b == old) {
        return;
    }
    if (boot) {
        memset(b, 0, n * sizeof(*b));
    }
    for (size_t i = 0; i < oldn; i++) {
        while (old[i] != NULL) {
            struct pgrp *g = old[i];

            old[i] = g->hash_next;
            g->hash_next = *bucket_of(b, n, g->pgid);
            *bucket_of(b, n, g->pgid) = g;
        }
    }
    buckets = b;
    nbuckets = n;
    if (old != boot_buckets) {
        kfree(old);
    }
}

/* A new empty group pgid in session sid: it, or NULL (no memory). */
static struct pgrp *create_locked(pid_t pgid, pid_t sid)
{
    struct pgrp *g = kmalloc(sizeof(*g));

    KASSERT(holding(&sched_lock));
    if (g == NULL) {
        return NULL;
    }
    g->pgid = pgid;
    g->sid = sid;
    list_init(&g->members);
    g->hash_next = *bucket_of(buckets, nbuckets, pgid);
    *bucket_of(buckets, nbuckets, pgid) = g;
    if (++ngroups > nbuckets) {
        rehash_locked(nbuckets * 2);
    }
    return g;
}

static void destroy_locked(struct pgrp *g)
{
    struct pgrp **link = bucket_of(buckets, nbuckets, g->pgid);

    while (*link != g) {
        link = &(*link)->hash_next;
    }
    *link = g->hash_next;
    kfree(g);
    ngroups--;
    if (nbuckets > PGRP_BUCKETS_INITIAL && ngroups * 8 < nbuckets) {
        rehash_locked(nbuckets / 2);
    }
}

/* Signal one member as process_kill would: idle and init refuse. */
static int send_locked(struct process *p, int sig)
{
    if (p->idle || p->pid == 1) {
        return -EPERM; /* the machine needs both */
    }
    if (sig != 0) {
        signal_send_locked(p, sig);
    }
    return 0;
}

static void join_locked(struct process *p, struct pgrp *g)
{
    p->pgrp = g;
    list_push_back(&g->members, &p->pgrp_link);
}

void pgrp_leave_locked(struct process *p)
{
    struct pgrp *g = p->pgrp;

    KASSERT(holding(&sched_lock));
    if (g == NULL) {
        return;
    }
    list_remove(&p->pgrp_link);
    p->pgrp = NULL;
    if (list_empty(&g->members)) {
        destroy_locked(g);
    }
}

int pgrp_spawn_locked(struct process *child, const struct process *parent)
{
    struct pgrp *g = parent != NULL ? parent->pgrp : NULL;

    KASSERT(holding(&sched_lock));
    if (g == NULL) { /* a child of idle: init, or a test's process */
        g = create_locked(child->pid, child->pid);
        if (g == NULL) {
            return -ENOMEM;
        }
    }
    join_locked(child, g);
    return 0;
}

bool pgrp_exists_locked(pid_t pgid)
{
    return find_locked(pgid) != NULL;
}

/* pid (0: the caller), or NULL.  Caller holds sched_lock. */
static struct process *target_locked(pid_t pid)
{
    return pid == 0 ? proc_current() : proc_lookup_locked(pid);
}

static pid_t query(pid_t pid, bool session)
{
    struct process *p;
    pid_t id = -ESRCH;

    if (pid < 0) {
        return -ESRCH;
    }
    spin_lock(&sched_lock);
    p = target_locked(pid);
    if (p != NULL && p->pgrp != NULL) {
        id = session ? p->pgrp->sid : p->pgrp->pgid;
    }
    spin_unlock(&sched_lock);
    return id;
}

pid_t process_getpgid(pid_t pid)
{
    return query(pid, false);
}

pid_t process_getsid(pid_t pid)
{
    return query(pid, true);
}

/* setpgid's checks and move, in Linux's order (kernel/sys.c). */
static int setpgid_locked(struct process *self, pid_t pid, pid_t pgid)
{
    struct process *p = proc_lookup_locked(pid);
    struct pgrp *g;

    if (p == NULL || p->pgrp == NULL) {
        return -ESRCH;
    }
    if (p->parent == self) {
        if (p->pgrp->sid != self->pgrp->sid) {
            return -EPERM;
        }
        if (p->execed) {
            return -EACCES; /* Linux: !PF_FORKNOEXEC */
        }
    } else if (p != self) {
        return -ESRCH;
    }
    if (p->pgrp->sid == p->pid) {
        return -EPERM; /* a session leader stays in its group */
    }
    g = find_locked(pgid);
    if (pgid != pid && (g == NULL || g->sid != self->pgrp->sid)) {
        return -EPERM;
    }
    if (g == p->pgrp) {
        return 0;
    }
    if (g == NULL && (g = create_locked(pgid, p->pgrp->sid)) == NULL) {
        return -ENOMEM;
    }
    pgrp_leave_locked(p);
    join_locked(p, g);
    return 0;
}

void process_mark_exec(pid_t pid)
{
    struct process *p;

    spin_lock(&sched_lock);
    p = target_locked(pid);
    if (p != NULL) {
        p->execed = true;
    }
    spin_unlock(&sched_lock);
}

int process_setpgid(pid_t pid, pid_t pgid)
{
    struct process *self = proc_current();
    int err;

    if (self == NULL || self->pgrp == NULL) {
        return -ESRCH; /* idle is in no group */
    }
    if (pid == 0) {
        pid = self->pid;
    }
    if (pgid == 0) {
        pgid = pid;
    }
    if (pgid < 0) {
        return -EINVAL;
    }
    spin_lock(&sched_lock);
    err = setpgid_locked(self, pid, pgid);
    spin_unlock(&sched_lock);
    return err;
}

pid_t process_setsid(void)
{
    struct process *self = proc_current();
    struct pgrp *g;
    pid_t ret;

    if (self == NULL || self->pgrp == NULL) {
        return -EPERM;
    }
    spin_lock(&sched_lock);
    if (find_locked(self->pid) != NULL) {
        ret = -EPERM; /* it leads a group already */
    } else if ((g = create_locked(self->pid, self->pid)) == NULL) {
        ret = -ENOMEM;
    } else {
        pgrp_leave_locked(self);
        join_locked(self, g);
        ret = self->pid;
    }
    spin_unlock(&sched_lock);
    return ret;
}

int process_kill_group(pid_t pgid, int sig)
{
    struct pgrp *g;
    int err = -ESRCH;

    spin_lock(&sched_lock);
    g = find_locked(pgid);
    if (g != NULL) {
        struct list *l;

        err = -EPERM;
        list_for_each(l, &g->members)
        {
            if (send_locked(list_entry(l, struct process, pgrp_link), sig) ==
                0) {
                err = 0;
            }
        }
    }
    spin_unlock(&sched_lock);
    return err;
}

struct kill_all {
    const struct process *self;
    int sig;
    bool found;
};

static void kill_one(struct process *p, void *ctx)
{
    struct kill_all *k = ctx;

    if (p != k->self && !p->idle && p->pid != 1) {
        (void)send_locked(p, k->sig); /* idle and init excluded above */
        k->found = true;
    }
}

int process_kill_all(int sig)
{
    struct kill_all k = {proc_current(), sig, false};

    spin_lock(&sched_lock);
    proc_foreach_locked(kill_one, &k);
    spin_unlock(&sched_lock);
    return k.found ? 0 : -ESRCH;
}

struct nice_op {
    bool set;   /* set nice on each, or find the lowest */
    int nice;   /* set: the new one; get: the lowest so far */
    bool found; /* a process matched */
};

static void nice_one(struct process *p, void *ctx)
{
    struct nice_op *op = ctx;

    if (p->idle) {
        return;
    }
    if (op->set) {
        sched_setnice_locked(p, op->nice);
    } else if (!op->found || p->nice < op->nice) {
        op->nice = p->nice;
    }
    op->found = true;
}

/* Apply op to group pgid's members (0: the caller's) or to everyone. */
static int nice_over(pid_t pgid, bool all, struct nice_op *op)
{
    struct process *self = proc_current();
    struct pgrp *g = NULL;
    struct list *l;

    if (!all && pgid < 0) {
        return -ESRCH;
    }
    spin_lock(&sched_lock);
    if (all) {
        proc_foreach_locked(nice_one, op);
    } else {
        g = pgid != 0 ? find_locked(pgid) : self != NULL ? self->pgrp : NULL;
    }
    if (g != NULL) {
        list_for_each(l, &g->members)
        {
            nice_one(list_entry(l, struct process, pgrp_link), op);
        }
    }
    spin_unlock(&sched_lock);
    return op->found ? 0 : -ESRCH;
}

int process_getnice_group(pid_t pgid, bool all, int *nice)
{
    struct nice_op op = {false, 0, false};
    int err = nice_over(pgid, all, &op);

    if (err == 0) {
        *nice = op.nice;
    }
    return err;
}

int process_setnice_group(pid_t pgid, bool all, int nice)
{
    struct nice_op op = {true, nice, false};

    if (nice < NICE_MIN || nice > NICE_MAX) {
        return -EINVAL;
    }
    return nice_over(pgid, all, &op);
}

void pgrp_reset(void)
{
    for (size_t i = 0; i < nbuckets; i++) {
        while (buckets[i] != NULL) {
            struct pgrp *g = buckets[i];

            buckets[i] = g->hash_next;
            kfree(g);
        }
    }
    if (buckets != boot_buckets) {
        kfree(buckets);
    }
    buckets = boot_buckets;
    nbuckets = PGRP_BUCKETS_INITIAL;
    ngroups = 0;
}

struct check {
    size_t members;
    int err;
};

static void check_member(struct process *p, void *ctx)
{
    struct check *c = ctx;

    if (p->idle) {
        if (p->pgrp != NULL) {
            kprintf("pgrp_check: idle is in group %d\n", p->pgrp->pgid);
            c->err = -EINVAL;
        }
        return;
    }
    if (p->pgrp == NULL || find_locked(p->pgrp->pgid) != p->pgrp) {
        kprintf("pgrp_check: pid %d is in no listed group\n", p->pid);
        c->err = -EINVAL;
    }
    c->members++;
}

int pgrp_check_locked(void)
{
    struct check c = {0, 0};
    size_t listed = 0, groups = 0;

    KASSERT(holding(&sched_lock));
    proc_foreach_locked(check_member, &c);
    for (size_t i = 0; i < nbuckets; i++) {
        for (struct pgrp *g = buckets[i]; g != NULL; g = g->hash_next) {
            struct list *l;

            groups++;
            if (list_empty(&g->members) ||
                bucket_of(buckets, nbuckets, g->pgid) != &buckets[i]) {
                kprintf("pgrp_check: group %d empty or misplaced\n", g->pgid);
                c.err = -EINVAL;
            }
            list_for_each(l, &g->members)
            {
                if (list_entry(l, struct process, pgrp_link)->pgrp != g) {
                    kprintf("pgrp_check: a member of %d points away\n",
                            g->pgid);
                    c.err = -EINVAL;
                }
                listed++;
            }
        }
    }
    if (groups != ngroups || listed != c.members) {
        kprintf("pgrp_check: %zu groups (counted %zu), %zu members listed, "
                "%zu processes\n",
                groups, ngroups, listed, c.members);
        c.err = -EINVAL;
    }
    return c.err;
}
