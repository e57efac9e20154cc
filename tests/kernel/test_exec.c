/*
 * spawn_user_process on real static programs from the test initramfs
 * (/ktest/bin: built by the Makefile, docs/exec.md): a program without
 * libc as ET_EXEC and as static-PIE, and glibc's static start-up; every
 * error it promises; memory back to its baseline after many.
 */
#include "exec.h"
#include "frame.h"
#include "heap.h"
#include "kerrno.h"
#include "kstring.h"
#include "ktest.h"
#include "param.h"
#include "printf.h"
#include "proc.h"
#include "process.h"

static int run(const char *path, const char *const argv[],
               const char *const envp[], int *code, int *sig)
{
    pid_t pid = spawn_user_process(path, argv, envp);

    if (pid < 0) {
        return pid;
    }
    return wait_child_sig(pid, code, sig, true) == pid ? 0 : -ECHILD;
}

/* tiny exits 0 only if rsp was aligned, bss zero, data there and argv
 * {"tiny", "ok"} (tests/unit/data/elf_tiny.c). */
static void tiny_static_and_pie(void)
{
    static const char *const argv[] = {"tiny", "ok", NULL};
    static const char *const bad[] = {"tiny", "no", NULL};
    int code, sig;

    KT_EQ(run("/ktest/bin/tiny", argv, NULL, &code, &sig), 0);
    KT_EQ(sig, 0);
    KT_EQ(code, 0);
    KT_EQ(run("/ktest/bin/tiny-pie", argv, NULL, &code, &sig), 0);
    KT_EQ(sig, 0);
    KT_EQ(code, 0);
    KT_EQ(run("/ktest/bin/tiny", bad, NULL, &code, &sig), 0);
    KT_ASSERT(code != 0); /* it does look at its argv */
}

/* glibc's static start-up (TLS, brk, its checks of the kernel) reaches
 * main, which returns argc. */
static void glibc_static_starts(void)
{
    static const char *const argv[] = {"hello", "a", "b", NULL};
    static const char *const envp[] = {"KAIROS=1", NULL};
    int code, sig;

    KT_EQ(run("/ktest/bin/hello", argv, envp, &code, &sig), 0);
    KT_EQ(sig, 0);
    KT_EQ(code, 3);
    KT_EQ(run("/ktest/bin/hello-pie", argv, envp, &code, &sig), 0);
    KT_EQ(sig, 0);
    KT_EQ(code, 3);
}

static void spawn_errors(void)
{
    static const char *const argv[] = {"x", NULL};
    static char big[USTACK_STRLEN_MAX + 1];
    static const char *const huge[] = {"x", big, NULL};
    size_t frames = frame_stats().free;
    int code, sig;

    KT_EQ(spawn_user_process("/ktest/bin/none", argv, NULL), -ENOENT);
    KT_EQ(spawn_user_process("/ktest/hello.txt/x", argv, NULL), -ENOTDIR);
    KT_EQ(spawn_user_process("/ktest/bin", argv, NULL), -EACCES);
    KT_EQ(spawn_user_process("/ktest/hello.txt", argv, NULL),
          -EACCES); /* 0644 */
    KT_EQ(spawn_user_process(NULL, argv, NULL), -EINVAL);
    memset(big, 'a', sizeof(big) - 1);
    KT_EQ(spawn_user_process("/ktest/bin/tiny", huge, NULL), -E2BIG);
    KT_EQ(frame_stats().free, frames); /* nothing of the failures stayed */
    KT_EQ(run("/ktest/bin/tiny", NULL, NULL, &code, &sig), 0); /* argc 0 */
    KT_ASSERT(code != 0);
}

/* Corrupt images (tests/kernel/initrd.py's /ktest/bad): each -ENOEXEC,
 * and nothing stays behind. */
static void corrupt_images(void)
{
    static const char *const bad[] = {
        "empty",
        "truncated-header",
        "truncated-phdrs",
        "truncated-segment",
        "bad-magic",
        "32-bit",
        "big-endian",
        "wrong-machine",
        "phoff-past-end",
        "phnum-huge",
        "filesz-over-memsz",
        "kernel-vaddr",
        "entry-outside",
    };
    static const char *const argv[] = {"bad", NULL};
    size_t frames = frame_stats().free, bytes = heap_stats().bytes_in_use;
    char path[64];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ksnprintf(path, sizeof(path), "/ktest/bad/%s", bad[i]);
        KT_EQ(spawn_user_process(path, argv, NULL), -ENOEXEC);
    }
    KT_EQ(frame_stats().free, frames);
    KT_EQ(heap_stats().bytes_in_use, bytes);
}

/* After 200 programs, frames and heap are where they were. */
static void programs_back_to_baseline(void)
{
    static const char *const argv[] = {"hello", NULL};
    size_t frames, bytes;
    int code, sig;

    KT_EQ(run("/ktest/bin/hello", argv, NULL, &code, &sig), 0); /* warm */
    heap_trim();
    frames = frame_stats().free;
    bytes = heap_stats().bytes_in_use;
    for (int i = 0; i < 200; i++) {
        KT_EQ(run(i % 2 ? "/ktest/bin/hello" : "/ktest/bin/tiny-pie", argv,
                  NULL, &code, &sig),
              0);
    }
    heap_trim();
    KT_EQ(frame_stats().free, frames);
    KT_EQ(heap_stats().bytes_in_use, bytes);
}

static const struct ktest_case exec_cases[] = {
    {"tiny_static_and_pie", tiny_static_and_pie},
    {"glibc_static_starts", glibc_static_starts},
    {"spawn_errors", spawn_errors},
    {"corrupt_images", corrupt_images},
    {"programs_back_to_baseline", programs_back_to_baseline},
};
KTEST_SUITE(suite_exec, "exec", exec_cases);
