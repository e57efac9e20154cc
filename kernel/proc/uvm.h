/*
 * User memory (docs/user.md): a user process's address space as the core
 * sees it.  What a process may touch is a short list of areas, sorted by
 * address (start, end, permissions, what they are: the program image, the
 * brk heap, the stack, anonymous mappings); the page tables (arch.h's
 * arch_aspace_*) are a cache of it, filled when the program is loaded and
 * then on fault: a first touch of an anonymous page maps a zeroed frame.
 * Every frame mapped is one this uvm allocated and frees again; they are
 * counted (pages).  A uvm is used only by its process (one thread), so it
 * needs no lock of its own, except sigact, which senders read (to discard
 * ignored signals): it is read and written under sched_lock.
 */
#ifndef KAIROS_UVM_H
#define KAIROS_UVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "list.h"

struct process;

enum uvm_kind {
    UVM_IMAGE, /* a PT_LOAD segment: mapped at load */
    UVM_BRK,   /* the brk heap: [brk_start, brk) */
    UVM_STACK, /* the main stack: grows on fault down to its limit */
    UVM_ANON,  /* mmap'd anonymous memory */
};

struct uvm_area {
    struct list link;     /* in uvm.areas, by address */
    uintptr_t start, end; /* page-aligned, start < end */
    unsigned prot;        /* ARCH_PROT_* (READ always) */
    enum uvm_kind kind;
};

/* Linux's kernel struct sigaction (x86_64), as rt_sigaction passes it. */
struct ksigaction {
    uint64_t handler;  /* SIG_DFL 0, SIG_IGN 1, or the handler */
    uint64_t flags;    /* SA_* */
    uint64_t restorer; /* where the handler returns: rt_sigreturn */
    uint64_t mask;     /* bit s-1: blocked while it runs */
};

#define KSIG_DFL 0
#define KSIG_IGN 1

struct uvm {
    struct arch_aspace as;    /* the page tables */
    struct arch_uctx uctx;    /* FPU state, TLS base */
    struct list areas;        /* struct uvm_area, ascending, disjoint */
    size_t pages;             /* user frames mapped (resident) */
    uintptr_t brk_start, brk; /* the heap: brk may move in [brk_start, ..) */
    uintptr_t mmap_top;       /* mmap places below this, top down */
    uintptr_t entry, sp;      /* where the program starts in ring 3 */
    struct arch_uregs regs;   /* a forked child's first registers */
    uintptr_t child_tid;      /* CLONE_CHILD_SETTID: the tid goes here */
    uint64_t logged[8];       /* system calls 0..511 logged as missing */
    unsigned umask;           /* umask(2): what creating in /tmp clears */
    struct ksigaction sigact[64];  /* signal s: sigact[s - 1] */
    struct arch_sigstack sigstack; /* sigaltstack (size 0: none); fork
                                      copies it, execve's new uvm has none */
};

/* The standard layout (docs/user.md). */
#define UVM_STACK_TOP 0x00007ffffffff000UL /* the stack's end */
#define UVM_STACK_MAX (8UL << 20)          /* its limit (RLIMIT_STACK) */
#define UVM_MMAP_TOP  (UVM_STACK_TOP - UVM_STACK_MAX - (1UL << 20))
#define UVM_BRK_MAX   (1UL << 30) /* the heap's limit above brk_start */

/* A new empty user address space (no areas); NULL with *err -ENOMEM, or
 * -ENOSYS where the port has no user mode (the host). */
struct uvm *uvm_create(int *err);
/* Free every frame, page table and area of vm, then vm. */
void uvm_destroy(struct uvm *vm);
/*
 * Add the area [start, end) (page-aligned) of kind with prot, mapping
 * nothing yet.  0; -EINVAL (unaligned, empty, outside [USER_MIN_ADDR,
 * ARCH_USER_END), bad prot); -EEXIST (overlaps an area); -ENOMEM.
 */
