/*
 * Ring 3 without a loader: tiny machine-code programs are mapped into a
 * fresh address space (uvm) and entered; each checks one part of the
 * boundary (the syscall path, a fault becoming the right signal, a spinner
 * preempted, memory counted and returned) through the status its process
 * leaves.  The user copies are checked from a kernel process that loads an
 * address space of its own.
 */
#include "arch.h"
#include "exec.h"
#include "frame.h"
#include "heap.h"
#include "kproc.h"
#include "kerrno.h"
#include "ksignal.h"
#include "kstring.h"
#include "ktest.h"
#include "param.h"
#include "proc.h"
#include "process.h"
#include "uvm.h"

#define TEXT  0x400000UL
#define STACK 0x7fff0000UL /* one page below it is the stack */

/* Programs (x86_64 machine code, by hand). */
static const uint8_t exit_pid[] = {
    0xb8, 0x27, 0x00, 0x00, 0x00, /* mov $39, %eax (getpid) */
    0x0f, 0x05,                   /* syscall */
    0x89, 0xc7,                   /* mov %eax, %edi */
    0xb8, 0x3c, 0x00, 0x00, 0x00, /* mov $60, %eax (exit) */
    0x0f, 0x05,                   /* syscall */
    0xeb, 0xfe,                   /* jmp . (not reached) */
};
/* The registers a syscall must keep (all but rax, rcx, r11) survive. */
static const uint8_t keeps_registers[] = {
    0x48, 0xc7, 0xc3, 0x11, 0x00, 0x00, 0x00, /* mov $0x11, %rbx */
    0x49, 0xc7, 0xc4, 0x22, 0x00, 0x00, 0x00, /* mov $0x22, %r12 */
    0x48, 0xc7, 0xc2, 0x33, 0x00, 0x00, 0x00, /* mov $0x33, %rdx */
    0x49, 0xc7, 0xc2, 0x44, 0x00, 0x00, 0x00, /* mov $0x44, %r10 */
    0xb8, 0x27, 0x00, 0x00, 0x00,             /* mov $39, %eax */
    0x0f, 0x05,                               /* syscall */
    0x48, 0x01, 0xd3,                         /* add %rdx, %rbx */
    0x4c, 0x01, 0xe3,                         /* add %r12, %rbx */
    0x4c, 0x01, 0xd3,                         /* add %r10, %rbx */
    0x48, 0x89, 0xdf,                         /* mov %rbx, %rdi: 0xaa */
    0xb8, 0x3c, 0x00, 0x00, 0x00,             /* mov $60, %eax */
    0x0f, 0x05,                               /* syscall */
};
static const uint8_t ud2[] = {0x0f, 0x0b};
static const uint8_t int3[] = {0xcc};
static const uint8_t divide_by_zero[] = {
    0x31, 0xc9, /* xor %ecx, %ecx */
    0xf7, 0xf1, /* div %ecx */
};
static const uint8_t cli[] = {0xfa};
static const uint8_t hlt[] = {0xf4};
static const uint8_t out_port[] = {0xe6, 0x80}; /* out %al, $0x80 */
static const uint8_t int80[] = {0xcd, 0x80};
static const uint8_t load_cr3[] = {0x0f, 0x22, 0xd8}; /* mov %rax, %cr3 */
/* mov (%rax), %rax with rax = the kernel image's address */
static const uint8_t read_kernel[] = {
    0x48, 0xb8, 0x00, 0x00, 0x10, 0x80, 0xff,
    0xff, 0xff, 0xff, 0x48, 0x8b, 0x00,
};
/* movb $1, (TEXT): its own text is read-only */
static const uint8_t write_text[] = {0xc6, 0x04, 0x25, 0x00,
                                     0x00, 0x40, 0x00, 0x01};
/* jmp *%rsp: the stack is not executable */
static const uint8_t run_stack[] = {0xff, 0xe4};
/* jmp . : never calls the kernel */
static const uint8_t spin[] = {0xeb, 0xfe};

struct program {
    const uint8_t *code;
    size_t len;
};

/* One page at va, an area of kind, mapped now. */
static int map(struct uvm *vm, uintptr_t va, unsigned prot, enum uvm_kind kind)
{
    int err = uvm_add_area(vm, va, va + PAGE_SIZE, prot, kind);

    return err != 0 ? err : uvm_populate(vm, va, va + PAGE_SIZE);
}

