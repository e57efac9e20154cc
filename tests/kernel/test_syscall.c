/*
 * System calls through the real trap path (int $0x80): results, every
 * error for bad arguments, the priority calls (140-148) and preemption by
 * sched_setscheduler, registers and interrupt state across the trap,
 * and (suite "stdin", run only when the runner feeds input) reads that
 * block until the serial port or the PS/2 keyboard brings a line.
 */
#include <limits.h>

#include "arch.h"
#include "klog.h"
#include "input.h"
#include "driver.h"
#include "fd.h"
#include "kerrno.h"
#include "kproc.h"
#include "kstring.h"
#include "ktest.h"
#include "layout.h"
#include "proc.h"
#include "syscall.h"
#include "timer.h"
#include "usys.h"
#include "x86.h"

long syscall_clobbers(long nr);

static struct gate gate;
static volatile pid_t seen_pid, seen_ppid;

static int return_arg(void *arg)
{
    return (int)(intptr_t)arg;
}

static void reset_gate(void)
{
    gate = (struct gate)GATE_INIT("syscall gate");
}

static int pass_gate(void *arg)
{
    gate_pass(&gate);
    return (int)(intptr_t)arg;
}

static int report_ids(void *arg)
{
    (void)arg;
    seen_pid = sys_getpid();
    seen_ppid = sys_getppid();
    return 0;
}

static void getpid_and_getppid(void)
{
    pid_t pid;
    int code;

    KT_EQ(sys_getpid(), 1); /* init */
    KT_EQ(sys_getppid(), 0);
    seen_pid = seen_ppid = -1;
    pid = spawn_kernel_process("ids", report_ids, NULL);
    KT_EQ(wait_for_child(pid, &code), pid);
    KT_EQ(seen_pid, pid);
    KT_EQ(seen_ppid, 1);
}

static void write_reaches_console(void)
{
    static const char out[] = "syscall: write to fd 1 reaches the console\n";
    char err[] = "syscall: write to fd 2 from the stack\n";

    KT_EQ(sys_write(1, out, sizeof(out) - 1), sizeof(out) - 1);
    KT_ASSERT(ktest_log_contains("write to fd 1 reaches the console", 256));
    KT_EQ(sys_write(2, err, sizeof(err) - 1), sizeof(err) - 1);
    KT_ASSERT(ktest_log_contains("write to fd 2 from the stack", 256));
    KT_EQ(fdprintf(1, "syscall: fdprintf %d %s\n", 42, "ok"), 24);
    KT_ASSERT(ktest_log_contains("syscall: fdprintf 42 ok", 256));
}

/* Long output goes out in chunks, all of it. */
static void fdprintf_long_output(void)
{
    char pad[301];

    memset(pad, 'x', sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = '\0';
    KT_EQ(fdprintf(1, "<%s>\n", pad), 303);
    KT_ASSERT(ktest_log_contains("xxxxxxxxxx>\n", 64));
    KT_EQ(fdprintf(3, "nowhere"), -EBADF);
}

static void bad_descriptors(void)
{
    static const int fds[] = {-1, 3, 15, MAX_FDS, 1000, INT_MIN, INT_MAX};
    char buf[8];

    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
        KT_EQ(sys_write(fds[i], "bad fd\n", 7), -EBADF);
        KT_EQ(sys_read(fds[i], buf, sizeof(buf)), -EBADF);
        KT_EQ(sys_write(fds[i], NULL, 0), -EBADF); /* fd checked first */
    }
    KT_EQ(sys_read(1, buf, sizeof(buf)), -EBADF); /* opened write-only */
    KT_EQ(sys_write(0, "x", 1), -EBADF);          /* opened read-only */
}

static void bad_buffers(void)
{
    static const struct {
        uintptr_t addr;
        size_t len;
    } bad[] = {
        {0, 8},                          /* NULL */
        {0x8000000000000000UL, 8},       /* non-canonical */
        {0x0000800000000000UL, 8},       /* first non-canonical */
        {0x00007ffffffffffcUL, 8},       /* runs off the lower half */
        {0xdead0000UL, 8},               /* canonical, not mapped */
        {PHYSMAP_BASE + (1UL << 36), 8}, /* past the end of RAM */
        {0xfffffffffffffff0UL, 32},      /* wraps around */
    };
    long tail = (long)((uintptr_t)_image_end - 4); /* 16 bytes run past */

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long addr = (long)bad[i].addr, len = (long)bad[i].len;

        KT_EQ(arch_syscall(SYS_write, 1, addr, len, 0, 0, 0), -EFAULT);
        KT_EQ(arch_syscall(SYS_read, 0, addr, len, 0, 0, 0), -EFAULT);
    }
    KT_EQ(arch_syscall(SYS_write, 1, tail, 16, 0, 0, 0), -EFAULT);
    KT_EQ(arch_syscall(SYS_read, 0, tail, 16, 0, 0, 0), -EFAULT);
}

/* Text and rodata may be written from, never read into (they are mapped
 * read-only: the kernel would fault). */
