/*
 * Processes: the table, spawn, exit, wait, orphans, descriptors and memory
 * regions.  The lock rules are in docs/locks.md: sched_lock guards the
 * table and every family link.
 *
 * The table is the spec's growable array on the kernel heap.  It holds
 * pointers to records, which never move; a process lives in the chain of
 * slot pid & (capacity - 1), so looking up a pid is one index and, almost
 * always, one compare.  Pids increase; a new pid whose slot is taken is
 * skipped, so no pid is reused while its holder (zombies included) is in
 * the table.  Keeping the table at most half full makes skips rare:
 * amortised O(1) per spawn.  After INT32_MAX, pids wrap around to 2 (1
 * stays init's).
 *
 * Growing doubles the capacity when a spawn would make the table more than
 * half full; shrinking halves it when a reap leaves it less than 1/8 full,
 * never below PROC_TABLE_INITIAL.  Between the two thresholds a table that
 * has just changed size must gain or lose a quarter of its capacity in
 * records before it changes again, so resizing (O(records + capacity)) is
 * amortised O(1) per spawn and reap.  Both re-slot every record and resize
 * the wait-queue buckets with the table.  Growing keeps every chain at one
 * record (pids distinct modulo the old capacity stay distinct modulo the
 * new); after shrinking, records may share a slot, hence the chains.
 */
#include "proc.h"

#include "cwd.h"
#include "fd.h"
#include "klog.h"
#include "heap.h"
#include "itimer.h"
#include "kerrno.h"
#include "kstring.h"
#include "panic.h"
#include "param.h"
#include "pgrp.h"
#include "proc_mem.h"
#include "sched.h"
#include "uvm.h"
#include "ksignal.h"
#include "trace.h"

/* sched_lock guards these: */
static struct process **table; /* capacity slots, NULL when free */
/* process_init's table and buckets (PROC_TABLE_INITIAL slots each), kept
 * for whenever the table is back at that size; constant after init. */
static struct process **boot_table;
static struct list *boot_buckets;
static size_t capacity;                    /* a power of two */
static pid_t next_pid = 1;                 /* the next pid to try */
static struct process *init_proc;          /* pid 1 while it lives */
static size_t nrecords;                    /* records in the table */
static size_t proc_limit = PROC_LIMIT_MAX; /* processes, idle aside */
/* Every record in the table, by all_link, in spawn order (serial). */
static struct list all = LIST_INIT(all);
static uint64_t next_serial; /* the next record's serial */

struct process *proc_lookup_locked(pid_t pid)
{
    struct process *p;

    KASSERT(holding(&sched_lock));
    if (pid < 0 || table == NULL) {
        return NULL;
    }
    for (p = table[(size_t)pid & (capacity - 1)]; p != NULL; p = p->hash_next) {
        if (p->pid == pid) {
            return p;
        }
    }
    return NULL;
}

/* A chain longer than this in a dump means a torn or corrupt table. */
#define DUMP_CHAIN_MAX 64

struct process *proc_lookup_nolock(pid_t pid)
{
    struct process **t = table;
    size_t cap = capacity;
    struct process *p;
    int n = 0;

    if (pid < 0 || t == NULL || cap == 0 || (cap & (cap - 1)) != 0) {
        return NULL;
    }
    for (p = t[(size_t)pid & (cap - 1)]; p != NULL && n < DUMP_CHAIN_MAX;
         p = p->hash_next, n++) {
        if (p->pid == pid) {
            return p;
        }
    }
    return NULL;
}

void proc_foreach_locked(void (*fn)(struct process *p, void *ctx), void *ctx)
{
    struct list *l;

    KASSERT(holding(&sched_lock));
    list_for_each(l, &all)
    {
        fn(list_entry(l, struct process, all_link), ctx);
    }
}

/* More records than this in a dump means a torn or corrupt list. */
#define DUMP_RECORDS_MAX PROC_TABLE_MAX

void proc_foreach_nolock(void (*fn)(struct process *p, void *ctx), void *ctx)
{
    size_t n = 0;

    for (struct list *l = all.next;
         l != &all && l != NULL && n < DUMP_RECORDS_MAX; l = l->next, n++) {
        fn(list_entry(l, struct process, all_link), ctx);
    }
}

