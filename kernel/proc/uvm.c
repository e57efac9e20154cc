/*
 * User memory and the way into ring 3 (uvm.h, docs/user.md).
 */
#include "uvm.h"

#include "frame.h"
#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"
#include "proc.h"
#include "spinlock.h"

struct uvm *uvm_create(int *err)
{
    struct uvm *vm = kmalloc_aligned(sizeof(*vm), 16);

    if (vm == NULL) {
        *err = -ENOMEM;
        return NULL;
    }
    *err = arch_aspace_init(&vm->as);
    if (*err != 0) {
        kfree(vm);
        return NULL;
    }
    arch_uctx_init(&vm->uctx);
    vm->pages = 0;
    return vm;
}

static void release_frame(uintptr_t pa, void *ctx)
{
    struct uvm *vm = ctx;

    free_frame(pa);
    vm->pages--;
}

void uvm_destroy(struct uvm *vm)
{
    arch_aspace_fini(&vm->as, release_frame, vm);
    kfree(vm);
}

static void unmap_range(struct uvm *vm, uintptr_t va, uintptr_t end)
{
    for (; va < end; va += PAGE_SIZE) {
        uintptr_t pa = arch_aspace_unmap(&vm->as, va);

        if (pa != 0) {
            free_frame(pa);
            vm->pages--;
        }
    }
}

int uvm_map_anon(struct uvm *vm, uintptr_t va, size_t len, unsigned prot)
{
    uintptr_t end = va + ((len + PAGE_SIZE - 1) & ~(uintptr_t)(PAGE_SIZE - 1));

    if (va % PAGE_SIZE != 0 || len == 0 || len > ARCH_USER_END ||
        end > ARCH_USER_END || end <= va) {
        return -EINVAL;
    }
    for (uintptr_t p = va; p < end; p += PAGE_SIZE) {
        uintptr_t pa = alloc_frame();
        int err = pa != 0 ? arch_aspace_map(&vm->as, p, pa, prot) : -ENOMEM;

        if (err != 0) {
            if (pa != 0) {
                free_frame(pa);
            }
            unmap_range(vm, va, p);
            return err;
        }
        memset(arch_phys_to_virt(pa), 0, PAGE_SIZE);
        vm->pages++;
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

size_t uvm_resident(const struct uvm *vm)
{
    return vm->pages * PAGE_SIZE;
}

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