static void read_only_buffers(void)
{
    static const char constant[16] = "read-only";
    char *text = (char *)(uintptr_t)bad_buffers;

    KT_EQ(sys_read(0, (char *)(uintptr_t)constant, 4), -EFAULT);
    KT_EQ(sys_read(0, text, 4), -EFAULT);
    KT_EQ(sys_wait4(-1, (int *)(uintptr_t)constant, 0, NULL), -EFAULT);
    KT_EQ(sys_write(1, constant, 0), 0);
    KT_ASSERT(arch_access_ok(constant, sizeof(constant), false));
    KT_ASSERT(!arch_access_ok(constant, sizeof(constant), true));
    KT_EQ(strcmp(constant, "read-only"), 0);
}

/* The physmap alias of an address in the image. */
static void *physmap_alias(const void *p)
{
    return arch_phys_to_virt(arch_virt_to_phys(p));
}

static int status_sink; /* in .bss: writable through both aliases */

/*
 * The image's read-only part is read-only through the physmap too: the
 * calls that would write it get -EFAULT and it is unchanged, while the
 * alias of writable data takes a status.
 */
static void read_only_through_physmap(void)
{
    static const char constant[16] = "read-only";
    char *alias = physmap_alias(constant);
    char *text = physmap_alias((const void *)(uintptr_t)bad_buffers);
    char *boot = (char *)arch_phys_to_virt(KERNEL_PHYS);
    uint8_t text_before[4];
    pid_t pid;

    memcpy(text_before, text, sizeof(text_before));
    KT_ASSERT((uintptr_t)alias != (uintptr_t)constant);
    KT_EQ(strcmp(alias, "read-only"), 0); /* the same bytes */
    KT_EQ(sys_wait4(-1, (int *)(void *)alias, 0, NULL), -EFAULT);
    KT_EQ(sys_wait4(-1, (int *)(void *)(alias + 1), 0, NULL), -EFAULT);
    KT_EQ(sys_read(0, alias, 4), -EFAULT);
    KT_EQ(sys_read(0, text, 4), -EFAULT);
    KT_EQ(sys_read(0, boot, 4), -EFAULT);
    KT_EQ(sys_read(0, (char *)(KERNEL_VMA + KERNEL_PHYS), 4), -EFAULT);
    KT_EQ(sys_write(1, alias, 0), 0);
    KT_ASSERT(arch_access_ok(alias, sizeof(constant), false));
    KT_ASSERT(!arch_access_ok(alias, sizeof(constant), true));
    KT_ASSERT(!arch_access_ok(alias - 8, 16, true)); /* overlaps its start */
    KT_EQ(strcmp(constant, "read-only"), 0);
    KT_EQ(memcmp(text, text_before, sizeof(text_before)), 0);

    pid = spawn_kernel_process("exiter", return_arg, (void *)9);
    status_sink = 0;
    KT_EQ(sys_wait4(pid, physmap_alias(&status_sink), 0, NULL), pid);
    KT_EQ(status_sink, 9 << 8);
}

/* A count over SYSCALL_IO_MAX is capped, a short transfer (Linux caps at
 * MAX_RW_COUNT); a count negative as ssize_t fits no address range:
 * -EFAULT, as Linux's access_ok gives before its -EINVAL could. */
static void bad_lengths(void)
{
    const char *mapped = physmap_alias(&gate); /* RAM: MiBs mapped after */
    long null = sys_open("/dev/null", O_WRONLY, 0);
    char buf[8];

    KT_ASSERT(null >= 0);
    KT_EQ(sys_write(null, mapped, SYSCALL_IO_MAX + 1), SYSCALL_IO_MAX);
    KT_EQ(sys_write(null, mapped, 2 * SYSCALL_IO_MAX), SYSCALL_IO_MAX);
    KT_EQ(sys_write(null, mapped, SYSCALL_IO_MAX), SYSCALL_IO_MAX);
    KT_EQ(sys_write(1, "x", (size_t)-1), -EFAULT); /* negative as ssize_t */
    KT_EQ(sys_write(1, "x", (size_t)LONG_MAX + 1), -EFAULT);
    KT_EQ(sys_read(0, buf, (size_t)-8), -EFAULT);
    KT_EQ(sys_write(1, NULL, 0), 0);
    KT_EQ(sys_read(0, NULL, 0), 0); /* returns at once: no block */
    KT_EQ(sys_close(null), 0);
}

static void unknown_numbers(void)
{
    /* Calls Kairos will not have soon (sockets, SysV IPC, mount...),
     * the edges of the table, and numbers the port could mistake. */
    static const long nrs[] = {
        -1,       LONG_MIN,      LONG_MAX, 41,  42,  25,   29,   31,  43,  64,
        67,       165,           169,      232, 335, 1000, 0x80, 512, 499, 501,
        1L << 32, 1L << 32 | 39, 139,      149,
    };

    for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
        KT_EQ(arch_syscall(nrs[i], 1, 2, 3, 4, 5, 6), -ENOSYS);
    }
}

static void sched_yield_runs_others(void)
{
    struct process_info info;
    pid_t pid;
    int code;

    KT_EQ(sys_sched_yield(), 0); /* nothing else ready: just returns */
    pid = spawn_kernel_process("yielded-to", return_arg, (void *)4);
    KT_EQ(sys_sched_yield(), 0);
    KT_EQ(get_process(pid, &info), 0);
    KT_EQ(info.state, PROCESS_ZOMBIE); /* it ran while we yielded */
    KT_EQ(wait_for_child(pid, &code), pid);
    KT_EQ(code, 4);
}

static int exit_by_syscall(void *arg)
{
    sys_exit((int)(intptr_t)arg);
}