static int user_main(void *arg)
{
    const struct program *prog = arg;
    int err;
    struct uvm *vm = uvm_create(&err);

    if (vm == NULL) {
        return 100;
    }
    if (map(vm, TEXT, ARCH_PROT_READ | ARCH_PROT_EXEC, UVM_IMAGE) != 0 ||
        uvm_write(vm, TEXT, prog->code, prog->len) != 0 ||
        map(vm, STACK - PAGE_SIZE, ARCH_PROT_READ | ARCH_PROT_WRITE,
            UVM_STACK) != 0) {
        uvm_destroy(vm);
        return 101;
    }
    uvm_enter(vm, TEXT, STACK);
}

/* Run prog in its own user process: its pid (-1 if it could not be
 * started or reaped), exit code and ending signal. */
static pid_t run_prog(const uint8_t *code, size_t len, int *code_out, int *sig)
{
    static struct program prog;
    pid_t pid;

    prog = (struct program){code, len};
    pid = spawn_kernel_process("user", user_main, &prog);
    if (pid <= 0 || wait_child_sig(pid, code_out, sig, true) != pid) {
        return -1;
    }
    return pid;
}

#define RUN(prog, code, sig) run_prog(prog, sizeof(prog), code, sig)

static void syscall_from_ring3(void)
{
    int code, sig;
    pid_t pid = RUN(exit_pid, &code, &sig);

    KT_ASSERT(pid > 0);
    KT_EQ(sig, 0);
    KT_EQ(code, pid & 0xff);
}

static void syscall_keeps_registers(void)
{
    int code, sig;

    KT_ASSERT(RUN(keeps_registers, &code, &sig) > 0);
    KT_EQ(sig, 0);
    KT_EQ(code, 0xaa);
}

/* Each fault ends only its process, with Linux's signal and a log line. */
static void faults_become_signals(void)
{
    static const struct {
        const char *what;
        const uint8_t *code;
        size_t len;
        int sig;
        const char *log;
    } cases[] = {
#define C(p, s, l) {#p, p, sizeof(p), s, l}
        C(ud2, SIGILL, "invalid opcode at rip 0x400000"),
        C(int3, SIGTRAP, "breakpoint at rip 0x400001"),
        C(divide_by_zero, SIGFPE, "divide error at rip 0x400002"),
        C(cli, SIGSEGV, "general protection at rip 0x400000"),
        C(hlt, SIGSEGV, "general protection"),
        C(out_port, SIGSEGV, "general protection"),
        C(int80, SIGSEGV, "general protection"),
        C(load_cr3, SIGSEGV, "general protection"),
        C(read_kernel, SIGSEGV, "read of 0xffffffff80100000"),
        C(write_text, SIGSEGV, "write of 0x400000"),
        C(run_stack, SIGSEGV, "fetch of 0x7fff0000"),
#undef C
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int code, sig;

        KT_ASSERT(run_prog(cases[i].code, cases[i].len, &code, &sig) > 0);
        KT_EQ(sig, cases[i].sig);
        KT_EQ(code, 128 + cases[i].sig);
        KT_ASSERT(ktest_log_contains(cases[i].log, 4096));
    }
}

/* A process that never calls the kernel is still preempted: the killer
 * runs, and the signal ends it on the way out of an interrupt. */
static void spinner_is_preempted(void)
{
    static struct program prog = {spin, sizeof(spin)};
    pid_t pid = spawn_kernel_process("user", user_main, &prog);
    int code, sig;

    KT_ASSERT(pid > 0);
    for (int i = 0; i < 3; i++) {
        sleep_ticks(2); /* it spins meanwhile */
    }
    KT_EQ(process_kill(pid, SIGKILL), 0);
    KT_EQ(wait_child_sig(pid, &code, &sig, true), pid);
    KT_EQ(sig, SIGKILL);
}

/* Frames and heap after many user processes are what they were. */
static void memory_back_to_baseline(void)
{
    size_t frames, bytes;
    int code, sig;

    KT_ASSERT(RUN(exit_pid, &code, &sig) > 0); /* warm caches and pools */
    heap_trim();
    frames = frame_stats().free;
    bytes = heap_stats().bytes_in_use;
    for (int i = 0; i < 100; i++) {
        KT_ASSERT(i % 2 ? RUN(exit_pid, &code, &sig) > 0
                        : RUN(ud2, &code, &sig) > 0);
    }
    heap_trim();
    KT_EQ(frame_stats().free, frames);
    KT_EQ(heap_stats().bytes_in_use, bytes);
}

