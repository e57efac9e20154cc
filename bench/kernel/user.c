/*
 * K4-K6: user mode (docs/bench-kernel.md).  K4 and K5 run hand-written
 * machine code in ring 3 that reads the TSC around the operation and
 * stores each sample in a results page of its own; the bench process
 * (kernel) reads that page through the child's page tables once the child
 * says it is done, then kills it.  K6 times spawn_user_process of the
 * smallest static program to its
 * reaping, from the kernel: the test initramfs's /ktest/bin/exit0, which
 * exits 0 at once (tests/unit/data/elf_exit0.c).
 */
#include "bench.h"

#include "arch.h"
#include "exec.h"
#include "kerrno.h"
#include "klog.h"
#include "kstring.h"
#include "param.h"
#include "proc.h"
#include "process.h"
#include "timer.h"
#include "uvm.h"

#define TEXT    0x400000UL
#define RESULTS 0x600000UL /* samples, then the done word at DONE */
#define STACK   0x7fff0000UL
#define ROUNDS  (BENCH_SAMPLES + BENCH_WARMUP + 4)
#define DONE    (RESULTS + 8 * ROUNDS)

/*
 * Samples ROUNDS times: rdtsc, the system call in eax_nr, rdtsc, store
 * the difference; then sets the done word and yields for ever.
 *   r12 = rounds, r14 = next sample slot, r13 = t0
 */
#define LOOP_CODE(nr)                                                     \
    {                                                                     \
        0x41, 0xbc, ROUNDS & 0xff, ROUNDS >> 8, 0, 0, /* mov $R, %r12d */ \
            0x49, 0xc7, 0xc6, 0x00, 0x00, 0x60, 0x00,                     \
            /* mov $RESULTS, %r14 */      /* loop: */                     \
            0x0f, 0x31,                   /* rdtsc */                     \
            0x48, 0xc1, 0xe2, 0x20,       /* shl $32, %rdx */             \
            0x48, 0x09, 0xc2,             /* or %rax, %rdx */             \
            0x49, 0x89, 0xd5,             /* mov %rdx, %r13 */            \
            0xb8, (nr), 0x00, 0x00, 0x00, /* mov $nr, %eax */             \
            0x0f, 0x05,                   /* syscall */                   \
            0x0f, 0x31,                   /* rdtsc */                     \
            0x48, 0xc1, 0xe2, 0x20,       /* shl $32, %rdx */             \
            0x48, 0x09, 0xc2,             /* or %rax, %rdx */             \
            0x4c, 0x29, 0xea,             /* sub %r13, %rdx */            \
            0x49, 0x89, 0x16,             /* mov %rdx, (%r14) */          \
            0x49, 0x83, 0xc6, 0x08,       /* add $8, %r14 */              \
            0x41, 0xff, 0xcc,             /* dec %r12d */                 \
            0x75, 0xd5,                   /* jnz loop */                  \
            0x49, 0xc7, 0x06, 0x01, 0x00, 0x00, 0x00,                     \
            /* movq $1, (%r14) */         /* idle: */                     \
            0xb8, 0x18, 0x00, 0x00, 0x00, /* mov $24, %eax */             \
            0x0f, 0x05,                   /* syscall (yield) */           \
            0xeb, 0xf7,                   /* jmp idle */                  \
    }

static const uint8_t getpid_loop[] = LOOP_CODE(39);
static const uint8_t yield_loop[] = LOOP_CODE(24);
/* The partner of K5: yields for ever. */
static const uint8_t yield_forever[] = {
    0xb8, 0x18, 0x00, 0x00, 0x00, /* mov $24, %eax */
    0x0f, 0x05,                   /* syscall */
    0xeb, 0xf7,                   /* jmp back to the mov */
};

struct prog {
    const uint8_t *code;
    size_t len;
};

static int page(struct uvm *vm, uintptr_t va, unsigned prot, enum uvm_kind kind)
{
    int err = uvm_add_area(vm, va, va + PAGE_SIZE, prot, kind);

    return err != 0 ? err : uvm_populate(vm, va, va + PAGE_SIZE);
}