static void slot_insert(struct process **t, size_t cap, struct process *p)
{
    struct process **slot = &t[(size_t)p->pid & (cap - 1)];

    p->hash_next = *slot;
    *slot = p;
}

/* Free a table or bucket array unless it is one of process_init's. */
static void arrays_free(struct process **t, struct list *buckets)
{
    if (t != boot_table) {
        kfree(t);
    }
    if (buckets != boot_buckets) {
        kfree(buckets);
    }
}

/*
 * Give the table and the wait-queue buckets n slots each.  0 or -ENOMEM
 * (nothing changed).  At PROC_TABLE_INITIAL slots they are process_init's
 * arrays again, which are never freed: so once a burst is over, the table
 * holds no allocation made during it, wherever the heap had put it.
 */
static int resize_locked(size_t n)
{
    bool boot = n == PROC_TABLE_INITIAL;
    struct process **t = boot ? boot_table : kcalloc(n, sizeof(*t));
    struct list *buckets = boot ? boot_buckets : kcalloc(n, sizeof(*buckets));
    struct list *l;

    KASSERT(holding(&sched_lock));
    if (t == NULL || buckets == NULL) {
        arrays_free(t, buckets);
        return -ENOMEM;
    }
    if (boot) {
        memset(t, 0, n * sizeof(*t));
    }
    list_for_each(l, &all)
    {
        slot_insert(t, n, list_entry(l, struct process, all_link));
    }
    arrays_free(table, NULL);
    table = t;
    capacity = n;
    arrays_free(NULL, sched_rehash_locked(buckets, n));
    return 0;
}

/* Halve the table while it is less than 1/8 full (see the top). */
static void maybe_shrink_locked(void)
{
    KASSERT(holding(&sched_lock));
    while (capacity > PROC_TABLE_INITIAL && nrecords * 8 < capacity) {
        if (resize_locked(capacity / 2) != 0) {
            return; /* no memory for the smaller one: try at the next reap */
        }
    }
}

/*
 * Room for one more record and a free pid for it.  Returns the pid, or
 * -ENOMEM / -EAGAIN when the table is full and cannot grow.
 */
static pid_t alloc_pid_locked(void)
{
    KASSERT(holding(&sched_lock));
    if (nrecords > proc_limit) { /* nrecords counts idle too */
        return -EAGAIN;
    }
    if ((nrecords + 1) * 2 > capacity) {
        int err = capacity * 2 > PROC_TABLE_MAX ? -EAGAIN
                                                : resize_locked(capacity * 2);

        if (err != 0) {
            return err;
        }
    }
    for (;;) {
        pid_t pid = next_pid;

        next_pid = next_pid == INT32_MAX ? 2 : next_pid + 1;
        /* A live group's id stays reserved, as on Linux. */
        if (table[(size_t)pid & (capacity - 1)] == NULL &&
            !pgrp_exists_locked(pid)) {
            return pid;
        }
    }
}

static void table_insert_locked(struct process *p)
{
    KASSERT(holding(&sched_lock));
    slot_insert(table, capacity, p);
    nrecords++;
    p->serial = next_serial++;
    list_push_back(&all, &p->all_link);
}

static void table_remove_locked(struct process *p)
{
    struct process **link = &table[(size_t)p->pid & (capacity - 1)];

    KASSERT(holding(&sched_lock));
    while (*link != p) {
        link = &(*link)->hash_next;
    }
    *link = p->hash_next;
    nrecords--;
    list_remove(&p->all_link);
    maybe_shrink_locked();
}

void proc_set_next_pid(pid_t pid)
{
    spin_lock(&sched_lock);
    next_pid = pid >= 2 ? pid : 2;
    spin_unlock(&sched_lock);
}

void proc_set_limit(size_t n)
{
    spin_lock(&sched_lock);
    proc_limit = n < 1 ? 1 : n > PROC_LIMIT_MAX ? PROC_LIMIT_MAX : n;
    spin_unlock(&sched_lock);
}

size_t proc_get_limit(void)
{
    return __atomic_load_n(&proc_limit, __ATOMIC_RELAXED);
}