static int exit_group_by_syscall(void *arg)
{
    sys_exit_group((int)(intptr_t)arg);
}

/* Spawn entry(arg) and reap it with wait4; the status, or -1000 + error. */
static int wait4_status(process_entry_t entry, int arg)
{
    pid_t pid = spawn_kernel_process("exiter", entry, (void *)(intptr_t)arg);
    int status = -1;
    pid_t got = sys_wait4(pid, &status, 0, NULL);

    return got == pid ? status : -1000 + got;
}

static void wait4_status_encoding(void)
{
    pid_t pid;

    KT_EQ(wait4_status(exit_by_syscall, 5), 5 << 8);
    KT_EQ(wait4_status(exit_by_syscall, 300), (300 & 0xff) << 8);
    KT_EQ(wait4_status(exit_group_by_syscall, -1), 0xff << 8);
    KT_EQ(wait4_status(return_arg, 0), 0);
    pid = spawn_kernel_process("nostatus", return_arg, (void *)1);
    KT_EQ(sys_wait4(-1, NULL, 0, NULL), pid); /* NULL status allowed */
    KT_EQ(sys_wait4(-1, NULL, 0, NULL), -ECHILD);
    KT_EQ(sys_wait4(pid, NULL, 0, NULL), -ECHILD); /* second wait */
}

/* The status pointer is the caller's: misaligned ones get the status too,
 * and the bytes around it stay as they were. */
static void wait4_misaligned_status(void)
{
    unsigned char buf[12];

    for (int off = 1; off < 4; off++) {
        pid_t pid = spawn_kernel_process("exiter", return_arg,
                                         (void *)(intptr_t)(off + 40));
        int got;

        memset(buf, 0xAA, sizeof(buf));
        KT_EQ(sys_wait4(pid, (int *)(void *)(buf + off), 0, NULL), pid);
        memcpy(&got, buf + off, sizeof(got));
        KT_EQ(got, (off + 40) << 8);
        KT_EQ(buf[off - 1], 0xAA);
        KT_EQ(buf[off + sizeof(int)], 0xAA);
    }
}

/* Bad wait4 calls fail before waiting: the child is still there after.
 * WNOHANG finds it running (0) by pid, by the caller's group and by -1. */
static void wait4_bad_arguments(void)
{
    long rusage[18];
    int status = 0;
    pid_t pid;

    reset_gate();
    pid = spawn_kernel_process("waited", pass_gate, (void *)7);
    KT_EQ(sys_wait4(pid, &status, 1, NULL), 0); /* WNOHANG: not yet */
    KT_EQ(sys_wait4(0, &status, 1, NULL), 0);   /* its group: ours */
    KT_EQ(sys_wait4(-1, &status, 1, NULL), 0);
    KT_EQ(sys_wait4(pid, &status, 4, NULL), -EINVAL); /* WEXITED: waitid's */
    KT_EQ(sys_wait4(pid, &status, 0x10, NULL), -EINVAL);
    KT_EQ(sys_wait4(pid, &status, INT_MIN, NULL), -ECHILD); /* __WCLONE */
    KT_EQ(sys_wait4(-99999, &status, 0, NULL), -ECHILD);    /* no such group */
    KT_EQ(sys_wait4(INT_MIN, &status, 0, NULL), -ESRCH);
    KT_EQ(sys_wait4(pid, &status, 0, (void *)0xdead0000UL), -EFAULT);
    KT_EQ(sys_wait4(pid, (int *)0x8000000000000000UL, 0, NULL), -EFAULT);
    KT_EQ(sys_wait4(pid, (int *)0xdead0000UL, 0, NULL), -EFAULT);
    KT_EQ(sys_wait4(99999, &status, 0, NULL), -ECHILD);
    memset(rusage, 0xff, sizeof(rusage));
    gate_open(&gate);
    KT_EQ(sys_wait4(pid, &status, 0, rusage), pid);
    KT_EQ(status, 7 << 8);
    for (size_t i = 0; i < sizeof(rusage) / sizeof(rusage[0]); i++) {
        KT_EQ(rusage[i], 0); /* no accounting: zeroed */
    }
}

static int yield_loop(void *arg)
{
    for (int i = 0; i < (int)(intptr_t)arg; i++) {
        yield_now();
    }
    return 0;
}

/* Only rax changes, even when the call switches to another process. */
static void registers_preserved(void)
{
    pid_t pid;
    int code;

    for (int i = 0; i < 1000; i++) {
        KT_EQ(syscall_clobbers(SYS_getpid), 0);
    }
    pid = spawn_kernel_process("yielder", yield_loop, (void *)100);
    for (int i = 0; i < 100; i++) {
        KT_EQ(syscall_clobbers(SYS_sched_yield), 0);
    }
    KT_EQ(wait_for_child(pid, &code), pid);
}

static void interrupt_state_preserved(void)
{
    arch_irqstate_t s = arch_irq_save();
    pid_t pid = sys_getpid();

    KT_ASSERT(!arch_irq_enabled());
    arch_irq_restore(s);
    KT_EQ(pid, 1);
    KT_ASSERT(arch_irq_enabled());
    KT_EQ(sys_getpid(), 1);
    KT_ASSERT(arch_irq_enabled());
}

/* The gate's type byte: present, DPL in bits 5-6, 64-bit interrupt gate. */
static uint8_t gate_type(unsigned vector)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr;

    __asm__ volatile("sidt %0" : "=m"(idtr));
    return ((const uint8_t *)idtr.base)[vector * 16 + 5];
}

