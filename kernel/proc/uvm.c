/*
 * User memory and the way into ring 3 (uvm.h, docs/user.md).
 *
 * Areas are a sorted list: a process has a handful (image segments, heap,
 * stack, a few mappings), so every operation walks it, O(areas).  The
 * page tables hold only what was touched or loaded.
 */
#include "uvm.h"

#include "frame.h"
#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"
#include "proc.h"
#include "spinlock.h"

#define PAGE_MASK (~(uintptr_t)(PAGE_SIZE - 1))

static uintptr_t page_up(uintptr_t a)
{
    return (a + PAGE_SIZE - 1) & PAGE_MASK;
}

static struct uvm_area *area_of(struct list *l)
{
    return list_entry(l, struct uvm_area, link);
}

struct uvm *uvm_create(int *err)
{
    struct uvm *vm = kmalloc_aligned(sizeof(*vm), 16);

    if (vm == NULL) {
        *err = -ENOMEM;
        return NULL;
    }
    memset(vm, 0, sizeof(*vm));
    *err = arch_aspace_init(&vm->as);
    if (*err != 0) {
        kfree(vm);
        return NULL;
    }
    arch_uctx_init(&vm->uctx);
    list_init(&vm->areas);
    vm->mmap_top = UVM_MMAP_TOP;
    vm->umask = 022;
    return vm;
}

/* A frame leaves vm: freed unless another address space still holds it
 * (copy-on-write after fork). */
static void release_frame(uintptr_t pa, void *ctx)
{
    struct uvm *vm = ctx;

    frame_release(pa);
    vm->pages--;
}

void uvm_destroy(struct uvm *vm)
{
    struct list *l;

    arch_aspace_fini(&vm->as, release_frame, vm);
    while ((l = list_pop_front(&vm->areas)) != NULL) {
        kfree(area_of(l));
    }
    kfree(vm);
}

/* The area holding addr, or NULL. */
static struct uvm_area *find_area(struct uvm *vm, uintptr_t addr)
{
    struct list *l;

    list_for_each(l, &vm->areas)
    {
        struct uvm_area *a = area_of(l);

        if (addr < a->start) {
            return NULL;
        }
        if (addr < a->end) {
            return a;
        }
    }
    return NULL;
}

/* PROT_NONE, or readable with any of write and execute. */
static bool prot_ok(unsigned prot)
{
    return prot == ARCH_PROT_NONE ||
           ((prot & ARCH_PROT_READ) &&
            (prot & ~(ARCH_PROT_READ | ARCH_PROT_WRITE | ARCH_PROT_EXEC)) == 0);
}

static bool range_ok(uintptr_t start, uintptr_t end)
{
    return start % PAGE_SIZE == 0 && end % PAGE_SIZE == 0 && start < end &&
           start >= USER_MIN_ADDR && end <= ARCH_USER_END;
}

/* The first area ending after start (where an area at start would go). */
static struct list *insert_point(struct uvm *vm, uintptr_t start)
{
    struct list *l;

    list_for_each(l, &vm->areas)
    {
        if (area_of(l)->end > start) {
            return l;
        }
    }
    return &vm->areas;
}

int uvm_add_area(struct uvm *vm, uintptr_t start, uintptr_t end, unsigned prot,
                 enum uvm_kind kind)
{
    struct list *at;
    struct uvm_area *a;

    if (!range_ok(start, end) || !prot_ok(prot)) {
        return -EINVAL;
    }
    at = insert_point(vm, start);
    if (at != &vm->areas && area_of(at)->start < end) {
        return -EEXIST;
    }
    a = kmalloc(sizeof(*a));
    if (a == NULL) {
        return -ENOMEM;
    }
    *a = (struct uvm_area){
        .start = start, .end = end, .prot = prot, .kind = kind};
    list_insert_between(&a->link, at->prev, at);
    return 0;
}

/* A zeroed frame at the page va with prot.  0 or -ENOMEM. */
static int map_zero_page(struct uvm *vm, uintptr_t va, unsigned prot)
{
    uintptr_t pa = alloc_frame();
    int err;

    if (pa == 0) {
        return -ENOMEM;
    }
    arch_page_zero(arch_phys_to_virt(pa));
    err = arch_aspace_map(&vm->as, va, pa, prot);
    if (err != 0) {
        free_frame(pa);
        return err;
    }
    vm->pages++;
    return 0;
}

