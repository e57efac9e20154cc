/*
 * String helpers libc does not have, compiled for the kernel and the host.
 */
#include <stdbool.h>
#include <limits.h>

#include "kstring.h"

#include "kerrno.h"

size_t kstrlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);

    if (size > 0) {
        size_t n = len < size - 1 ? len : size - 1;

        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

/* Value of digit c in base, or -1 when c is not one. */
static int digit_value(char c, int base)
{
    int v;

    if (c >= '0' && c <= '9') {
        v = c - '0';
    } else if (c >= 'a' && c <= 'z') {
        v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'Z') {
        v = c - 'A' + 10;
    } else {
        return -1;
    }
    return v < base ? v : -1;
}

static bool has_hex_prefix(const char *s)
{
    return s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/*
 * Base 0 means hex after "0x", else decimal: no octal, so "hz=0100" is 100
 * as a user would expect.  No sign and no spaces are accepted.
 */
int kstrtoul(const char *s, int base, unsigned long *out)
{
    unsigned long v = 0;

    if (base == 0) {
        base = has_hex_prefix(s) ? 16 : 10;
    }
    if (base < 2 || base > 36) {
        return -EINVAL;
    }
    if (base == 16 && has_hex_prefix(s)) {
        s += 2;
    }
    if (*s == '\0') {
        return -EINVAL; /* empty, or "0x" alone */
    }
    for (; *s != '\0'; s++) {
        int d = digit_value(*s, base);

        if (d < 0) {
            return -EINVAL;
        }
        if (v > (ULONG_MAX - (unsigned long)d) / (unsigned long)base) {
            return -ERANGE;
        }
        v = v * (unsigned long)base + (unsigned long)d;
    }
    *out = v;
    return 0;
}