/* Ring 3 may raise only #BP and #OF (int3, into); int $0x80 is for
 * kernel processes (user ones use `syscall`). */
static void gates_ring3_only_int3_into(void)
{
    KT_EQ(gate_type(3), 0xEE); /* DPL 3 */
    KT_EQ(gate_type(4), 0xEE);
    KT_EQ(gate_type(SYSCALL_VECTOR), 0x8E); /* DPL 0 */
    KT_EQ(gate_type(SYSCALL_VECTOR + 1), 0x8E);
    KT_EQ(gate_type(14), 0x8E);
    KT_EQ(gate_type(IRQ_BASE + IRQ_TIMER), 0x8E);
}

/* ---- A device the tests control ------------------------------------------ */

static volatile bool probe_irq_on; /* interrupt state the last write saw */
static volatile long probe_avail;  /* bytes read may return; < 0: error */
static volatile int probe_reads;   /* read op calls */

static long probe_read(struct chardev *dev, void *buf, size_t len)
{
    long n = probe_avail;

    (void)dev;
    probe_reads++;
    if (n <= 0) {
        return n;
    }
    n = (size_t)n < len ? n : (long)len;
    memset(buf, 'p', (size_t)n);
    probe_avail -= n;
    return n;
}

static long probe_write(struct chardev *dev, const void *buf, size_t len)
{
    (void)dev;
    (void)buf;
    probe_irq_on = arch_irq_enabled();
    return (long)len;
}

static const struct chardev_ops probe_ops = {.read = probe_read,
                                             .write = probe_write};

/* Make the caller's fd an open file over dev, read and write (NULL:
 * close it). */
static void put_dev_fd(int fd, struct chardev *dev)
{
    struct file *f = dev != NULL ? file_open_chardev(dev, dev, O_RDWR) : NULL;

    KT_ASSERT(dev == NULL || f != NULL);
    KT_EQ(fd_assign(fd, f, false), 0);
    file_put(f); /* the descriptor holds it now */
}

/* Put the probe device on the caller's descriptor fd (FD_NONE: close). */
static void set_fd(int fd, enum fd_kind kind)
{
    struct chardev *dev = driver_find("ktest-probe");

    if (dev == NULL) {
        driver_register("ktest-probe", &probe_ops, NULL);
        dev = driver_find("ktest-probe");
    }
    put_dev_fd(fd, kind == FD_CHAR ? dev : NULL);
}

/* Interrupts are on inside a call when the caller had them on. */
static void interrupts_on_during_call(void)
{
    arch_irqstate_t s;
    long on, off;
    bool saw_on, saw_off;

    set_fd(3, FD_CHAR);
    on = sys_write(3, "x", 1);
    saw_on = probe_irq_on;
    s = arch_irq_save();
    off = sys_write(3, "x", 1);
    saw_off = probe_irq_on;
    arch_irq_restore(s);
    set_fd(3, FD_NONE);
    KT_EQ(on, 1);
    KT_EQ(off, 1);
    KT_ASSERT(saw_on);
    KT_ASSERT(!saw_off);
}

static char probe_buf[16];

static int read_probe(void *arg)
{
    (void)arg;
    set_fd(3, FD_CHAR);
    return (int)sys_read(3, probe_buf, sizeof(probe_buf));
}

/*
 * A read with nothing to read blocks; a wakeup with still nothing to read
 * puts it back to sleep; the wakeup after data arrives returns the data.
 */
static void read_sleeps_until_data(void)
{
    struct process_info info;
    pid_t pid;
    int code, reads;

    probe_avail = 0;
    probe_reads = 0;
    pid = spawn_kernel_process("probe-reader", read_probe, NULL);
    KT_ASSERT(wait_state(pid, PROCESS_BLOCKED, 100));
    KT_EQ(get_process(pid, &info), 0);
    KT_EQ(info.wait_channel, WAIT_EVENT_INPUT);
    reads = probe_reads;
    input_ready(); /* a wakeup, but no data */
    KT_ASSERT(wait_state(pid, PROCESS_BLOCKED, 100));
    KT_EQ(probe_reads, reads + 1); /* it looked again, and slept again */
    probe_avail = 5;
    input_ready();
    KT_EQ(wait_for_child(pid, &code), pid);
    KT_EQ(code, 5);
    KT_ASSERT(memcmp(probe_buf, "ppppp", 5) == 0);
    KT_EQ(probe_avail, 0);
}

/* Device errors come back as they are, without blocking. */
static void read_error_returned(void)
{
    char buf[4];
    long n;

    probe_avail = -EIO;
    set_fd(3, FD_CHAR);
    n = sys_read(3, buf, sizeof(buf));
    set_fd(3, FD_NONE);
    probe_avail = 0;
    KT_EQ(n, -EIO);
}

/* Idle until n more ticks have passed; false if they never come. */
static bool idle_ticks(uint64_t n)
{
    uint64_t end = timer_ticks() + n;

    for (int wakeups = 0; wakeups < 10000 && timer_ticks() < end; wakeups++) {
        arch_cpu_idle();
    }
    return timer_ticks() >= end;
}

/* TSC cycles per timer tick, measured across idle ticks (which all come);
 * 0 if the ticks do not come. */