/* The user copies, from a kernel process on a loaded user space. */
static void user_copies(void)
{
    int err;
    struct uvm *vm = uvm_create(&err);
    char buf[16] = {0};
    static const char hello[] = "hello";

    KT_ASSERT(vm != NULL);
    KT_EQ(map(vm, TEXT, ARCH_PROT_READ, UVM_IMAGE), 0);
    KT_EQ(
        map(vm, STACK - PAGE_SIZE, ARCH_PROT_READ | ARCH_PROT_WRITE, UVM_STACK),
        0);
    KT_EQ(uvm_write(vm, TEXT, hello, sizeof(hello)), 0);
    arch_aspace_activate(&vm->as);
    KT_EQ(arch_copy_from_user(buf, (void *)TEXT, sizeof(hello)), 0);
    KT_ASSERT(strcmp(buf, "hello") == 0);
    KT_EQ(arch_user_strnlen((void *)TEXT, 100), 5);
    KT_EQ(arch_user_strnlen((void *)TEXT, 3), 3);
    KT_EQ(arch_copy_to_user((void *)(STACK - 8), "abc", 4), 0);
    KT_EQ(arch_copy_from_user(buf, (void *)(STACK - 8), 4), 0);
    KT_ASSERT(strcmp(buf, "abc") == 0);
    /* unmapped, read-only, kernel, past the end, the top of the half */
    KT_EQ(arch_copy_from_user(buf, (void *)(TEXT + PAGE_SIZE), 1), -EFAULT);
    KT_EQ(arch_copy_from_user(buf, (void *)(STACK - 4), 8), -EFAULT);
    KT_EQ(arch_copy_to_user((void *)TEXT, "x", 1), -EFAULT);
    KT_EQ(arch_copy_from_user(buf, (void *)buf, 1), -EFAULT);
    KT_EQ(arch_copy_from_user(buf, (void *)(ARCH_USER_END - 1), 2), -EFAULT);
    KT_EQ(arch_copy_from_user(buf, (void *)UINTPTR_MAX, 1), -EFAULT);
    KT_EQ(arch_user_strnlen((void *)(TEXT + PAGE_SIZE), 10), -EFAULT);
    KT_EQ(arch_user_strnlen((void *)buf, 10), -EFAULT);
    arch_aspace_activate(NULL);
    uvm_destroy(vm);
}

/* Areas, demand paging, brk and mmap as the page tables and counters show
 * them, from a kernel process (no ring 3 needed). */
