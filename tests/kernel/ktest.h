/*
 * The in-kernel test framework: suites are tables of named cases, run at
 * boot by the test image, reported as TAP on the console (COM1).
 */
#ifndef KAIROS_KTEST_H
#define KAIROS_KTEST_H

#include <stddef.h>

struct ktest_case {
    const char *name;
    void (*fn)(void);
};

struct ktest_suite {
    const char *name;
    const struct ktest_case *cases;
    size_t ncases;
};

#define KTEST_SUITE(var, sname, table)            \
    const struct ktest_suite var = {sname, table, \
                                    sizeof(table) / sizeof(table[0])}

/* Record a failure of the running case (the first one is reported). */
void ktest_fail(const char *file, int line, const char *what);

/* Fail the case and leave it when cond is false. */
#define KT_ASSERT(cond)                            \
    do {                                           \
        if (!(cond)) {                             \
            ktest_fail(__FILE__, __LINE__, #cond); \
            return;                                \
        }                                          \
    } while (0)

/* Compare two integers, printing both on failure. */
#define KT_EQ(a, b)                                                    \
    do {                                                               \
        long long ka_ = (long long)(a), kb_ = (long long)(b);          \
        if (ka_ != kb_) {                                              \
            ktest_fail_eq(__FILE__, __LINE__, #a " == " #b, ka_, kb_); \
            return;                                                    \
        }                                                              \
    } while (0)

void ktest_fail_eq(const char *file, int line, const char *what, long long a,
                   long long b);

/* True if the kernel log's last `window` bytes contain s. */
int ktest_log_contains(const char *s, size_t window);

#endif