static uint64_t cycles_per_tick(void)
{
    uint64_t t0, c0;

    if (!idle_ticks(1)) { /* start on a tick */
        return 0;
    }
    t0 = timer_ticks();
    c0 = arch_cycles();
    if (!idle_ticks(5)) {
        return 0;
    }
    return (arch_cycles() - c0) / (timer_ticks() - t0);
}

static char long_out[64 * 1024]; /* TAP comment lines, 64 bytes each */

/*
 * 64 KiB writes to fd leave interrupts on between chunks (KLOG_CHUNK), so
 * the timer ticks that fall due while they run arrive.  Time comes from
 * the TSC, calibrated against idle ticks: ticks cannot measure their own
 * loss.  Writes repeat until at least 10 ticks were due; at least half
 * must have arrived (with interrupts off for a whole write, 1 in 44 did).
 */
static void ticks_arrive_during_writes(int fd, const char *what)
{
    uint64_t per_tick = cycles_per_tick(), t0, c0, due, got;
    int writes = 0;

    KT_ASSERT(per_tick > 0);
    for (size_t i = 0; i < sizeof(long_out); i++) {
        long_out[i] = i % 64 == 63 ? '\n' : i % 64 < 2 ? "# "[i % 64] : 'w';
    }
    t0 = timer_ticks();
    c0 = arch_cycles();
    while (writes < 64 && arch_cycles() - c0 < 10 * per_tick) {
        KT_EQ(sys_write(fd, long_out, sizeof(long_out)), sizeof(long_out));
        writes++;
    }
    due = (arch_cycles() - c0) / per_tick;
    got = timer_ticks() - t0;
    kprintf("# %s: %d writes of 64 KiB, %lu ticks due, %lu arrived\n", what,
            writes, (unsigned long)due, (unsigned long)got);
    KT_ASSERT(due >= 10);
    KT_ASSERT(got * 2 >= due);
}

/* The console (every sink and the log), and the serial and VGA devices. */
static void long_write_lets_ticks_through(void)
{
    static const char *const devs[] = {"serial0", "vga"};

    ticks_arrive_during_writes(1, "console");
    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
        struct chardev *dev = driver_find(devs[i]);

        KT_ASSERT(dev != NULL);
        put_dev_fd(3, dev);
        ticks_arrive_during_writes(3, devs[i]);
        put_dev_fd(3, NULL);
    }
}

/* ---- kill 62 ------------------------------------------------------------ */

static volatile unsigned long kill_spins;

/* CPU-bound: never enters the kernel but through the timer interrupt. */
static int kill_spinner(void *arg)
{
    (void)arg;
    while (kill_spins != ~0UL) {
        kill_spins++;
    }
    return 0;
}

static int kill_sleeper(void *arg)
{
    struct ktimespec ts = {100, 0};

    (void)arg;
    return (int)sys_nanosleep(&ts, NULL);
}

/* Spawn entry, let it start, kill it with sig through the system call and
 * reap it with wait4: the status word (-1 if it never reached st, -2 if
 * kill or wait4 failed). */
static int kill_status(process_entry_t entry, int sig, enum process_state st)
{
    pid_t pid = spawn_kernel_process("victim", entry, NULL);
    int status = -1;

    for (int i = 0;
         i < 100 && pid > 0 && st == PROCESS_RUNNING && kill_spins == 0; i++) {
        yield_now(); /* until the spinner has run */
    }
    if (pid <= 0 || (st != PROCESS_RUNNING && !wait_state(pid, st, 100))) {
        return -1; /* not started, or never reached st */
    }
    if (sys_kill(pid, sig) != 0 || sys_wait4(pid, &status, 0, NULL) != pid) {
        return -2;
    }
    return status;
}

/* The spinner dies at a timer interrupt's exit, the sleeper's nanosleep
 * and the reader's read end early (-EINTR) and it dies at their return:
 * wait4 reports each as killed by its signal (WIFSIGNALED, WTERMSIG). */
static void kill_through_the_syscall(void)
{
    int status;

    kill_spins = 0;
    status = kill_status(kill_spinner, SIGKILL, PROCESS_RUNNING);
    KT_ASSERT(KWIFSIGNALED(status));
    KT_EQ(KWTERMSIG(status), SIGKILL);
    KT_ASSERT(kill_spins > 0);
    status = kill_status(kill_sleeper, SIGTERM, PROCESS_BLOCKED);
    KT_ASSERT(KWIFSIGNALED(status));
    KT_EQ(KWTERMSIG(status), SIGTERM);
    probe_avail = 0;
    status = kill_status(read_probe, SIGINT, PROCESS_BLOCKED);
    KT_ASSERT(KWIFSIGNALED(status));
    KT_EQ(KWTERMSIG(status), SIGINT);
}

/* Probes of the caller's group, of everyone and of a group that does
 * not exist; init and idle refuse; a bad signal is -EINVAL whatever the
 * pid. */
static void kill_bad_arguments(void)
{
    pid_t pid;

    reset_gate();
    pid = spawn_kernel_process("probed", pass_gate, (void *)0);
    KT_EQ(sys_kill(0, 0), 0); /* the child is in the caller's group */
    KT_EQ(sys_kill(-1, 0), 0);
    gate_open(&gate);
    KT_EQ(sys_wait4(pid, NULL, 0, NULL), pid);
    KT_EQ(sys_kill(-99999, SIGTERM), -ESRCH);
    KT_EQ(sys_kill(INT_MIN, SIGTERM), -ESRCH);
    KT_EQ(sys_kill(0, KNSIG), -EINVAL);
    KT_EQ(sys_kill(1, SIGKILL), -EPERM);
    KT_EQ(sys_kill(current_pid(), KNSIG), -EINVAL);
    KT_EQ(sys_kill(current_pid(), -1), -EINVAL);
    KT_EQ(sys_kill(0x7ffffff0, 0), -ESRCH);
}