/* ---- Creation -------------------------------------------------------------- */

int process_init(void)
{
    struct process *idle;
    struct list *buckets;
    int err;

    if (proc_current() != NULL) {
        return 0;
    }
    err = arch_machine_init(); /* the host: memory and devices by default */
    if (err != 0) {
        return err;
    }
    idle = proc_record_new("idle");
    table = kcalloc(PROC_TABLE_INITIAL, sizeof(*table));
    buckets = kcalloc(PROC_TABLE_INITIAL, sizeof(*buckets));
    if (idle == NULL || table == NULL || buckets == NULL) {
        kfree(idle);
        kfree(table);
        kfree(buckets);
        table = NULL;
        return -ENOMEM;
    }
    capacity = PROC_TABLE_INITIAL;
    boot_table = table;
    boot_buckets = buckets;
    idle->idle = true;
    idle->pid = 0;
    spin_lock(&sched_lock);
    next_pid = 1;
    nrecords = 0;
    next_serial = 0;
    list_init(&all);
    init_proc = NULL;
    table_insert_locked(idle);
    sched_init_locked(idle, buckets, PROC_TABLE_INITIAL);
    spin_unlock(&sched_lock);
    return 0;
}

/* First code of every process: take over the lock from the switch. */
static void process_start(void *arg)
{
    struct process *p = arg;
    int code;

    spin_unlock(&sched_lock); /* held across the switch into us */
    arch_irq_enable();
    if (p->sig_pending != 0) {
        signal_deliver(); /* a safe point: killed before it first ran */
    }
    code = p->entry(p->arg);
    KASSERT(p->kill_deferred == 0); /* a kill_defer_begin left open */
    if (p->sig_pending != 0) {
        signal_deliver(); /* and another: killed before it returned */
    }
    exit_current(code);
}

static bool name_ok(const char *name)
{
    return name != NULL && name[0] != '\0' &&
           strnlen(name, PROCESS_NAME_MAX) < PROCESS_NAME_MAX;
}

pid_t spawn_kernel_process(const char *name, process_entry_t entry, void *arg)
{
    return proc_spawn(name, entry, arg, NULL);
}

enum spawn_how { SPAWN_NEW, SPAWN_FORK, SPAWN_VFORK };

static pid_t spawn_common(const char *name, process_entry_t entry, void *arg,
                          struct uvm *vm, enum spawn_how how);

pid_t proc_spawn(const char *name, process_entry_t entry, void *arg,
                 struct uvm *vm)
{
    return spawn_common(name, entry, arg, vm, SPAWN_NEW);
}

pid_t proc_fork(const char *name, process_entry_t entry, struct uvm *vm,
                bool vfork)
{
    return spawn_common(name, entry, NULL, vm,
                        vfork ? SPAWN_VFORK : SPAWN_FORK);
}

static pid_t spawn_common(const char *name, process_entry_t entry, void *arg,
                          struct uvm *vm, enum spawn_how how)
{
    struct process *p, *parent;
    pid_t pid;

    if (proc_current() == NULL || entry == NULL || !name_ok(name)) {
        return -EINVAL;
    }
    p = proc_record_get(name);
    if (p == NULL) {
        return -ENOMEM;
    }
    p->entry = entry;
    p->arg = arg;
    p->start_tick = (uint32_t)timer_ticks();
    if (how != SPAWN_NEW) {
        fd_fork(p, proc_current());
    } else {
        fd_inherit(p, proc_current());
    }
    cwd_inherit(p, proc_current());
    spin_lock(&sched_lock);
    pid = alloc_pid_locked();
    if (pid >= 0) {
        p->pid = pid;
        pid = pgrp_spawn_locked(p, proc_current()) == 0 ? pid : -ENOMEM;
    }
    if (pid < 0) {
        spin_unlock(&sched_lock);
        fd_release_all(p);
        proc_record_destroy(p);
        return pid;
    }
    arch_context_init(&p->context, p->stack,
                      PROC_STACK_SIZE - proc_stack_colour(pid), process_start,
                      p); /* a few stores into the new stack's top */
    parent = proc_current();
    p->parent = parent;
    list_push_back(&parent->children, &p->sibling);
    if (init_proc == NULL && pid == 1) {
        init_proc = p; /* the first process spawned */
    }
    p->vm = vm; /* its first switch in loads it */
    p->sig_blocked = how != SPAWN_NEW ? parent->sig_blocked : 0;
    p->vfork_parent = how == SPAWN_VFORK ? parent : NULL;
    table_insert_locked(p);
    sched_admit_locked(p);
    spin_unlock(&sched_lock);
    return pid;
}

