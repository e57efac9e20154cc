/*
 * The C string and memory functions, for the kernel only (the host build
 * uses libc's and leaves this file out).
 *
 * The compiler may emit calls to memset, memcpy, memmove and memcmp on its
 * own (struct copies, zero initialisers), so these must exist and must not
 * call themselves: gcc's loop-distribution pass turns a byte loop into a
 * memset call, which here would recurse forever.  NO_LIBCALL turns that
 * pass off; clang does not rewrite loops into library calls under
 * -fno-builtin.  Check with: objdump -d string.o | grep 'call'.
 */
#include <stdint.h>

#include "kstring.h"

#if defined(__GNUC__) && !defined(__clang__)
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_LIBCALL
#endif

/* A word that may alias any object, for the aligned fast paths. */
typedef uint64_t __attribute__((may_alias)) word_t;

static int word_aligned(uintptr_t addr)
{
    return (addr & (sizeof(word_t) - 1)) == 0;
}

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;

    if (word_aligned((uintptr_t)d)) {
        word_t w = (unsigned char)c * 0x0101010101010101ULL;

        for (; n >= sizeof(w); n -= sizeof(w), d += sizeof(w)) {
            *(word_t *)d = w;
        }
    }
    while (n-- > 0) {
        *d++ = (unsigned char)c;
    }
    return dst;
}

NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (word_aligned((uintptr_t)d | (uintptr_t)s)) {
        for (; n >= sizeof(word_t); n -= sizeof(word_t)) {
            *(word_t *)d = *(const word_t *)s;
            d += sizeof(word_t);
            s += sizeof(word_t);
        }
    }
    while (n-- > 0) {
        *d++ = *s++;
    }
    return dst;
}

/*
 * memcpy copies forwards, which is safe unless dst starts inside src; only
 * then copy backwards.
 */
NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if ((uintptr_t)d - (uintptr_t)s >= n) { /* d below s, or no overlap */
        return memcpy(dst, src, n);
    }
    while (n-- > 0) {
        d[n] = s[n];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] - y[i];
        }
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0') {
        n++;
    }
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n] != '\0') {
        n++;
    }
    return n;
}

/* Compares as unsigned char, like libc, so bytes >= 0x80 sort high. */
int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

        if (x != y || x == '\0') {
            return x - y;
        }
    }
    return 0;
}

int strcmp(const char *a, const char *b)
{
    return strncmp(a, b, SIZE_MAX);
}

/* Finds the terminating NUL too when c is 0, as C requires. */
char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c) {
            return (char *)s;
        }
        if (*s == '\0') {
            return NULL;
        }
    }
}