/* ---- Priorities: 140-148 --------------------------------------------------- */

/* init back to SCHED_OTHER, nice 0, as the other cases expect. */
static void reset_own_priority(void)
{
    static const struct ksched_param zero = {0};

    KT_EQ(sys_sched_setscheduler(0, SCHED_OTHER, &zero), 0);
    KT_EQ(sys_setpriority(PRIO_PROCESS, 0, 0), 0);
}

/* pid's quantum in nanoseconds, or -1 if the call failed. */
static int64_t rr_interval_ns(pid_t pid)
{
    struct ktimespec ts = {-1, -1};

    if (sys_sched_rr_get_interval(pid, &ts) != 0) {
        return -1;
    }
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int block_until_killed(void *arg)
{
    static int chan;

    (void)arg;
    return block_current((wait_channel_t)&chan);
}

/* getpriority is 20 - nice, setpriority clamps, on the caller and on a
 * child; the policy calls agree with process_getscheduler; the quantum is
 * slice= ticks for RR and SCHED_OTHER, 0 for FIFO. */
static void priority_calls_results(void)
{
    struct ksched_param p = {-1};
    int64_t slice = (int64_t)sched_slice() * (1000000000LL / timer_hz());
    pid_t kid = spawn_kernel_process("kid", block_until_killed, NULL);
    int policy = -1, prio = -1, nice = 99;

    KT_ASSERT(kid > 0);
    KT_EQ(sys_getpriority(PRIO_PROCESS, 0), 20);
    KT_EQ(sys_setpriority(PRIO_PROCESS, 0, 5), 0);
    KT_EQ(sys_getpriority(PRIO_PROCESS, 0), 15);
    KT_EQ(sys_setpriority(PRIO_PROCESS, 0, -100), 0);
    KT_EQ(sys_getpriority(PRIO_PROCESS, 1), 40);
    KT_EQ(sys_setpriority(PRIO_PROCESS, 0, 100), 0);
    KT_EQ(process_getnice(0, &nice), 0);
    KT_EQ(nice, 19);
    KT_EQ(sys_getpriority(PRIO_PROCESS, 0), 1);
    KT_EQ(sys_setpriority(PRIO_PROCESS, kid, -3), 0);
    KT_EQ(process_getnice(kid, &nice), 0);
    KT_EQ(nice, -3);
    KT_EQ(sys_getpriority(PRIO_PROCESS, kid), 23);

    KT_EQ(sys_sched_getscheduler(0), SCHED_OTHER);
    KT_EQ(rr_interval_ns(0), slice);
    p.sched_priority = 10;
    KT_EQ(sys_sched_setscheduler(kid, SCHED_RR, &p), 0);
    KT_EQ(process_getscheduler(kid, &policy, &prio), 0);
    KT_ASSERT(policy == SCHED_RR && prio == 10);
    KT_EQ(sys_sched_getscheduler(kid), SCHED_RR);
    KT_EQ(rr_interval_ns(kid), slice);
    KT_ASSERT(slice > 0);
    p.sched_priority = 42;
    KT_EQ(sys_sched_setparam(kid, &p), 0); /* policy kept */
    p.sched_priority = -1;
    KT_EQ(sys_sched_getparam(kid, &p), 0);
    KT_EQ(p.sched_priority, 42);
    KT_EQ(sys_sched_getscheduler(kid), SCHED_RR);
    KT_EQ(sys_sched_setscheduler(kid, SCHED_FIFO, &p), 0);
    KT_EQ(rr_interval_ns(kid), 0);
    KT_EQ(sys_sched_get_priority_min(SCHED_FIFO), 1);
    KT_EQ(sys_sched_get_priority_max(SCHED_RR), 99);
    KT_EQ(sys_sched_get_priority_max(SCHED_OTHER), 0);
    KT_EQ(sys_sched_get_priority_min(SCHED_BATCH), -EINVAL);
    KT_EQ(sys_kill(kid, SIGTERM), 0);
    KT_EQ(wait_for_child(kid, NULL), kid);
    reset_own_priority();
}

/* Every bad value, pid and pointer fails before anything changes:
 * init's policy, priority and nice are as they were after all of them. */
static void priority_calls_bad_arguments(void)
{
    static const uintptr_t bad[] = {
        0x8000000000000000UL,       /* non-canonical */
        0x00007ffffffffffeUL,       /* runs off the lower half */
        0xdead0000UL,               /* canonical, not mapped */
        PHYSMAP_BASE + (1UL << 36), /* past the end of RAM */
        0xfffffffffffffffeUL,       /* wraps around */
    };
    static const struct ksched_param constant = {7}; /* rodata */
    static const struct ktimespec const_ts;
    struct ksched_param one = {1}, zero = {0}, hundred = {100};
    struct ktimespec ts;
    int policy = -1, prio = -1, nice = 99;

    KT_EQ(sys_getpriority(3, 0), -EINVAL);
    KT_EQ(sys_getpriority(-1, 0), -EINVAL);
    KT_EQ(sys_getpriority(PRIO_PGRP, 0x7ffffff0), -ESRCH); /* no group */
    KT_EQ(sys_getpriority(PRIO_PGRP, -1), -ESRCH);
    KT_EQ(sys_getpriority(PRIO_USER, 5), -ESRCH); /* every process is uid 0 */
    KT_EQ(sys_getpriority(PRIO_PROCESS, 0x7ffffff0), -ESRCH);
    KT_EQ(sys_getpriority(PRIO_PROCESS, -1), -ESRCH);
    KT_EQ(sys_setpriority(3, 0, -5), -EINVAL);
    KT_EQ(sys_setpriority(PRIO_PGRP, 0x7ffffff0, -5), -ESRCH);
    KT_EQ(sys_setpriority(PRIO_USER, 5, -5), -ESRCH);
    KT_EQ(sys_setpriority(PRIO_PROCESS, 0x7ffffff0, -5), -ESRCH);
    KT_EQ(sys_setpriority(PRIO_PROCESS, -1, -5), -ESRCH);
    KT_EQ(sys_sched_setparam(0, NULL), -EINVAL);
    KT_EQ(sys_sched_setparam(-1, &zero), -EINVAL);
    KT_EQ(sys_sched_setparam(0x7ffffff0, &zero), -ESRCH);
    KT_EQ(sys_sched_setparam(0, &one), -EINVAL);      /* SCHED_OTHER: 0 only */
    KT_EQ(sys_sched_setparam(0, &constant), -EINVAL); /* readable, 7 */
    KT_EQ(sys_sched_getparam(0, NULL), -EINVAL);
    KT_EQ(sys_sched_getparam(-1, &one), -EINVAL);
    KT_EQ(sys_sched_getparam(0x7ffffff0, &one), -ESRCH);
    KT_EQ(sys_sched_setscheduler(0, -1, &zero), -EINVAL);
    KT_EQ(sys_sched_setscheduler(0, SCHED_BATCH, &zero), -EINVAL);
    KT_EQ(sys_sched_setscheduler(0, SCHED_IDLE, &zero), -EINVAL);
    KT_EQ(sys_sched_setscheduler(0, SCHED_DEADLINE, &zero), -EINVAL);
    KT_EQ(sys_sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &one),
          -EINVAL);
    KT_EQ(sys_sched_setscheduler(0, SCHED_FIFO, &zero), -EINVAL);
    KT_EQ(sys_sched_setscheduler(0, SCHED_RR, &hundred), -EINVAL);
    KT_EQ(sys_sched_setscheduler(0, SCHED_OTHER, &one), -EINVAL);
    KT_EQ(sys_sched_setscheduler(-1, SCHED_FIFO, &one), -EINVAL);
    KT_EQ(sys_sched_setscheduler(0, SCHED_FIFO, NULL), -EINVAL);
    KT_EQ(sys_sched_setscheduler(0x7ffffff0, SCHED_FIFO, &one), -ESRCH);
    KT_EQ(sys_sched_getscheduler(-1), -EINVAL);
    KT_EQ(sys_sched_getscheduler(0x7ffffff0), -ESRCH);
    KT_EQ(sys_sched_rr_get_interval(-1, &ts), -EINVAL);
    KT_EQ(sys_sched_rr_get_interval(0x7ffffff0, &ts), -ESRCH);
    KT_EQ(sys_sched_rr_get_interval(0, NULL), -EFAULT);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        void *b = (void *)bad[i];

        KT_EQ(sys_sched_setparam(0, b), -EFAULT);
        KT_EQ(sys_sched_getparam(0, b), -EFAULT);
        KT_EQ(sys_sched_setscheduler(0, SCHED_FIFO, b), -EFAULT);
        KT_EQ(sys_sched_rr_get_interval(0, b), -EFAULT);
    }
    /* Read-only memory is never written, through either alias. */
    KT_EQ(sys_sched_getparam(0, (struct ksched_param *)(uintptr_t)&constant),
          -EFAULT);
    KT_EQ(sys_sched_getparam(0, physmap_alias(&constant)), -EFAULT);
    KT_EQ(
        sys_sched_rr_get_interval(0, (struct ktimespec *)(uintptr_t)&const_ts),
        -EFAULT);
    KT_EQ(sys_sched_rr_get_interval(0, physmap_alias(&const_ts)), -EFAULT);
    KT_EQ(constant.sched_priority, 7);
    KT_EQ(process_getscheduler(0, &policy, &prio), 0);
    KT_ASSERT(policy == SCHED_OTHER && prio == 0);
    KT_EQ(process_getnice(0, &nice), 0);
    KT_EQ(nice, 0);
}