int uvm_add_area(struct uvm *vm, uintptr_t start, uintptr_t end, unsigned prot,
                 enum uvm_kind kind);
/* Map zeroed frames now over the unmapped pages of [start, end), which an
 * area covers.  0, -ENOMEM (what it mapped stays: the area owns it). */
int uvm_populate(struct uvm *vm, uintptr_t start, uintptr_t end);
/* Copy len bytes into vm at va through the frames (vm need not be
 * loaded; the pages must be mapped).  0 or -EFAULT. */
int uvm_write(struct uvm *vm, uintptr_t va, const void *src, size_t len);
/*
 * A fault of the running user process at addr (access: ARCH_PROT_WRITE
 * for a write, ARCH_PROT_EXEC for a fetch, else a read): if an area
 * allows the access, a page not present gets a zeroed frame and a write
 * to a copy-on-write page its own copy, and 0 is returned (the
 * instruction runs again); else -EFAULT (the caller signals SIGSEGV), or
 * -ENOMEM when no frame is left.
 */
int uvm_fault(struct uvm *vm, uintptr_t addr, unsigned access);

/*
 * A copy of parent for a forked child: the same areas, and every mapped
 * page shared copy-on-write (both map it read-only; the first write in
 * either copies it: uvm_fault), the user context copied.  NULL with *err
 * (-ENOMEM; nothing of parent changes then but pages made read-only,
 * which fault back to writable).
 */
struct uvm *uvm_fork(struct uvm *parent, int *err);
/* brk(2), Linux's raw form: move the heap's end to addr (rounded up to a
 * page; 0 or an address out of range changes nothing) and return the end
 * in effect. */
uintptr_t uvm_brk(struct uvm *vm, uintptr_t addr);
enum uvm_map_how {
    UVM_MAP_ANYWHERE,  /* where there is room below mmap_top (addr ignored) */
    UVM_MAP_FIXED,     /* at addr, replacing what was there */
    UVM_MAP_NOREPLACE, /* at addr, -EEXIST if anything is there */
};
/*
 * mmap of anonymous memory: len bytes (rounded up), placed as how says.
 * The address, or -EINVAL, -EEXIST, -ENOMEM (no room, more than all the
 * machine's frames could ever back, or a fixed range past the user half),
 * -EPERM (a fixed address below USER_MIN_ADDR).
 */
long uvm_mmap_anon(struct uvm *vm, uintptr_t addr, size_t len, unsigned prot,
                   enum uvm_map_how how);
/* munmap: [addr, addr + len) unmapped and its frames freed; areas split.
 * 0 or -EINVAL (unaligned, len 0, outside the user half). */
int uvm_munmap(struct uvm *vm, uintptr_t addr, size_t len);
/* mprotect: prot for every page of [addr, addr + len).  0, -EINVAL,
 * -ENOMEM (a page of the range is in no area, as Linux). */
int uvm_mprotect(struct uvm *vm, uintptr_t addr, size_t len, unsigned prot);
/* An area holds addr (a fault there is SEGV_ACCERR, else SEGV_MAPERR). */
bool uvm_has_area(struct uvm *vm, uintptr_t addr);
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
/* For a process spawned on a vm (proc_spawn): leave for ring 3 at its
 * entry and stack.  Never returns. */
_Noreturn void uvm_start(void);
/* execve: the running user process's address space becomes vm (loaded
 * now), the old one is freed. */
void uvm_replace_current(struct uvm *vm);
/* For a forked child (proc_fork on a uvm_fork copy with regs set): its
 * tid written where CLONE_CHILD_SETTID asked, then ring 3 with the
 * parent's registers (the system call returning 0).  Never returns. */
_Noreturn void uvm_start_forked(void);
/* At exit: the running process's user memory goes (its kernel stack and
 * record wait for the reaper).  Nothing for a kernel process. */
void uvm_exit_current(void);

#endif