int uvm_populate(struct uvm *vm, uintptr_t start, uintptr_t end)
{
    for (uintptr_t va = start; va < end; va += PAGE_SIZE) {
        struct uvm_area *a = find_area(vm, va);

        if (a == NULL) {
            return -EFAULT;
        }
        if (a->prot != ARCH_PROT_NONE &&
            arch_aspace_lookup(&vm->as, va, NULL) == 0) {
            int err = map_zero_page(vm, va, a->prot);

            if (err != 0) {
                return err;
            }
        }
    }
    return 0;
}

int uvm_write(struct uvm *vm, uintptr_t va, const void *src, size_t len)
{
    const uint8_t *from = src;

    while (len > 0) {
        size_t off = va % PAGE_SIZE, n = PAGE_SIZE - off;
        uintptr_t pa = arch_aspace_lookup(&vm->as, va, NULL);

        if (pa == 0) {
            return -EFAULT;
        }
        n = n < len ? n : len;
        memcpy((uint8_t *)arch_phys_to_virt(pa) + off, from, n);
        va += n;
        from += n;
        len -= n;
    }
    return 0;
}

/*
 * A write to a page shared copy-on-write (present, read-only in the page
 * tables, writable by its area): a private copy if others hold the frame,
 * else the page is simply made writable again.
 */
static int break_cow(struct uvm *vm, uintptr_t va, uintptr_t pa, unsigned prot)
{
    uintptr_t copy;

    if (frame_holders(pa) <= 1) {
        return arch_aspace_protect(&vm->as, va, prot);
    }
    copy = alloc_frame();
    if (copy == 0) {
        return -ENOMEM;
    }
    memcpy(arch_phys_to_virt(copy), arch_phys_to_virt(pa), PAGE_SIZE);
    arch_aspace_replace(&vm->as, va, copy, prot);
    frame_release(pa); /* ours no more; the others keep it */
    return 0;
}

int uvm_fault(struct uvm *vm, uintptr_t addr, unsigned access)
{
    struct uvm_area *a = find_area(vm, addr);
    uintptr_t va = addr & PAGE_MASK, pa;
    unsigned now;

    if (a == NULL || a->prot == ARCH_PROT_NONE || (access & ~a->prot) != 0) {
        return -EFAULT; /* no area, or it does not allow the access */
    }
    pa = arch_aspace_lookup(&vm->as, va, &now);
    if (pa == 0) {
        return map_zero_page(vm, va, a->prot);
    }
    if ((access & ARCH_PROT_WRITE) && !(now & ARCH_PROT_WRITE)) {
        return break_cow(vm, va, pa, a->prot);
    }
    return -EFAULT; /* present and allowed: not ours to fix */
}

struct uvm *uvm_fork(struct uvm *parent, int *err)
{
    struct uvm *vm = uvm_create(err);
    struct list *l;

    if (vm == NULL) {
        return NULL;
    }
    memcpy(&vm->uctx, &parent->uctx, sizeof(vm->uctx));
    vm->brk_start = parent->brk_start;
    vm->brk = parent->brk;
    vm->mmap_top = parent->mmap_top;
    vm->umask = parent->umask;
    memcpy(vm->sigact, parent->sigact, sizeof(vm->sigact)); /* as fork */
    vm->sigstack = parent->sigstack;
    list_for_each(l, &parent->areas)
    {
        const struct uvm_area *a = area_of(l);
        uintptr_t va = a->start, pa;
        unsigned prot;

        *err = uvm_add_area(vm, a->start, a->end, a->prot, a->kind);
        while (*err == 0 && (va = arch_aspace_next(&parent->as, va, a->end, &pa,
                                                   &prot)) < a->end) {
            unsigned shared = prot & ~ARCH_PROT_WRITE;

            if (prot != ARCH_PROT_NONE && shared == ARCH_PROT_NONE) {
                shared = ARCH_PROT_READ;
            }
            *err = arch_aspace_map(&vm->as, va, pa, shared);
            if (*err == 0) {
                frame_share(pa);
                vm->pages++;
                if (prot & ARCH_PROT_WRITE) {
                    arch_aspace_protect(&parent->as, va, shared);
                }
            }
            va += PAGE_SIZE;
        }
        if (*err != 0) {
            uvm_destroy(vm);
            return NULL;
        }
    }
    return vm;
}

/* ---- Unmapping, splitting, protecting ----------------------------------- */

static void unmap_pages(struct uvm *vm, uintptr_t start, uintptr_t end)
{
    uintptr_t va = start, pa;
    unsigned prot;

    while ((va = arch_aspace_next(&vm->as, va, end, &pa, &prot)) < end) {
        arch_aspace_unmap(&vm->as, va);
        frame_release(pa);
        vm->pages--;
        va += PAGE_SIZE;
    }
}

