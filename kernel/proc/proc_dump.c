/*
 * dump_process and dump_all_processes: everything about a process, for a
 * human with a debugger's questions.
 *
 * They take no lock, so they work on a wedged machine (xv6's procdump):
 * every read is bounds-checked against what a sane record looks like, and
 * a torn read can only make the output wrong, never fault.
 */
#include "klog.h"
#include "driver.h"
#include "file.h"
#include "printf.h"
#include "proc.h"
#include "sched.h"

static const char *const state_names[PROCESS_NSTATES] = {
    [PROCESS_READY] = "ready",
    [PROCESS_RUNNING] = "running",
    [PROCESS_BLOCKED] = "blocked",
    [PROCESS_ZOMBIE] = "zombie",
};

static const char *const region_names[REGION_NKINDS] = {
    [REGION_STACK] = "stack",
    [REGION_HEAP] = "heap",
    [REGION_OTHER] = "other",
};

#define DUMP_MAX_REGIONS 32

const char *proc_state_name(enum process_state s)
{
    return (unsigned)s < PROCESS_NSTATES ? state_names[s] : "?";
}

/* Bytes of the stack ever used: from where it starts (its colour below
 * the top) down to the first byte that still holds the fill pattern,
 * counted from the bottom. */
static size_t stack_high_water(const struct process *p)
{
    size_t top = PROC_STACK_SIZE - proc_stack_colour(p->pid);
    size_t i = PROC_STACK_CANARY_WORDS * sizeof(uint64_t);

    while (i < top && p->stack[i] == PROC_STACK_FILL) {
        i++;
    }
    return top - i;
}

static void dump_stack(const struct process *p)
{
    if (p->stack == NULL) {
        kprintf("  stack: the boot stack (idle)\n");
        return;
    }
    kprintf("  stack: [%p, %p) %lu bytes, high-water %lu bytes, canary %s, "
            "starts %lu below the top\n",
            (void *)p->stack, (void *)(p->stack + PROC_STACK_SIZE),
            (unsigned long)PROC_STACK_SIZE, (unsigned long)stack_high_water(p),
            proc_stack_intact(p) ? "intact" : "OVERWRITTEN",
            (unsigned long)proc_stack_colour(p->pid));
}

static void dump_fds(const struct process *p)
{
    static const char *const kinds[] = {
        [FILE_REG] = "file", [FILE_DIR] = "dir"};

    kprintf("  fds:");
    for (int fd = 0; fd < MAX_FDS; fd++) {
        const struct file *f = p->fds[fd];
        const struct chardev *dev;

        if (f == NULL) {
            continue;
        }
        dev = f->in != NULL ? f->in : f->out;
        if (f->kind == FILE_CHR) {
            kprintf(" %d=%.*s", fd, DRIVER_NAME_MAX,
                    dev != NULL ? dev->name : "null");
        } else if (f->kind == FILE_PIPE) {
            kprintf(" %d=pipe:%lu%s", fd, (unsigned long)f->node.ino,
                    file_writable(f) ? "w" : "r");
        } else if ((unsigned)f->kind < 3 && f->node.kind == VNODE_RAMFS) {
            kprintf(" %d=%s@%lu", fd, kinds[f->kind], (unsigned long)f->offset);
        } else {
            kprintf(" %d=dir(/dev)@%lu", fd, (unsigned long)f->offset);
        }
    }
    kprintf("\n");
}

static void dump_regions(const struct process *p)
{
    const struct list *l = p->regions.next;
    int n = 0;

    kprintf("  regions: %lu bytes\n", (unsigned long)p->region_bytes);
    while (l != &p->regions && l != NULL && n < DUMP_MAX_REGIONS) {
        const struct region *r = list_entry(l, struct region, link);

        kprintf("    %s %lu bytes at %p\n",
                (unsigned)r->kind < REGION_NKINDS ? region_names[r->kind] : "?",
                (unsigned long)r->size, (const void *)(r + 1));
        l = l->next;
        n++;
    }
    if (n == DUMP_MAX_REGIONS) {
        kprintf("    ... (stopped after %d)\n", DUMP_MAX_REGIONS);
    }
}

static void dump_one(struct process *p)
{
    char chan[32] = "";

    if (p->state == PROCESS_BLOCKED) { /* a channel means nothing otherwise */
        ksnprintf(chan, sizeof(chan), " channel 0x%lx",
                  (unsigned long)p->channel);
    }
    kprintf("pid %d ppid %d name %.*s state %s%s%s slices %lu "
            "preemptions %lu\n",
            p->pid, p->parent != NULL ? p->parent->pid : 0,
            PROCESS_NAME_MAX - 1, p->name, proc_state_name(p->state),
            p->idle ? " (idle)" : "", chan, (unsigned long)p->slices,
            (unsigned long)p->preemptions);
    if (p->state == PROCESS_ZOMBIE) {
        kprintf("  exit code %d\n", p->exit_code);
    }
    if (p != proc_current() && p->state != PROCESS_ZOMBIE) {
        kprintf("  saved context:\n");
        arch_context_print(&p->context);
    }
    dump_stack(p);
    dump_fds(p);
    dump_regions(p);
}

void dump_process(pid_t pid)
{
    struct process *p = proc_lookup_nolock(pid);

    if (p == NULL) {
        kprintf("dump: no process %d\n", pid);
        return;
    }
    dump_one(p);
}

static void dump_each(struct process *p, void *ctx)
{
    (void)ctx;
    dump_one(p);
}

void dump_all_processes(void)
{
    sched_dump();
    proc_foreach_nolock(dump_each, NULL);
}
