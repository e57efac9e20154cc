/*
 * Kairos limits and defaults, in one place (xv6's param.h).
 *
 * Change a number here, rebuild, and every subsystem follows.  Limits that a
 * user may set at boot are documented with their command-line key.
 */
#ifndef KAIROS_PARAM_H
#define KAIROS_PARAM_H

#define KAIROS_VERSION "0.1.0"

#define MAX_CPUS 1 /* Kairos is uniprocessor for now */

#define PAGE_SIZE  4096UL /* frame and page size */
#define PAGE_SHIFT 12

#define HZ_DEFAULT 100 /* timer rate; command line: hz= */
#define HZ_MIN     19  /* the PIT cannot go slower than ~18.2 Hz */
#define HZ_MAX     10000

#define CMDLINE_MAX       512 /* bytes of kernel command line kept, with NUL */
#define CMDLINE_MAX_WORDS 32  /* words examined; later ones are ignored */
#define CMDLINE_WORD_MAX  128 /* bytes in one key=value word, with the NUL */

#define HEAP_POOL_MIN  (64 * 1024) /* heap grows by at least this much */
#define HEAP_MAX_ALIGN PAGE_SIZE /* largest alignment kmalloc_aligned accepts */
#define HEAP_ALLOC_MAX (1UL << 32) /* largest kmalloc; bigger ones get NULL */

/* Runs of managed memory the frame allocator keeps; extra ones are dropped. */
#define FRAME_MAX_ZONES 128
/* Physical memory at or above this address is ignored by the frame allocator. */
#define FRAME_PHYS_LIMIT (1ULL << 48)

#define CONSOLE_MAX_SINKS 4     /* outputs a console line is copied to */
#define KLOG_SIZE         16384 /* bytes of kernel log kept in memory */
#define KLOG_CHUNK        32 /* bytes a sink gets with interrupts off (klog.h) */
#define RX_RING_SIZE      4096 /* bytes buffered per input device */

#define DRIVER_TABLE_INITIAL 4  /* driver registry slots before it grows */
#define DRIVER_NAME_MAX      16 /* bytes in a device name, with the NUL */

#define SLICE_DEFAULT      5 /* ticks per time slice; command line: slice= */
#define SLICE_MAX          1000
#define RT_PERIOD_DEFAULT  100 /* ticks: 1 s at HZ_DEFAULT (main.c uses hz) */
#define RT_RUNTIME_MS      950 /* RT time per second; rt_runtime= (-1: all) */
#define PROC_TABLE_INITIAL 64  /* process table slots before it first grows */
#define PROC_CACHE_MAX     16  /* reaped records kept for reuse until idle */
#define PROC_TABLE_MAX     (1UL << 20) /* slots it may grow to; beyond: -EAGAIN */
/* The most processes at once procs= may allow (the table stays at most
 * half full), and the memory per process its default counts: a forked
 * small musl process takes ~55 KiB (kernel stack, page tables, records),
 * so a fork bomb meets the limit, not -ENOMEM, with room to spare. */
#define PROC_LIMIT_MAX (PROC_TABLE_MAX / 2 - 1)
#define PROC_MEM_EACH  (96 * 1024)

/* Scheduler trace events kept (a power of two); older ones are overwritten. */
#define TRACE_RECORDS 4096

#define FS_NAME_MAX    255 /* bytes in one path component, without the NUL */
#define FS_PATH_MAX    4096 /* bytes in a path, with the NUL (Linux's PATH_MAX) */
#define FS_SYMLINK_MAX 16 /* symbolic links one lookup may follow (Linux: 40) */

#define SYSCALL_IO_MAX (1L << 20) /* largest read or write; more is capped */

#define PIPE_SIZE (64 * 1024) /* bytes a pipe holds (Linux's default) */
#define PIPE_BUF  4096        /* writes up to this size are atomic (POSIX) */

#define SHELL_MAX_CHILDREN 64  /* demo processes one shell tracks at once */
#define SPIN_CPU_SECONDS   2   /* CPU time each spin demo uses, then exits */
#define SHELL_LINE_MAX     128 /* longest shell line */

#define BACKTRACE_MAX 16 /* frames a backtrace walks */

/* User mode (docs/exec.md): the lower half belongs to the process. */
#define USER_TOP 0x0000800000000000ULL /* first address of the kernel half */
#define USER_MIN_ADDR \
    0x10000ULL /* nothing maps below (Linux's mmap_min_addr) */

#define ELF_MAX_PHNUM 64 /* program headers an executable may have */
#define ELF_MAX_LOADS 16 /* PT_LOAD segments; static binaries have 2-5 */
#define ELF_MAX_ALIGN 0x200000ULL  /* largest PT_LOAD p_align (2 MiB) */
#define ELF_MAX_MEM   (1ULL << 30) /* bytes all PT_LOAD pages may span */
#define ELF_PIE_BASE  0x400000ULL  /* where a static-PIE's first page loads */

#define USTACK_ARG_MAX    (256 * 1024) /* argv + envp strings and pointers */
#define USTACK_STRLEN_MAX (32 * 4096)  /* one string, NUL included */

#endif
