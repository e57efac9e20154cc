/*
 * The test image's kernel_run: run the suites, print TAP, and leave QEMU
 * through isa-debug-exit with KTEST_EXIT_PASS or KTEST_EXIT_FAIL (QEMU's
 * exit status is then 2 * code + 1: 33 or 35, never QEMU's own 1).
 *
 * Command line: test=PREFIX runs only the cases whose "suite/case" name
 * starts with PREFIX; crash=pf|de|assert|stack|canary provokes an unexpected fault or a
 * failed assertion, to check that it fails the run with a report.
 *
 * The suites run in the init process (pid 1).  A "fed" suite needs input
 * typed by the runner (tests/kernel/feed.py) and would block without it,
 * so it runs only when test= names it: test=stdin/.
 */
#include "boot.h"
#include "cmdline.h"
#include "klog.h"
#include "heap.h"
#include "kstring.h"
#include "ktest.h"
#include "panic.h"
#include "printf.h"
#include "proc.h"
#include "x86.h"

const bool kernel_run_reads_test_options = true;

#define KTEST_EXIT_PASS 0x10
#define KTEST_EXIT_FAIL 0x11

extern const struct ktest_suite suite_memory, suite_heap, suite_paging,
    suite_aspace, suite_user, suite_exec, suite_trap, suite_timer,
    suite_spinlock, suite_drivers, suite_lib, suite_process, suite_syscall,
    suite_sleep, suite_sync, suite_stdin, suite_fs, suite_file, suite_kstack,
    suite_pipe;

static const struct {
    const struct ktest_suite *suite;
    bool fed; /* needs input from the runner: only when test= names it */
} suites[] = {
    {&suite_memory, false},  {&suite_heap, false},  {&suite_paging, false},
    {&suite_aspace, false},  {&suite_user, false},  {&suite_exec, false},
    {&suite_trap, false},    {&suite_timer, false}, {&suite_spinlock, false},
    {&suite_drivers, false}, {&suite_lib, false},   {&suite_process, false},
    {&suite_syscall, false}, {&suite_sleep, false}, {&suite_sync, false},
    {&suite_fs, false},      {&suite_file, false},  {&suite_kstack, false},
    {&suite_pipe, false},    {&suite_stdin, true},
};

#define NSUITES (sizeof(suites) / sizeof(suites[0]))

static bool failed;       /* the running case has failed */
static char failure[160]; /* and why */

void ktest_fail(const char *file, int line, const char *what)
{
    if (!failed) {
        ksnprintf(failure, sizeof(failure), "%s:%d: %s", file, line, what);
    }
    failed = true;
}

void ktest_fail_eq(const char *file, int line, const char *what, long long a,
                   long long b)
{
    if (!failed) {
        ksnprintf(failure, sizeof(failure), "%s:%d: %s (%lld != %lld)", file,
                  line, what, a, b);
    }
    failed = true;
}

int ktest_log_contains(const char *s, size_t window)
{
    static char tail[4096];
    size_t n = klog_tail(tail, window < sizeof(tail) ? window : sizeof(tail));
    size_t len = strlen(s);

    for (size_t i = 0; i + len <= n; i++) {
        if (memcmp(tail + i, s, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Case c of suite s runs under this test= prefix (NULL: none given). */
static bool selected(size_t s, size_t c, const char *prefix)
{
    const char *suite = suites[s].suite->name;
    size_t n = strlen(suite);
    char full[96];

    if (prefix == NULL) {
        return !suites[s].fed;
    }
    if (suites[s].fed && (strncmp(prefix, suite, n) != 0 || prefix[n] != '/')) {
        return false;
    }
    ksnprintf(full, sizeof(full), "%s/%s", suite,
              suites[s].suite->cases[c].name);
    return strncmp(full, prefix, strlen(prefix)) == 0;
}

static void exit_fail(void)
{
    qemu_debug_exit(KTEST_EXIT_FAIL);
}

static int run_suites(const char *prefix)
{
    int planned = 0, number = 0, nfailed = 0;

    for (size_t s = 0; s < NSUITES; s++) {
        for (size_t c = 0; c < suites[s].suite->ncases; c++) {
            planned += selected(s, c, prefix);
        }
    }
    kprintf("1..%d\n", planned);
    for (size_t s = 0; s < NSUITES; s++) {
        const struct ktest_suite *st = suites[s].suite;

        for (size_t c = 0; c < st->ncases; c++) {
            if (!selected(s, c, prefix)) {
                continue;
            }
            failed = false;
            st->cases[c].fn();
            number++;
            nfailed += failed;
            kprintf("%s %d - %s/%s%s%s\n", failed ? "not ok" : "ok", number,
                    st->name, st->cases[c].name, failed ? " # " : "",
                    failed ? failure : "");
        }
    }
    kprintf("# %d passed, %d failed\n", number - nfailed, nfailed);
    return nfailed;
}

/* Unexpected faults for crash=...; each must end the run as a failure. */
void fault_read(uintptr_t addr);
void fault_div0(void);

/*
 * A real overflow: unbounded recursion, 256 live bytes a call, until a
 * push reaches the guard page below this process's stack (x86_64: a double
 * fault, reported as a stack overflow naming pid and name).  The volatile
 * flag keeps the compiler from proving it endless.
 */
static volatile int recursion_goes_on = 1;

__attribute__((noinline)) static int overflow_stack(int depth)
{
    volatile char frame[256];

    frame[0] = (char)depth;
    if (recursion_goes_on) {
        depth += overflow_stack(depth + 1);
    }
    return depth + frame[0];
}

/*
 * What a stray write to the bottom of the stack leaves behind: the canary
 * overwritten.  Then run until a tick looks at it (bounded by a number of
 * wake-ups; the panic hook ends the run first).
 */
static void smash_own_stack_canary(void)
{
    struct process *p = proc_current();

    ((volatile uint64_t *)p->stack)[PROC_STACK_CANARY_WORDS - 1] = 0;
    for (int wakeups = 0; wakeups < 1000; wakeups++) {
        arch_cpu_idle();
    }
}

static void crash(const char *what)
{
    kprintf("# crash=%s: provoking it now\n", what);
    if (strcmp(what, "pf") == 0) {
        fault_read(0xdead0000);
    } else if (strcmp(what, "de") == 0) {
        fault_div0();
    } else if (strcmp(what, "assert") == 0) {
        KASSERT(strcmp(what, "assert") != 0);
    } else if (strcmp(what, "stack") == 0) {
        kprintf("# crash=stack: recursion returned %d\n", overflow_stack(0));
    } else if (strcmp(what, "canary") == 0) {
        smash_own_stack_canary();
    }
    kprintf("# crash=%s: unknown crash or it did not fault\n", what);
}

int kernel_run(void *arg)
{
    const char *what = cmdline_get("crash");

    (void)arg;
    panic_set_hook(exit_fail);
    if (what != NULL) {
        crash(what);
        exit_fail();
        return 1;
    }
    qemu_debug_exit(run_suites(cmdline_get("test")) == 0 ? KTEST_EXIT_PASS
                                                         : KTEST_EXIT_FAIL);
    return 0;
}
