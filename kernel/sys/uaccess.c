/*
 * The caller's memory (uaccess.h).
 */
#include "uaccess.h"

#include <stdint.h>

#include "arch.h"
#include "kerrno.h"
#include "kstring.h"
#include "param.h"
#include "proc.h"

bool caller_is_user(void)
{
    struct process *p = proc_current();

    return p != NULL && p->vm != NULL;
}

int check_caller_range(const void *p, size_t n, bool write)
{
    uintptr_t a = (uintptr_t)p;

    if (caller_is_user()) {
        return a <= USER_TOP && n <= USER_TOP - a ? 0 : -EFAULT;
    }
    return arch_access_ok(p, n, write) ? 0 : -EFAULT;
}

int copy_from_caller(void *dst, const void *src, size_t n)
{
    if (caller_is_user()) {
        return arch_copy_from_user(dst, src, n);
    }
    if (!arch_access_ok(src, n, false)) {
        return -EFAULT;
    }
    memcpy(dst, src, n);
    return 0;
}

int copy_to_caller(void *dst, const void *src, size_t n)
{
    if (caller_is_user()) {
        return arch_copy_to_user(dst, src, n);
    }
    if (!arch_access_ok(dst, n, true)) {
        return -EFAULT;
    }
    memcpy(dst, src, n);
    return 0;
}

int check_caller_writable(void *dst, size_t n)
{
    uint8_t probe[64];

    if (n > sizeof(probe)) {
        return -EFAULT;
    }
    if (!caller_is_user()) {
        return arch_access_ok(dst, n, true) ? 0 : -EFAULT;
    }
    /* Read and write back the same bytes: only this process runs its
     * memory (one thread), so nothing changes. */
    if (arch_copy_from_user(probe, dst, n) != 0) {
        return -EFAULT;
    }
    return arch_copy_to_user(dst, probe, n);
}

/* A kernel process's string: the bytes up to the NUL, each checked once
 * a page (the check walks the tables). */
static long kernel_strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max) {
        size_t chunk = PAGE_SIZE - ((uintptr_t)(s + n) % PAGE_SIZE);

        chunk = chunk < max - n ? chunk : max - n;
        if (!arch_access_ok(s + n, chunk, false)) {
            return -EFAULT;
        }
        for (size_t i = 0; i < chunk; i++, n++) {
            if (s[n] == '\0') {
                return (long)n;
            }
        }
    }
    return (long)max;
}

long string_from_caller(char *buf, const void *src, size_t size)
{
    long len = caller_is_user() ? arch_user_strnlen(src, size)
                                : kernel_strnlen(src, size);

    if (len < 0) {
        return len;
    }
    if ((size_t)len >= size) {
        return -ENAMETOOLONG;
    }
    if (copy_from_caller(buf, src, (size_t)len + 1) != 0) {
        return -EFAULT;
    }
    buf[len] = '\0'; /* it may have changed since it was measured */
    return len;
}
