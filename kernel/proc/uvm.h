/*
 * User memory (docs/user.md): a user process's address space, as the
 * core sees it.  The port keeps the page tables (arch.h's arch_aspace_*);
 * here are the frames behind them, counted, and the process's user
 * context.  Every frame a uvm maps is one it allocated and frees again.
 */
#ifndef KAIROS_UVM_H
#define KAIROS_UVM_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"

struct process;

struct uvm {
    struct arch_aspace as; /* the page tables */
    struct arch_uctx uctx; /* FPU state, TLS base */
    size_t pages;          /* user frames mapped (resident) */
};

/* A new empty user address space; NULL (-ENOMEM, or no user mode: the
 * host) with *err set. */
struct uvm *uvm_create(int *err);
/* Free every frame and page table of vm, then vm. */
void uvm_destroy(struct uvm *vm);
/*
 * Map fresh zeroed frames over the pages of [va, va + len) with prot
 * (ARCH_PROT_*).  0; -EINVAL (unaligned va, len 0, past the user half);
 * -EEXIST (a page already mapped); -ENOMEM.  On failure the pages this
 * call mapped are unmapped and freed again.
 */
int uvm_map_anon(struct uvm *vm, uintptr_t va, size_t len, unsigned prot);
/* Copy len bytes into vm at va through the frames (vm need not be
 * loaded; the pages need only be mapped).  0 or -EFAULT. */
int uvm_write(struct uvm *vm, uintptr_t va, const void *src, size_t len);
/* Bytes of user memory resident (pages * PAGE_SIZE). */
size_t uvm_resident(const struct uvm *vm);

/*
 * The switch between prev and next when either is a user process
 * (sched.c calls it only then, sched_lock held): save prev's user
 * context, load next's with its address space and its kernel stack as the
 * one ring 3 enters on.
 */
void uvm_switch(struct process *prev, struct process *next);

/*
 * Turn the running process into a user process on vm (which it now owns)
 * and leave for ring 3 at entry with stack sp.  Never returns: the process
 * ends through exit or a signal.
 */
_Noreturn void uvm_enter(struct uvm *vm, uintptr_t entry, uintptr_t sp);
/* At exit: the running process's user memory goes (its stack and record
 * wait for the reaper).  Nothing for a kernel process. */
void uvm_exit_current(void);

#endif
