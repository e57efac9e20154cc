/*
 * kernel_main: the portable half of boot.
 *
 * The arch port calls it once, interrupts off, with the boot information.
 * The order matters: the command line first (everything below may read it),
 * frames before page tables (tables are made of frames), page tables before
 * the heap's first use, devices before the console facades that wrap them,
 * interrupts once every handler has its state, the root filesystem (the
 * first boot module) before any process can look a path up, and last the
 * process table, init and the scheduler, which never returns.
 */
#include "arch.h"
#include "boot.h"
#include "cmdline.h"
#include "klog.h"
#include "console.h"
#include "driver.h"
#include "frame.h"
#include "initramfs.h"
#include "kstring.h"
#include "panic.h"
#include "proc.h"
#include "param.h"
#include "timer.h"
#include "vfs.h"

static void banner(const struct boot_info *bi)
{
    struct frame_stats fs = frame_stats();
    uint64_t us = uptime_ns() / 1000;

    kprintf("\nKairos %s (%s), booted by %s\n", KAIROS_VERSION, ARCH_NAME,
            bi->loader);
    kprintf("memory: %lu MiB usable (%lu frames), %lu MiB free\n",
            (unsigned long)(fs.total * PAGE_SIZE >> 20),
            (unsigned long)fs.total,
            (unsigned long)(fs.free * PAGE_SIZE >> 20));
    kprintf("timer: %u Hz\n", timer_hz());
    kprintf("boot: %lu.%03lu ms from timer start to here\n",
            (unsigned long)(us / 1000), (unsigned long)(us % 1000));
}

/* RT throttling from rt_runtime= (ms of every second; -1: no limit). */
static void set_rt_runtime(void)
{
    const char *v = cmdline_get("rt_runtime");
    unsigned hz = timer_hz();
    long ms =
        v != NULL && strcmp(v, "-1") == 0
            ? -1
            : (long)cmdline_get_ulong("rt_runtime", RT_RUNTIME_MS, 0, 1000);

    sched_set_rt_runtime(ms < 0 ? -1 : ms * (long)hz / 1000, hz);
}

/* The process limit from procs=, by default one per PROC_MEM_EACH of
 * memory (docs/linux-abi.md, "Limits"). */
/* /tmp's tmpfs, as big as tmpfs= says (KiB; default an eighth of memory). */
static void set_tmpfs_limit(void)
{
    unsigned long def = frame_stats().total * PAGE_SIZE / 8 / 1024;
    unsigned long kib =
        cmdline_get_ulong("tmpfs", def > 0 ? def : 1, 1, 4194304);

    if (vfs_tmpfs_init(kib * 1024) != 0) {
        panic("tmpfs: out of memory");
    }
}

static void set_proc_limit(void)
{
    unsigned long def = frame_stats().total * PAGE_SIZE / PROC_MEM_EACH;

    def = def < 16 ? 16 : def > PROC_LIMIT_MAX ? PROC_LIMIT_MAX : def;
    proc_set_limit(cmdline_get_ulong("procs", def, 1, PROC_LIMIT_MAX));
}

_Noreturn void kernel_main(const struct boot_info *bi)
{
    static const char *const inputs[] = {"ps2kbd", "serial0"};
    int err;

    cmdline_parse(bi->cmdline);
    if (!kernel_run_reads_test_options) {
        cmdline_drop_test_only();
    }
    timer_init(cmdline_get_ulong("hz", HZ_DEFAULT, HZ_MIN, HZ_MAX));
    err = frame_init(bi->ranges, bi->nranges, bi->reserved, bi->nreserved);
    if (err != 0) {
        panic("frame_init: no usable memory (%d)", err);
    }
    err = arch_mm_init();
    if (err != 0) {
        panic("arch_mm_init: cannot build the kernel page tables (%d)", err);
    }
    arch_devices_init();
    err = console_devices_init(inputs, sizeof(inputs) / sizeof(inputs[0]));
    if (err != 0) {
        panic("console_devices_init: %d", err);
    }
    proc_set_std_devices(driver_find("keyboard"), driver_find("console"));
    sched_set_slice(cmdline_get_ulong("slice", SLICE_DEFAULT, 1, SLICE_MAX));
    set_rt_runtime();
    set_proc_limit();
    if (process_init() != 0) {
        panic("process_init: out of memory");
    }
    arch_irq_enable();
    banner(bi);
    initramfs_init(bi->nmodules > 0 ? &bi->modules[0] : NULL);
    set_tmpfs_limit();
    err = spawn_kernel_process("init", kernel_run, NULL);
    if (err != 1) {
        panic("cannot spawn init (%d)", err);
    }
    start_scheduler(); /* this boot context becomes the idle task */
    panic("start_scheduler returned: no process is left");
}