void proc_exec(struct uvm *vm, const char *name)
{
    struct process *p = proc_current();

    signal_exec_inherit(vm, p);
    vm->umask = p->vm->umask; /* execve keeps it, as Linux */
    uvm_replace_current(vm);
    fd_exec(p);
    spin_lock(&sched_lock);
    kstrlcpy(p->name, name, sizeof(p->name));
    spin_unlock(&sched_lock);
    proc_vfork_release(p);
}

void proc_vfork_wait(pid_t child)
{
    struct process *self = proc_current(), *c;

    spin_lock(&sched_lock);
    c = proc_lookup_locked(child);
    while (c != NULL && c->vfork_parent == self) {
        /* the child cannot be reaped meanwhile: only we reap it */
        if (block_current_locked((wait_channel_t)&c->vfork_parent,
                                 &sched_lock) != 0) {
            break; /* killed: we end at our next safe point */
        }
    }
    spin_unlock(&sched_lock);
}

void proc_vfork_release(struct process *p)
{
    spin_lock(&sched_lock);
    if (p->vfork_parent != NULL) {
        p->vfork_parent = NULL;
        wake_channel_locked((wait_channel_t)&p->vfork_parent);
    }
    spin_unlock(&sched_lock);
}

/* ---- Exit, orphans and reaping ----------------------------------------------- */

/* Who adopts orphans: init while it lives, then idle (which reaps them). */
static struct process *adopter_locked(const struct process *dying)
{
    KASSERT(holding(&sched_lock));
    if (init_proc != NULL && init_proc != dying &&
        init_proc->state != PROCESS_ZOMBIE) {
        return init_proc;
    }
    return sched_idle_locked();
}

/* Hand p's children and zombies to the adopter; wake it for the zombies. */
static void reparent_children_locked(struct process *p)
{
    struct process *to = adopter_locked(p);
    bool zombies = !list_empty(&p->zombies);
    struct list *l;

    KASSERT(holding(&sched_lock));
    while ((l = list_pop_front(&p->children)) != NULL) {
        list_entry(l, struct process, sibling)->parent = to;
        list_push_back(&to->children, l);
    }
    while ((l = list_pop_front(&p->zombies)) != NULL) {
        list_entry(l, struct process, sibling)->parent = to;
        list_push_back(&to->zombies, l);
    }
    if (zombies) {
        wake_channel_locked((wait_channel_t)to);
    }
}

/* exit_current's work; sig is the signal that ends it, 0 for an exit. */
static _Noreturn void exit_with(int code, int sig)
{
    struct process *p = proc_current();

    if (p == NULL || p->idle) {
        panic("exit_current: the idle task cannot exit (code %d)", code);
    }
    if (p->held != NULL) { /* its waiters would wait forever */
        panic("exit_current: pid %d (%s) exits owning a kmutex", p->pid,
              p->name);
    }
    /* What only p uses goes now; its stack must wait for the reaper. */
    proc_vfork_release(p);
    itimer_exit(p); /* no SIGALRM for a record on its way to the reaper */
    uvm_exit_current();
    fd_release_all(p);
    proc_release_regions(p);
    spin_lock(&sched_lock);
    if (p == init_proc) {
        if (!list_empty(&p->children) || !list_empty(&p->zombies)) {
            kprintf("init (pid 1) exited with code %d; idle reaps its "
                    "orphans now\n",
                    code);
        }
        init_proc = NULL;
    }
    reparent_children_locked(p);
    p->exit_code = code;
    p->exit_signal = sig;
    trace_exit(p, code);
    list_remove(&p->sibling);
    list_push_back(&p->parent->zombies, &p->sibling);
    if (!p->parent->idle) {
        signal_child_exit_locked(p); /* SIGCHLD: ignored unless caught */
    }
    sched_zombie_locked(p);
    wake_channel_locked((wait_channel_t)p->parent);
    schedule_locked();
    panic("exit_current: a zombie ran again (pid %d)", p->pid);
}