/* Split a at addr (inside it): a keeps [start, addr), a new area after it
 * takes [addr, end).  0 or -ENOMEM. */
static int split_at(struct uvm_area *a, uintptr_t addr)
{
    struct uvm_area *b = kmalloc(sizeof(*b));

    if (b == NULL) {
        return -ENOMEM;
    }
    *b = *a;
    b->start = addr;
    a->end = addr;
    list_insert_between(&b->link, &a->link, a->link.next);
    return 0;
}

/* Make area boundaries at start and end (areas are split there).  0 or
 * -ENOMEM (then nothing is split that matters: splits are harmless). */
static int split_range(struct uvm *vm, uintptr_t start, uintptr_t end)
{
    struct uvm_area *a = find_area(vm, start);

    if (a != NULL && a->start < start && split_at(a, start) != 0) {
        return -ENOMEM;
    }
    a = find_area(vm, end);
    if (a != NULL && a->start < end && split_at(a, end) != 0) {
        return -ENOMEM;
    }
    return 0;
}

int uvm_munmap(struct uvm *vm, uintptr_t addr, size_t len)
{
    uintptr_t end;
    struct list *l, *next;

    if (addr % PAGE_SIZE != 0 || len == 0 || addr >= ARCH_USER_END ||
        len > ARCH_USER_END - addr) {
        return -EINVAL;
    }
    end = page_up(addr + len);
    if (split_range(vm, addr, end) != 0) {
        return -ENOMEM;
    }
    for (l = vm->areas.next; l != &vm->areas; l = next) {
        struct uvm_area *a = area_of(l);

        next = l->next;
        if (a->start >= addr && a->end <= end) {
            unmap_pages(vm, a->start, a->end);
            list_remove(&a->link);
            kfree(a);
        }
    }
    return 0;
}

int uvm_mprotect(struct uvm *vm, uintptr_t addr, size_t len, unsigned prot)
{
    uintptr_t end;
    struct list *l;

    if (addr % PAGE_SIZE != 0 || !prot_ok(prot) || addr >= ARCH_USER_END ||
        len > ARCH_USER_END - addr) {
        return -EINVAL;
    }
    end = page_up(addr + len);
    for (uintptr_t va = addr; va < end; va = page_up(va + 1)) {
        struct uvm_area *a = find_area(vm, va);

        if (a == NULL) {
            return -ENOMEM; /* a hole in the range: Linux's answer */
        }
        va = a->end - 1;
    }
    if (split_range(vm, addr, end) != 0) {
        return -ENOMEM;
    }
    list_for_each(l, &vm->areas)
    {
        struct uvm_area *a = area_of(l);

        if (a->start >= addr && a->end <= end) {
            uintptr_t va = a->start, pa;
            unsigned now;

            a->prot = prot;
            while ((va = arch_aspace_next(&vm->as, va, a->end, &pa, &now)) <
                   a->end) {
                /* a copy-on-write page stays read-only until written */
                unsigned p = (prot & ARCH_PROT_WRITE) && frame_holders(pa) > 1
                                 ? prot & ~ARCH_PROT_WRITE
                                 : prot;

                arch_aspace_protect(&vm->as, va, p);
                va += PAGE_SIZE;
            }
        }
    }
    return 0;
}

/* ---- brk and mmap ------------------------------------------------------- */

uintptr_t uvm_brk(struct uvm *vm, uintptr_t addr)
{
    uintptr_t old_end = page_up(vm->brk), new_end = page_up(addr);

    if (addr < vm->brk_start || addr > vm->brk_start + UVM_BRK_MAX) {
        return vm->brk;
    }
    if (new_end > old_end) {
        struct list *next = insert_point(vm, old_end);
        struct uvm_area *a =
            old_end > vm->brk_start ? find_area(vm, old_end - 1) : NULL;

        if (next != &vm->areas && area_of(next)->start < new_end) {
            return vm->brk; /* a mapping is in the way */
        }
        if (a != NULL && a->kind == UVM_BRK) {
            a->end = new_end;
        } else if (uvm_add_area(vm, old_end, new_end,
                                ARCH_PROT_READ | ARCH_PROT_WRITE,
                                UVM_BRK) != 0) {
            return vm->brk;
        }
    } else if (new_end < old_end) {
        uvm_munmap(vm, new_end, old_end - new_end);
    }
    vm->brk = addr;
    return addr;
}