static volatile int prio_phase;      /* init's: 1 inside the call, 2 after */
static volatile int prio_phase_seen; /* what the child saw when it ran */

static int record_phase(void *arg)
{
    (void)arg;
    prio_phase_seen = prio_phase;
    return 0;
}

/*
 * init at FIFO 5 spawns a child, FIFO 5 too (inherited): an equal, which
 * timer ticks never let run.  sched_setscheduler raising it to 6 runs it
 * before the call returns; sched_setparam lowering init to 4 below a ready
 * FIFO 5 child yields inside the call.
 */
static void setscheduler_preempts_at_once(void)
{
    struct ksched_param p = {5};
    struct process_info info;
    uint64_t t;
    pid_t kid;

    KT_EQ(sys_sched_setscheduler(0, SCHED_FIFO, &p), 0);
    for (int lower = 0; lower < 2; lower++) {
        prio_phase = prio_phase_seen = 0;
        kid = spawn_kernel_process("kid", record_phase, NULL);
        KT_ASSERT(kid > 0);
        for (t = timer_ticks(); timer_ticks() < t + 2;) {
        } /* ticks do not run an equal */
        KT_EQ(get_process(kid, &info), 0);
        KT_EQ(info.state, PROCESS_READY);
        KT_EQ(info.policy, SCHED_FIFO);
        prio_phase = 1;
        p.sched_priority = lower ? 4 : 6;
        KT_EQ(lower ? sys_sched_setparam(0, &p)
                    : sys_sched_setscheduler(kid, SCHED_FIFO, &p),
              0);
        prio_phase = 2;
        KT_EQ(prio_phase_seen, 1);
        KT_EQ(wait_for_child(kid, NULL), kid);
        p.sched_priority = 5;
        KT_EQ(sys_sched_setparam(0, &p), 0);
    }
    reset_own_priority();
    KT_EQ(sched_check(), 0);
}