_Noreturn void exit_current(int code)
{
    exit_with(code, 0);
}

_Noreturn void proc_exit_signalled(int sig)
{
    exit_with(128 + sig, sig);
}

/* Free a zombie child of its parent; returns its pid. */
static pid_t reap_locked(struct process *z, int *exit_code, int *signal)
{
    pid_t pid = z->pid;

    KASSERT(holding(&sched_lock));
    KASSERT(z->state == PROCESS_ZOMBIE);
    if (exit_code != NULL) {
        *exit_code = z->exit_code;
    }
    if (signal != NULL) {
        *signal = z->exit_signal;
    }
    list_remove(&z->sibling);
    pgrp_leave_locked(z);
    table_remove_locked(z);
    sched_forget_locked(z);
    proc_record_put_locked(z);
    return pid;
}

void proc_reap_idle_children_locked(void)
{
    struct process *idle = sched_idle_locked();

    KASSERT(holding(&sched_lock));
    while (!list_empty(&idle->zombies)) {
        reap_locked(list_entry(idle->zombies.next, struct process, sibling),
                    NULL, NULL);
    }
}

/* Is c in group pgid?  Caller holds sched_lock. */
static bool in_group(const struct process *c, pid_t pgid)
{
    return c->pgrp != NULL && c->pgrp->pgid == pgid;
}

/*
 * A zombie child of p in group pgid: 0 none yet, 1 found (*out), or
 * -ECHILD (no child in it).  O(p's children): Linux walks them too.
 */
static int find_group_zombie_locked(struct process *p, pid_t pgid,
                                    struct process **out)
{
    struct list *l;

    list_for_each(l, &p->zombies)
    {
        if (in_group(list_entry(l, struct process, sibling), pgid)) {
            *out = list_entry(l, struct process, sibling);
            return 1;
        }
    }
    list_for_each(l, &p->children)
    {
        if (in_group(list_entry(l, struct process, sibling), pgid)) {
            return 0;
        }
    }
    return -ECHILD;
}

/* A zombie child for wait: 0 none yet, 1 found (*out), or -ECHILD.
 * target as wait4's pid: -1 any, > 0 that one, 0 p's group, < -1 a group. */
static int find_zombie_locked(struct process *p, pid_t target,
                              struct process **out)
{
    struct process *c;

    KASSERT(holding(&sched_lock));
    if (target == 0 || target < -1) {
        return find_group_zombie_locked(
            p, target == 0 ? p->pgrp->pgid : -target, out);
    }
    if (target == -1) {
        if (!list_empty(&p->zombies)) {
            *out = list_entry(p->zombies.next, struct process, sibling);
            return 1;
        }
        return list_empty(&p->children) ? -ECHILD : 0;
    }
    c = proc_lookup_locked(target);
    if (c == NULL || c->parent != p) {
        return -ECHILD;
    }
    *out = c;
    return c->state == PROCESS_ZOMBIE;
}

pid_t wait_child_sig(pid_t target, int *exit_code, int *signal, bool block)
{
    struct process *p = proc_current();
    struct process *z = NULL;
    pid_t ret;

    if (p == NULL || p->idle || target == INT32_MIN) {
        return p == NULL || p->idle ? -EINVAL : -ESRCH; /* -INT_MIN: none */
    }
    spin_lock(&sched_lock);
    for (;;) {
        int found = find_zombie_locked(p, target, &z);

        if (found != 0 || !block) {
            ret = found == 1 ? reap_locked(z, exit_code, signal) : found;
            break;
        }
        p->waits_for = target; /* for process_info: what p waits for */
        ret = block_current_locked((wait_channel_t)p, &sched_lock);
        p->waits_for = 0;
        if (ret != 0) {
            break; /* -EINTR: a signal; nothing reaped */
        }
    }
    spin_unlock(&sched_lock);
    return ret;
}

pid_t wait_child(pid_t target, int *exit_code, bool block)
{
    return wait_child_sig(target, exit_code, NULL, block);
}