/* The highest gap of len bytes below mmap_top, or 0. */
static uintptr_t find_gap(struct uvm *vm, size_t len)
{
    uintptr_t top = vm->mmap_top;
    struct list *l;

    for (l = vm->areas.prev; l != &vm->areas; l = l->prev) {
        struct uvm_area *a = area_of(l);

        if (a->start >= top) {
            continue; /* above the mmap area (the stack) */
        }
        if (a->end <= top && top - a->end >= len) {
            return top - len;
        }
        top = a->start < top ? a->start : top;
    }
    return top - USER_MIN_ADDR >= len ? top - len : 0;
}

long uvm_mmap_anon(struct uvm *vm, uintptr_t addr, size_t len, unsigned prot,
                   enum uvm_map_how how)
{
    uintptr_t start;
    int err;

    if (len == 0 || len > ARCH_USER_END || !prot_ok(prot)) {
        return -EINVAL;
    }
    len = page_up(len);
    if (len / PAGE_SIZE > frame_stats().total) {
        return -ENOMEM; /* could never be backed */
    }
    if (how != UVM_MAP_ANYWHERE) {
        if (addr > ARCH_USER_END - len) {
            return -ENOMEM; /* runs past the user half, as Linux */
        }
        if (addr < USER_MIN_ADDR) {
            return -EPERM; /* Linux's answer below mmap_min_addr */
        }
        if (!range_ok(addr, addr + len)) {
            return -EINVAL;
        }
        if (how == UVM_MAP_FIXED) {
            uvm_munmap(vm, addr, len); /* replaces */
        }
        start = addr;
    } else {
        start = find_gap(vm, len);
        if (start == 0) {
            return -ENOMEM;
        }
    }
    err = uvm_add_area(vm, start, start + len, prot, UVM_ANON);
    return err != 0 ? err : (long)start;
}

bool uvm_has_area(struct uvm *vm, uintptr_t addr)
{
    return find_area(vm, addr) != NULL;
}

size_t uvm_resident(const struct uvm *vm)
{
    return vm->pages * PAGE_SIZE;
}

/* ---- Running it --------------------------------------------------------- */

/* Ring 3 enters on the top of the kernel stack: by then nothing of the
 * process's kernel frames is live. */
static uintptr_t kstack_top(const struct process *p)
{
    return (uintptr_t)p->stack + PROC_STACK_SIZE;
}

void uvm_switch(struct process *prev, struct process *next)
{
    arch_user_switch(prev->vm != NULL ? &prev->vm->uctx : NULL,
                     next->vm != NULL ? &next->vm->uctx : NULL,
                     next->vm != NULL ? &next->vm->as : NULL, kstack_top(next));
}

_Noreturn void uvm_enter(struct uvm *vm, uintptr_t entry, uintptr_t sp)
{
    struct process *p = proc_current();

    spin_lock(&sched_lock);
    p->vm = vm;
    arch_user_switch(NULL, &vm->uctx, &vm->as, kstack_top(p));
    spin_unlock(&sched_lock);
    arch_enter_user(entry, sp);
}

_Noreturn void uvm_start(void)
{
    struct uvm *vm = proc_current()->vm; /* loaded by the switch into us */

    arch_enter_user(vm->entry, vm->sp);
}

void uvm_replace_current(struct uvm *vm)
{
    struct process *p = proc_current();
    struct uvm *old = p->vm;

    spin_lock(&sched_lock);
    p->vm = vm;
    arch_user_switch(NULL, &vm->uctx, &vm->as, kstack_top(p));
    spin_unlock(&sched_lock);
    uvm_destroy(old); /* no longer loaded */
}

_Noreturn void uvm_start_forked(void)
{
    struct process *p = proc_current();
    struct uvm *vm = p->vm;

    if (vm->child_tid != 0) {
        int32_t tid = p->pid;

        /* a bad address is the child's problem: Linux ignores it too */
        (void)arch_copy_to_user((void *)vm->child_tid, &tid, sizeof(tid));
    }
    arch_return_to_user(&vm->regs);
}

void uvm_exit_current(void)
{
    struct process *p = proc_current();
    struct uvm *vm = p->vm;

    if (vm == NULL) {
        return;
    }
    spin_lock(&sched_lock);
    p->vm = NULL; /* a kernel process from here: nothing to save */
    spin_unlock(&sched_lock);
    uvm_destroy(vm); /* leaves its tables first if they are loaded */
}