static int user_main(void *arg)
{
    const struct prog *p = arg;
    int err;
    struct uvm *vm = uvm_create(&err);

    if (vm == NULL ||
        page(vm, TEXT, ARCH_PROT_READ | ARCH_PROT_EXEC, UVM_IMAGE) != 0 ||
        uvm_write(vm, TEXT, p->code, p->len) != 0 ||
        page(vm, RESULTS, ARCH_PROT_READ | ARCH_PROT_WRITE, UVM_ANON) != 0 ||
        page(vm, STACK - PAGE_SIZE, ARCH_PROT_READ | ARCH_PROT_WRITE,
             UVM_STACK) != 0) {
        if (vm != NULL) {
            uvm_destroy(vm);
        }
        return 1;
    }
    uvm_enter(vm, TEXT, STACK);
}

/* The word at va in pid's memory (its frames through the physmap), or
 * 0 if it has no such page. */
static uint64_t peek(pid_t pid, uintptr_t va)
{
    struct process *p;
    uintptr_t pa = 0;

    spin_lock(&sched_lock);
    p = proc_lookup_locked(pid);
    if (p != NULL && p->vm != NULL) {
        pa = arch_aspace_lookup(&p->vm->as, va, NULL);
    }
    spin_unlock(&sched_lock);
    return pa != 0 ? *(uint64_t *)((uint8_t *)arch_phys_to_virt(pa) +
                                   va % PAGE_SIZE)
                   : 0;
}

/* Run code as a user process until it is done; its samples into s. */
static int run_sampler(const uint8_t *code, size_t len, struct samples *s,
                       unsigned divide, const char *what)
{
    static struct prog prog;
    uint64_t o = bench_overhead();
    int code_out;
    pid_t pid;

    prog = (struct prog){code, len};
    pid = spawn_kernel_process("k-user", user_main, &prog);
    if (pid < 0) {
        kprintf("# %s: spawn failed: %s\n", what, errno_name(pid));
        return pid;
    }
    while (peek(pid, DONE) == 0) {
        sleep_ticks(1); /* asleep, not in the samplers' rotation */
    }
    for (size_t i = 0; i < ROUNDS; i++) {
        uint64_t v = peek(pid, RESULTS + 8 * i);

        if (!samples_add(s, (v > o ? v - o : 0) / divide)) {
            break;
        }
    }
    process_kill(pid, SIGKILL);
    wait_for_child(pid, &code_out);
    return 0;
}

int bench_user_null_syscall(struct samples *s)
{
    return run_sampler(getpid_loop, sizeof(getpid_loop), s, 1, "K4");
}

/*
 * K5: the sampler's sched_yield switches to the partner (another address
 * space), whose sched_yield switches back: one sample is two switches,
 * each with a system call's way in and out, and is halved.
 */
int bench_user_yield_switch(struct samples *s)
{
    static struct prog partner = {yield_forever, sizeof(yield_forever)};
    pid_t pid = spawn_kernel_process("k-partner", user_main, &partner);
    int code, err;

    if (pid < 0) {
        kprintf("# K5: spawn failed: %s\n", errno_name(pid));
        return pid;
    }
    err = run_sampler(yield_loop, sizeof(yield_loop), s, 2, "K5");
    process_kill(pid, SIGKILL);
    wait_for_child(pid, &code);
    return err;
}

/* K6: spawn_user_process of exit0 (ET_EXEC, one page of text) to its
 * reaping. */
int bench_user_spawn_exit_wait(struct samples *s)
{
    static const char *const argv[] = {"exit0", NULL};
    uint64_t o = bench_overhead();

    for (;;) {
        uint64_t t0 = arch_cycles();
        pid_t pid = spawn_user_process("/ktest/bin/exit0", argv, NULL);
        int code = -1;

        if (pid < 0) {
            kprintf("# K6: spawn_user_process: %s (is the test initramfs "
                    "passed?)\n",
                    errno_name(pid));
            return pid;
        }
        wait_for_child(pid, &code);
        if (code != 0) {
            kprintf("# K6: exit0 exited %d\n", code);
            return -EINVAL;
        }
        if (!samples_add(s, arch_cycles() - t0 - o)) {
            return 0;
        }
    }
}