pid_t wait_for_child(pid_t target, int *exit_code)
{
    return wait_child(target, exit_code, true);
}

/* ---- Queries --------------------------------------------------------------- */

static void info_fill_locked(const struct process *p, struct process_info *out)
{
    uint64_t now = timer_ticks();

    KASSERT(holding(&sched_lock));
    out->pid = p->pid;
    out->ppid = p->parent != NULL ? p->parent->pid : 0;
    kstrlcpy(out->name, p->name, sizeof(out->name));
    out->state = p->state;
    out->idle = p->idle;
    out->exit_code = p->exit_code;
    out->wait_channel = p->state == PROCESS_BLOCKED ? p->channel : 0;
    out->waits_for = p->state == PROCESS_BLOCKED ? p->waits_for : 0;
    out->slices = p->slices;
    out->serial = p->serial;
    out->policy = p->policy;
    out->priority = p->rt_priority;
    out->effective_priority = p->prio;
    out->nice = p->nice;
    out->resident = p->vm != NULL ? uvm_resident(p->vm) : 0;
    out->start_tick = now - (uint32_t)((uint32_t)now - p->start_tick);
}

int get_process(pid_t pid, struct process_info *out)
{
    struct process *p;

    if (out == NULL) {
        return -EINVAL;
    }
    spin_lock(&sched_lock);
    p = proc_lookup_locked(pid);
    if (p != NULL) {
        info_fill_locked(p, out);
    }
    spin_unlock(&sched_lock);
    return p != NULL ? 0 : -ESRCH;
}

/*
 * The all-list entry after the record prev described: its successor when
 * that record still lives (one lookup), else the first with a higher
 * serial (a walk, only when it was reaped since).
 */
static struct list *next_after_locked(pid_t pid, uint64_t serial)
{
    struct process *p = proc_lookup_locked(pid);
    struct list *l;

    KASSERT(holding(&sched_lock));
    if (p != NULL && p->serial == serial) {
        return p->all_link.next;
    }
    for (l = all.next; l != &all; l = l->next) {
        if (list_entry(l, struct process, all_link)->serial > serial) {
            break;
        }
    }
    return l;
}

int process_next(const struct process_info *prev, struct process_info *out)
{
    pid_t pid = prev != NULL ? prev->pid : 0;
    uint64_t serial = prev != NULL ? prev->serial : 0;
    struct list *l;

    if (out == NULL) {
        return -EINVAL;
    }
    spin_lock(&sched_lock);
    l = prev == NULL ? all.next : next_after_locked(pid, serial);
    if (l != &all) {
        info_fill_locked(list_entry(l, struct process, all_link), out);
    }
    spin_unlock(&sched_lock);
    return l != &all ? 0 : -ESRCH;
}

static void report_blocked(struct process *p, void *ctx)
{
    (void)ctx;
    if (p->state == PROCESS_BLOCKED) {
        kprintf("  pid %d (%s) blocked on channel 0x%lx\n", p->pid, p->name,
                (unsigned long)p->channel);
    }
}

void proc_report_deadlock(void)
{
    spin_lock(&sched_lock);
    kprintf("scheduler: deadlock: every live process is blocked and nothing "
            "can wake them\n");
    proc_foreach_locked(report_blocked, NULL);
    spin_unlock(&sched_lock);
}

/* Host tests only: free every record and forget the idle task. */
void process_reset(void)
{
    struct process *self = proc_current();
    struct list *l;

    KASSERT(self == NULL || self->idle);
    spin_lock(&sched_lock);
    while ((l = list_pop_front(&all)) != NULL) {
        proc_record_destroy(list_entry(l, struct process, all_link));
    }
    proc_cache_trim_locked();
    pgrp_reset();
    arrays_free(table, sched_reset_locked());
    kfree(boot_table);
    kfree(boot_buckets);
    boot_table = NULL;
    boot_buckets = NULL;
    table = NULL;
    capacity = 0;
    nrecords = 0;
    proc_limit = PROC_LIMIT_MAX;
    list_init(&all);
    init_proc = NULL;
    spin_unlock(&sched_lock);
}