static const struct ktest_case syscall_cases[] = {
    {"getpid_and_getppid", getpid_and_getppid},
    {"write_reaches_console", write_reaches_console},
    {"fdprintf_long_output", fdprintf_long_output},
    {"bad_descriptors", bad_descriptors},
    {"bad_buffers", bad_buffers},
    {"read_only_buffers", read_only_buffers},
    {"read_only_through_physmap", read_only_through_physmap},
    {"bad_lengths", bad_lengths},
    {"unknown_numbers", unknown_numbers},
    {"sched_yield_runs_others", sched_yield_runs_others},
    {"wait4_status_encoding", wait4_status_encoding},
    {"wait4_misaligned_status", wait4_misaligned_status},
    {"wait4_bad_arguments", wait4_bad_arguments},
    {"registers_preserved", registers_preserved},
    {"interrupt_state_preserved", interrupt_state_preserved},
    {"gates_ring3_only_int3_into", gates_ring3_only_int3_into},
    {"interrupts_on_during_call", interrupts_on_during_call},
    {"read_sleeps_until_data", read_sleeps_until_data},
    {"read_error_returned", read_error_returned},
    {"long_write_lets_ticks_through", long_write_lets_ticks_through},
    {"kill_through_the_syscall", kill_through_the_syscall},
    {"kill_bad_arguments", kill_bad_arguments},
    {"priority_calls_results", priority_calls_results},
    {"priority_calls_bad_arguments", priority_calls_bad_arguments},
    {"setscheduler_preempts_at_once", setscheduler_preempts_at_once},
};
KTEST_SUITE(suite_syscall, "syscall", syscall_cases);

/* ---- stdin: needs the runner to type (tests/kernel/feed.py) ------------- */

static char line[64];
static volatile int reads; /* sys_read calls that returned */

/* Read stdin until a newline; 0, or what went wrong. */
static int read_line(void *arg)
{
    size_t len = 0;

    (void)arg;
    while (len < sizeof(line) - 1) {
        long n = sys_read(0, line + len, sizeof(line) - 1 - len);

        reads++;
        if (n <= 0) {
            return n < 0 ? (int)n : 100;
        }
        len += (size_t)n;
        if (line[len - 1] == '\n') {
            break;
        }
    }
    line[len] = '\0';
    return 0;
}

/*
 * Start a reader, check that it sleeps (blocked on input, no CPU used
 * across timer ticks), print the marker the runner waits for, and check
 * the line the runner then types.
 */
static void reader_woken_by(const char *marker, const char *expect)
{
    struct process_info info;
    static char junk[RX_RING_SIZE];
    uint64_t slices;
    pid_t pid;
    int code;

    KT_EQ(dev_read(driver_find("keyboard"), junk, sizeof(junk)), 0);
    reads = 0;
    pid = spawn_kernel_process("reader", read_line, NULL);
    KT_ASSERT(wait_state(pid, PROCESS_BLOCKED, 100));
    KT_EQ(get_process(pid, &info), 0);
    KT_EQ(info.wait_channel, WAIT_EVENT_INPUT);
    slices = info.slices;
    KT_ASSERT(idle_ticks(3));
    KT_EQ(get_process(pid, &info), 0);
    KT_EQ(info.state, PROCESS_BLOCKED); /* ticks do not wake it */
    KT_EQ(info.slices, slices);         /* and it does not poll */
    KT_EQ(reads, 0);
    kprintf("%s\n", marker);
    KT_EQ(wait_for_child(pid, &code), pid);
    KT_EQ(code, 0);
    KT_ASSERT(reads >= 1);
    KT_ASSERT(strcmp(line, expect) == 0);
}

static void serial_wakes_reader(void)
{
    reader_woken_by("# waiting for serial input", "kairos reads serial\n");
}

static void keyboard_wakes_reader(void)
{
    reader_woken_by("# waiting for keys", "kbd\n");
}

static const struct ktest_case stdin_cases[] = {
    {"serial_wakes_reader", serial_wakes_reader},
    {"keyboard_wakes_reader", keyboard_wakes_reader},
};
KTEST_SUITE(suite_stdin, "stdin", stdin_cases);