static void areas_and_demand_paging(void)
{
    size_t frames = frame_stats().free;
    int err;
    struct uvm *vm = uvm_create(&err);
    long a, b;
    unsigned prot;

    KT_ASSERT(vm != NULL);
    vm->brk_start = vm->brk = 0x800000;
    /* brk: grows without mapping, pages come on first touch, shrinks */
    KT_EQ(uvm_brk(vm, 0x800000 + 3 * PAGE_SIZE + 5),
          0x800000 + 3 * PAGE_SIZE + 5);
    KT_EQ(vm->pages, 0);
    KT_EQ(uvm_fault(vm, 0x800000 + PAGE_SIZE + 9,
                    ARCH_PROT_READ | ARCH_PROT_WRITE),
          0);
    KT_EQ(vm->pages, 1);
    KT_EQ(uvm_fault(vm, 0x800000 + 4 * PAGE_SIZE, ARCH_PROT_READ), -EFAULT);
    KT_EQ(uvm_brk(vm, 0x800000), 0x800000);
    KT_EQ(vm->pages, 0);             /* the touched page went with the shrink */
    KT_EQ(uvm_brk(vm, 0), 0x800000); /* a query */
    KT_EQ(uvm_brk(vm, 0x100), 0x800000); /* below the start: refused */
    /* mmap: top down, distinct, below the stack's limit */
    a = uvm_mmap_anon(vm, 0, 3 * PAGE_SIZE, ARCH_PROT_READ | ARCH_PROT_WRITE,
                      UVM_MAP_ANYWHERE);
    b = uvm_mmap_anon(vm, 0, PAGE_SIZE, ARCH_PROT_READ, UVM_MAP_ANYWHERE);
    KT_ASSERT(a > 0 && b > 0);
    KT_EQ((uintptr_t)a + 3 * PAGE_SIZE, UVM_MMAP_TOP);
    KT_EQ((uintptr_t)b + PAGE_SIZE, (uintptr_t)a);
    KT_EQ(uvm_mmap_anon(vm, (uintptr_t)a, PAGE_SIZE, ARCH_PROT_READ,
                        UVM_MAP_NOREPLACE),
          -EEXIST);
    KT_EQ(
        uvm_mmap_anon(vm, 0, (size_t)1 << 46, ARCH_PROT_READ, UVM_MAP_ANYWHERE),
        -ENOMEM); /* more than all frames could back */
    /* a write fault on a read-only area is refused; on a writable one not */
    KT_EQ(uvm_fault(vm, (uintptr_t)b, ARCH_PROT_READ | ARCH_PROT_WRITE),
          -EFAULT);
    for (int i = 0; i < 3; i++) {
        KT_EQ(uvm_fault(vm, (uintptr_t)a + i * PAGE_SIZE,
                        ARCH_PROT_READ | ARCH_PROT_WRITE),
              0);
    }
    KT_EQ(vm->pages, 3);
    /* munmap the middle page: split, its frame freed, the rest intact */
    KT_EQ(uvm_munmap(vm, (uintptr_t)a + PAGE_SIZE, PAGE_SIZE), 0);
    KT_EQ(vm->pages, 2);
    KT_EQ(uvm_fault(vm, (uintptr_t)a + PAGE_SIZE, ARCH_PROT_READ), -EFAULT);
    /* mprotect across the hole: -ENOMEM, as Linux; on one page: applied */
    KT_EQ(uvm_mprotect(vm, (uintptr_t)a, 3 * PAGE_SIZE, ARCH_PROT_READ),
          -ENOMEM);
    KT_EQ(uvm_mprotect(vm, (uintptr_t)a, PAGE_SIZE, ARCH_PROT_READ), 0);
    KT_ASSERT(arch_aspace_lookup(&vm->as, (uintptr_t)a, &prot) != 0);
    KT_EQ(prot & ARCH_PROT_WRITE, 0);
    KT_EQ(uvm_mprotect(vm, (uintptr_t)a, PAGE_SIZE, ARCH_PROT_NONE), 0);
    KT_ASSERT(arch_aspace_lookup(&vm->as, (uintptr_t)a, &prot) != 0);
    KT_EQ(prot, ARCH_PROT_NONE); /* the frame kept, inaccessible */
    KT_EQ(uvm_fault(vm, (uintptr_t)a, ARCH_PROT_READ), -EFAULT);
    KT_EQ(uvm_munmap(vm, 3, PAGE_SIZE), -EINVAL);
    KT_EQ(uvm_munmap(vm, 0, 0), -EINVAL);
    uvm_destroy(vm);
    KT_EQ(frame_stats().free, frames);
}

/* Copy-on-write: after uvm_fork every page has two holders and no data
 * frame was copied; a write in the child copies only that page; the
 * child's end gives the parent its pages back whole; everything returns. */
static void fork_copy_on_write_counts(void)
{
    size_t frames = frame_stats().free, after_parent, tables;
    int err, pages = 4;
    struct uvm *parent = uvm_create(&err), *child;
    uintptr_t pa[4], cpa;
    unsigned prot;
    static const char hi[] = "parent";

    KT_ASSERT(parent != NULL);
    KT_EQ(uvm_add_area(parent, TEXT, TEXT + pages * PAGE_SIZE,
                       ARCH_PROT_READ | ARCH_PROT_WRITE, UVM_ANON),
          0);
    KT_EQ(uvm_populate(parent, TEXT, TEXT + pages * PAGE_SIZE), 0);
    KT_EQ(uvm_write(parent, TEXT, hi, sizeof(hi)), 0);
    after_parent = frame_stats().free;
    child = uvm_fork(parent, &err);
    KT_ASSERT(child != NULL);
    tables = arch_aspace_table_frames(&child->as);
    KT_EQ(frame_stats().free, after_parent - tables); /* no data copied */
    KT_EQ(child->pages, (size_t)pages);
    for (int i = 0; i < pages; i++) {
        pa[i] = arch_aspace_lookup(&parent->as, TEXT + i * PAGE_SIZE, &prot);
        KT_EQ(prot & ARCH_PROT_WRITE, 0); /* read-only in both now */
        KT_EQ(arch_aspace_lookup(&child->as, TEXT + i * PAGE_SIZE, NULL),
              pa[i]);
        KT_EQ(frame_holders(pa[i]), 2);
    }
    /* the child writes page 0: its own copy, with the parent's bytes */
    KT_EQ(uvm_fault(child, TEXT, ARCH_PROT_READ | ARCH_PROT_WRITE), 0);
    cpa = arch_aspace_lookup(&child->as, TEXT, &prot);
    KT_ASSERT(cpa != pa[0] && (prot & ARCH_PROT_WRITE));
    KT_EQ(memcmp(arch_phys_to_virt(cpa), hi, sizeof(hi)), 0);
    KT_EQ(frame_holders(pa[0]), 1);
    KT_EQ(frame_holders(cpa), 1);
    KT_EQ(frame_stats().free, after_parent - tables - 1);
    /* the parent's write to page 0: alone now, made writable, no copy */
    KT_EQ(uvm_fault(parent, TEXT, ARCH_PROT_READ | ARCH_PROT_WRITE), 0);
    KT_EQ(arch_aspace_lookup(&parent->as, TEXT, NULL), pa[0]);
    KT_EQ(frame_stats().free, after_parent - tables - 1);
    uvm_destroy(child); /* its copy and tables go; the shared pages stay */
    KT_EQ(frame_stats().free, after_parent);
    for (int i = 1; i < pages; i++) {
        KT_EQ(frame_holders(pa[i]), 1);
    }
    uvm_destroy(parent);
    KT_EQ(frame_stats().free, frames);
}

/* The forked child's first code: execve /bin/usertests sleeper, which
 * sleeps until killed.  Returns only if the exec could not be prepared. */
static int exec_after_fork(void *arg)
{
    static const char *const argv[] = {"usertests", "sleeper", NULL};
    char name[PROCESS_NAME_MAX];
    struct uvm *vm;

    (void)arg;
    if (exec_prepare("/bin/usertests", argv, NULL, &vm, name) != 0) {
        return 1;
    }
    exec_finish(vm, name);
}

/* Exec after fork: the child's new image drops every page it shared with
 * the parent at once (each back to one holder while the child still
 * lives), and once the child is killed and reaped the frames are back
 * to the count before the fork, exactly. */
static void exec_drops_copy_on_write_shares(void)
{
    int err, code, sig, pages = 4;
    struct uvm *parent, *child;
    uintptr_t pa[4];
    size_t frames;
    pid_t pid;

    proc_cache_trim();
    heap_trim();
    frames = frame_stats().free;
    parent = uvm_create(&err);
    KT_ASSERT(parent != NULL);
    KT_EQ(uvm_add_area(parent, TEXT, TEXT + pages * PAGE_SIZE,
                       ARCH_PROT_READ | ARCH_PROT_WRITE, UVM_ANON),
          0);
    KT_EQ(uvm_populate(parent, TEXT, TEXT + pages * PAGE_SIZE), 0);
    child = uvm_fork(parent, &err);
    KT_ASSERT(child != NULL);
    for (int i = 0; i < pages; i++) {
        pa[i] = arch_aspace_lookup(&parent->as, TEXT + i * PAGE_SIZE, NULL);
        KT_EQ(frame_holders(pa[i]), 2);
    }
    pid = proc_spawn("cowexec", exec_after_fork, NULL, child);
    KT_ASSERT(pid > 1);
    KT_ASSERT(wait_state(pid, PROCESS_BLOCKED, 1000)); /* asleep, exec'd */
    for (int i = 0; i < pages; i++) {
        KT_EQ(frame_holders(pa[i]), 1);
    }
    KT_EQ(process_kill(pid, SIGKILL), 0);
    KT_EQ(wait_child_sig(pid, &code, &sig, true), pid);
    KT_EQ(sig, SIGKILL); /* not exit 1: the exec went through */
    uvm_destroy(parent);
    proc_cache_trim();
    heap_trim();
    KT_EQ(frame_stats().free, frames);
}

static const struct ktest_case user_cases[] = {
    {"fork_copy_on_write_counts", fork_copy_on_write_counts},
    {"exec_drops_copy_on_write_shares", exec_drops_copy_on_write_shares},
    {"areas_and_demand_paging", areas_and_demand_paging},
    {"syscall_from_ring3", syscall_from_ring3},
    {"syscall_keeps_registers", syscall_keeps_registers},
    {"faults_become_signals", faults_become_signals},
    {"spinner_is_preempted", spinner_is_preempted},
    {"memory_back_to_baseline", memory_back_to_baseline},
    {"user_copies", user_copies},
};
KTEST_SUITE(suite_user, "user", user_cases);
